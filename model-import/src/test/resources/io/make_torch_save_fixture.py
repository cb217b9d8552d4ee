#!/usr/bin/env python3
"""Writes the small PyTorch-format archives that TorchArchiveTest reads.

torch is not needed (nor used): stand-in classes registered under torch's module names make
CPython's own pickler emit exactly the globals, persistent ids and opcodes that torch.save and
torch.jit.save write (torch/serialization.py _save, torch/_tensor.py __reduce_ex__,
torch/csrc/jit/serialization/pickler.cpp). The zip layout is torch's: <dir>/data.pkl,
<dir>/data/<key> raw storages, <dir>/version, <dir>/byteorder.

Run from this directory, with Python 3.8 or later and nothing else installed:

    python3 make_torch_save_fixture.py

It rewrites torch-save-proto2.pt, torch-save-proto4-bigendian.pt and scripted-batchnorm.pt here.
The values are simple formulas so that the test can state them; keep the two in step.
"""

import argparse
import collections
import io
import pickle
import struct
import sys
import types
import zipfile


def fake_module(name):
    module = types.ModuleType(name)
    sys.modules[name] = module
    return module


torch = fake_module("torch")
torch_utils = fake_module("torch._utils")
torch.__path__ = []  # a package, so that torch._utils imports


def storage_type(name):
    cls = type(name, (), {"__module__": "torch"})
    setattr(torch, name, cls)
    return cls


FloatStorage = storage_type("FloatStorage")
HalfStorage = storage_type("HalfStorage")
BFloat16Storage = storage_type("BFloat16Storage")
DoubleStorage = storage_type("DoubleStorage")
LongStorage = storage_type("LongStorage")
IntStorage = storage_type("IntStorage")
ByteStorage = storage_type("ByteStorage")
BoolStorage = storage_type("BoolStorage")


def _rebuild_tensor_v2(*args):
    raise AssertionError("never called: only pickled by name")


def _rebuild_parameter(*args):
    raise AssertionError("never called: only pickled by name")


_rebuild_tensor_v2.__module__ = _rebuild_parameter.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
torch_utils._rebuild_parameter = _rebuild_parameter


class Storage:
    """A storage record: element type, key and raw values."""

    def __init__(self, key, cls, fmt, values):
        self.key, self.cls, self.fmt, self.values = key, cls, fmt, values

    def raw(self, big_endian):
        order = ">" if big_endian else "<"
        return b"".join(struct.pack(order + self.fmt, v) for v in self.values)


class Tensor:
    """Pickles as torch does: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (_rebuild_tensor_v2, self.args)


class Parameter:
    """Pickles as nn.Parameter does: _rebuild_parameter(data, requires_grad, hooks)."""

    def __init__(self, data):
        self.data = data

    def __reduce__(self):
        return (_rebuild_parameter, (self.data, True, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", len(obj.values))
        return None


def contiguous(storage, size, offset=0):
    stride, s = [], 1
    for d in reversed(size):
        stride.insert(0, s)
        s *= d
    return Tensor(storage, offset, size, stride)


def bf16(x):
    return struct.unpack("<I", struct.pack("<f", x))[0] >> 16


def write_archive(path, directory, pickle_bytes, storages, big_endian, extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        def add(name, data):
            z.writestr(zipfile.ZipInfo(directory + "/" + name, date_time=(1980, 1, 1, 0, 0, 0)), data)

        add("data.pkl", pickle_bytes)
        add("byteorder", "big" if big_endian else "little")
        for s in storages:
            add("data/" + s.key, s.raw(big_endian))
        for name, data in extra:
            add(name, data)
        add("version", "3\n")


def torch_save_checkpoint(path, protocol, big_endian):
    # storage '0': 8 floats 0.0, 0.5, ..., 3.5, shared by a contiguous view at offset 2 and its transpose
    f32 = Storage("0", FloatStorage, "f", [0.5 * i for i in range(8)])
    f16 = Storage("1", HalfStorage, "e", [1.0, -2.0, 0.5, 65504.0])
    b16 = Storage("2", BFloat16Storage, "H", [bf16(1.0), bf16(-3.0), bf16(0.15625)])
    f64 = Storage("3", DoubleStorage, "d", [1.0 / 3.0, -1e300])
    i64 = Storage("4", LongStorage, "q", [123456789012])
    i32 = Storage("5", IntStorage, "i", [-7, 2147483647])
    u8 = Storage("6", ByteStorage, "B", [0, 1, 200, 255])
    bools = Storage("7", BoolStorage, "?", [True, False, True])
    row = Storage("8", FloatStorage, "f", [10.0, 20.0, 30.0])
    param = Storage("9", FloatStorage, "f", [-1.5, 2.25])

    state = collections.OrderedDict()
    state["module.visual.proj"] = contiguous(f32, (3, 2), offset=2)  # 1.0 .. 3.5
    state["module.visual.proj_t"] = Tensor(f32, 2, (2, 3), (1, 2))  # its transpose
    state["module.half"] = contiguous(f16, (2, 2))
    state["module.bf16"] = contiguous(b16, (3,))
    state["module.f64"] = contiguous(f64, (2,))
    state["module.bn.num_batches_tracked"] = contiguous(i64, ())
    state["module.i32"] = contiguous(i32, (2,))
    state["module.u8"] = contiguous(u8, (2, 2))
    state["module.mask"] = contiguous(bools, (3,))
    state["module.expanded"] = Tensor(row, 0, (2, 3), (0, 1))  # row.expand(2, 3)
    state["module.param"] = Parameter(contiguous(param, (2,)))
    state["module.empty"] = Tensor(f32, 0, (0, 4), (4, 1))
    # Module.state_dict() leaves per-module versions here; the OrderedDict's BUILD carries them
    state._metadata = collections.OrderedDict([("", {"version": 1})])

    checkpoint = {
        "epoch": 7,
        "args": argparse.Namespace(lr=2e-6, model="RN50x4"),
        "blob": b"\x00\x01\xff",
        "state_dict": state,
    }
    buf = io.BytesIO()
    TorchPickler(buf, protocol=protocol).dump(checkpoint)
    storages = [f32, f16, b16, f64, i64, i32, u8, bools, row, param]
    write_archive(path, "archive", buf.getvalue(), storages, big_endian)


def script_class(module_name, name):
    module = sys.modules.get(module_name) or fake_module(module_name)
    cls = type(name, (), {"__module__": module_name, "__qualname__": name})
    setattr(module, name, cls)
    return cls


def scripted_module(cls, **attributes):
    obj = cls.__new__(cls)
    obj.__dict__.update(attributes)
    return obj


def scripted_batchnorm(path):
    # a TorchScript-shaped module tree: attributes in one dict per module, buffers among them
    for name in ["__torch__", "__torch__.torch", "__torch__.torch.nn", "__torch__.torch.nn.modules"]:
        fake_module(name).__path__ = []
    Net = script_class("__torch__", "Net")
    Conv2d = script_class("__torch__.torch.nn.modules.conv", "Conv2d")
    BatchNorm2d = script_class("__torch__.torch.nn.modules.batchnorm", "BatchNorm2d")
    Sequential = script_class("__torch__.torch.nn.modules.container", "Sequential")
    Linear = script_class("__torch__.torch.nn.modules.linear", "Linear")

    w = Storage("0", FloatStorage, "f", [float(i) for i in range(2 * 1 * 2 * 2)])
    bn = Storage("1", FloatStorage, "f", [1.0, 2.0, 0.1, 0.2, 0.3, 0.4, 5.0, 6.0])
    tracked = Storage("2", LongStorage, "q", [42])
    lin = Storage("3", FloatStorage, "f", [7.0, 8.0, 9.0])

    conv = scripted_module(Conv2d, weight=contiguous(w, (2, 1, 2, 2)), training=False, _is_full_backward_hook=None)
    norm = scripted_module(
        BatchNorm2d,
        weight=contiguous(bn, (2,), 0),
        bias=contiguous(bn, (2,), 6),
        running_mean=contiguous(bn, (2,), 2),
        running_var=contiguous(bn, (2,), 4),
        num_batches_tracked=contiguous(tracked, ()),
        training=False,
        _is_full_backward_hook=None,
    )
    linear = scripted_module(Linear, weight=contiguous(lin, (1, 2)), bias=contiguous(lin, (1,), 2), training=False)
    layers = scripted_module(Sequential, training=False, **{"0": linear})
    net = scripted_module(Net, training=False, conv1=conv, bn1=norm, head=layers, input_resolution=224)

    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(net)
    constants = pickle.dumps((), protocol=2)
    write_archive(
        path,
        "scripted-batchnorm",
        buf.getvalue(),
        [w, bn, tracked, lin],
        False,
        extra=[("constants.pkl", constants), ("code/__torch__.py", "# not read\n")],
    )


if __name__ == "__main__":
    torch_save_checkpoint("torch-save-proto2.pt", protocol=2, big_endian=False)
    torch_save_checkpoint("torch-save-proto4-bigendian.pt", protocol=4, big_endian=True)
    scripted_batchnorm("scripted-batchnorm.pt")
