/**
 * Text to token ids for CLIP's text tower.
 *
 * <p>{@link dev.cir.clip.text.ClipTokenizer} turns captions into the fixed-length rows that
 * OpenAI's {@code clip.tokenize} produces, using DJL's Hugging Face tokenizer over a bundle's
 * {@code tokenizer.json}. {@link dev.cir.clip.text.CaptionVocabulary} writes such a {@code
 * tokenizer.json} (a word-level one) for models trained from scratch on a caption corpus. Both
 * first clean a caption (the tokenizer for OpenAI's BPE and for such word-level files) with {@link
 * dev.cir.clip.text.ClipTextCleaner}, as OpenAI's {@code basic_clean} does: ftfy's {@code fix_text}
 * (mojibake, curly quotes, ligatures, full-width letters, control characters) and Python's {@code
 * html.unescape}, ported in {@link dev.cir.clip.text.ftfy}.
 *
 * <p>DJL's tokenizer library looks for a CUDA build of its native code when it sees a GPU; run with
 * {@code -Dai.djl.offline=true} so that it uses the CPU build inside its jar and never downloads.
 */
package dev.cir.clip.text;
