/**
 * What {@code cir bench} measures, each against a baseline timed in the same run and printed with the
 * machine ({@link dev.cir.bench.MachineDescription}): the encoder ({@link
 * dev.cir.bench.EncoderBenchmark}), the training step ({@link dev.cir.bench.TrainingBenchmark}), image
 * decoding and preprocessing ({@link dev.cir.bench.ImagePipelineBenchmark}), Solr's vector search at
 * size ({@link dev.cir.bench.SolrBenchmark}) and concurrent query load ({@link
 * dev.cir.bench.LoadBenchmark}, {@link dev.cir.bench.LoadTest}), and the untrained floor of retrieval ({@link
 * dev.cir.bench.EvalBenchmark}).
 *
 * <p>This module depends on the libraries it measures and none of them depends on it; the command line
 * runs it.
 */
package dev.cir.bench;
