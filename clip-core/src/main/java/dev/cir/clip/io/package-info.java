/**
 * The tensor files a bundle holds, read and written without loading an engine: tensors ({@link
 * dev.cir.clip.io.Tensor}, {@link dev.cir.clip.io.StateDict}) in safetensors ({@link
 * dev.cir.clip.io.SafeTensors}). Reading PyTorch archives and other projects' checkpoints is
 * import-time work and lives in the {@code model-import} module, which Solr never loads.
 *
 * <p>Every reader treats its file as untrusted: a missing, truncated, corrupt or hostile file is an
 * {@link dev.cir.clip.io.InvalidModelException} naming the file, never code run on its behalf, an
 * allocation of the size it claims, or a crash.
 */
package dev.cir.clip.io;
