/**
 * Composed-retrieval datasets as plain records: {@link dev.cir.eval.data.Triplet}s (reference,
 * target, captions, members), a {@link dev.cir.eval.data.Gallery} of images, and the {@link
 * dev.cir.eval.data.CaptionStyle} that turns captions into query text. Readers for FashionIQ and
 * CIRR in their published layouts and for a generic JSON Lines format; bad data fails with a {@link
 * dev.cir.eval.data.DatasetException} that says which file, which line and what is wrong.
 */
package dev.cir.eval.data;
