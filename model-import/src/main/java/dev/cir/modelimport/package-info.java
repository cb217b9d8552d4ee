/**
 * {@code cir import}: other projects' CLIP checkpoints and Combiners brought into a bundle. {@link
 * dev.cir.modelimport.BundleImporter} is the entry point; {@link dev.cir.modelimport.ClipCheckpoints}
 * maps the tensor names of OpenAI, open_clip and Hugging Face checkpoints to OpenAI's, with {@link
 * dev.cir.modelimport.CheckpointConfigFiles} reading their configuration files into {@link
 * dev.cir.modelimport.CheckpointHints}; {@link dev.cir.modelimport.TorchArchive} reads PyTorch's
 * {@code torch.save} and TorchScript archives (a zip of pickles, {@link
 * dev.cir.modelimport.Unpickler}) without running any of their code.
 *
 * <p>Only the command line depends on this module; the runtime (clip-core, the Solr plugin) reads the
 * bundles it writes and never loads these classes.
 */
package dev.cir.modelimport;
