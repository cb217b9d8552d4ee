/**
 * Model files read and written without loading an engine: tensors ({@link dev.cir.clip.io.Tensor},
 * {@link dev.cir.clip.io.StateDict}) from safetensors ({@link dev.cir.clip.io.SafeTensors}) and
 * PyTorch archives ({@link dev.cir.clip.io.TorchArchive}), and CLIP checkpoints of OpenAI,
 * open_clip and Hugging Face brought to OpenAI's key names ({@link
 * dev.cir.clip.io.ClipCheckpoints}).
 *
 * <p>Every reader treats its file as untrusted: a missing, truncated, corrupt or hostile file is an
 * {@link dev.cir.clip.io.InvalidModelException} naming the file, never code run on its behalf, an
 * allocation of the size it claims, or a crash.
 */
package dev.cir.clip.io;
