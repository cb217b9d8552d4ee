/**
 * CLIP (OpenAI's architectures) and CLIP4Cir's Combiner on DJL's PyTorch engine: model blocks
 * ({@code model}), tensor files ({@code io}), model bundles ({@code bundle}), image preprocessing
 * ({@code image}), the tokenizer ({@code text}) and the thread-safe {@code encoder.CirEncoder}.
 */
package dev.cir.clip;
