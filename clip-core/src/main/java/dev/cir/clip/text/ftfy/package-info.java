/**
 * The text repair that OpenAI's CLIP applies to every caption before its BPE, reproduced so that a
 * caption gets the same token ids here as in {@code clip.tokenize}.
 *
 * <p>OpenAI's {@code basic_clean} is {@code ftfy.fix_text}, then {@code html.unescape} twice, then
 * {@code strip()}; {@link dev.cir.clip.text.ClipTextCleaner} is that function and the only user of
 * this package. What it reproduces:
 *
 * <ul>
 *   <li>{@link dev.cir.clip.text.ftfy.TextFixer}: {@code fix_text} with ftfy's default steps (HTML
 *       entities where the text has no tags, terminal escapes, mojibake, Latin ligatures, full-width
 *       characters, curly quotes, line breaks, surrogates, control characters, NFC);
 *   <li>{@code EncodingRepair}, {@code MojibakeHeuristic}: ftfy's {@code fix_encoding}, text decoded
 *       in the wrong single-byte encoding ({@code CharmapEncoding}, Python's own code pages) and
 *       re-decoded as UTF-8 ({@code Utf8Decoding}, with ftfy's tolerance of sloppy sequences), where
 *       ftfy's badness heuristic says the result is better;
 *   <li>{@link dev.cir.clip.text.ftfy.HtmlCharacterReferences}: Python 3.11's {@code html.unescape};
 *   <li>{@link dev.cir.clip.text.ftfy.PythonStr}: Python's {@code str} predicates and {@code strip}.
 * </ul>
 *
 * <p>Why by hand: no Java library gives ftfy's results, and a caption that a Python CLIP tokenizes
 * differently is a different query. The tables come from Python's standard library ({@code
 * generate_text_tables.py} writes them next to these classes); the tests compare against values that
 * Python and ftfy produced.
 */
package dev.cir.clip.text.ftfy;
