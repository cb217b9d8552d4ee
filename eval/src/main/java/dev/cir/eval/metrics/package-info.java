/**
 * CLIP4Cir's evaluation, exactly: Recall@K from {@link dev.cir.eval.metrics.Ranking}s (scores or
 * ranked lists) under the {@link dev.cir.eval.metrics.RecallProtocol} of FashionIQ or CIRR, the
 * FashionIQ category average, CIRR test submission files, and the metric map as JSON and as a
 * table. Engine-free: the inputs are plain arrays and names.
 */
package dev.cir.eval.metrics;
