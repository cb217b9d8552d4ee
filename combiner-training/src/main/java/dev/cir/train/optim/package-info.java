/**
 * Optimizers as PyTorch defines them, written as in-place updates of DJL arrays: AdamW with
 * parameter groups (weight decay only where it belongs), Adam, global-norm gradient clipping, and
 * warm-up plus cosine learning-rate schedules.
 */
package dev.cir.train.optim;
