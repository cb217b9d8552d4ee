/**
 * The synthetic composed-retrieval dataset, the project's embedded default: procedurally drawn
 * scenes ({@link dev.cir.eval.synth.Scene}), edits that change them ({@link
 * dev.cir.eval.synth.Edit}), the words for both ({@link dev.cir.eval.synth.SceneText}), and the
 * generator that writes the dataset in the generic JSONL format ({@link
 * dev.cir.eval.synth.SyntheticDataset}).
 */
package dev.cir.eval.synth;
