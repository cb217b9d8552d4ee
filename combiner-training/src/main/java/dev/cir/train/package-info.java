/**
 * Training for composed image retrieval: CLIP fine-tuned on triplets (CLIP4Cir stage 1) or trained
 * on image–caption pairs from scratch, then the Combiner on cached features (stage 2); resumable
 * from atomic checkpoints, with logs, curves and validation through eval.
 */
package dev.cir.train;
