package dev.cir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A benchmark's machine line names the CPU flags its kernels depend on. */
class MachineDescriptionTest {
  @Test
  void kernelFlagsAreListedInTheirOrderAndOthersLeftOut() {
    assertEquals(
        "avx2 fma avx512f avx512_bf16 amx_tile amx_bf16",
        MachineDescription.kernelFlags(" fpu vme amx_bf16 sse4_2 avx512_bf16 avx2 avx512f fma amx_tile  hypervisor"));
    assertEquals("avx2 fma", MachineDescription.kernelFlags("fpu fma sse4_2 avx f16c avx2"));
    assertEquals("no AVX2", MachineDescription.kernelFlags("fpu sse sse2"));
  }

  @Test
  void thisMachinesLineCarriesItsCores() {
    String d = MachineDescription.describe();
    assertTrue(d.contains(Runtime.getRuntime().availableProcessors() + " cores"), d);
  }
}
