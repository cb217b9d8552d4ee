/**
 * Image decoding and CLIP preprocessing that give the same numbers as PIL and torchvision.
 *
 * <p>{@link dev.cir.clip.image.ImageDecoder} turns PNG, JPEG, GIF, BMP or TIFF bytes into a {@link
 * dev.cir.clip.image.DecodedImage} in the PIL mode the file would open in, refusing empty,
 * truncated, corrupt and oversized files with an {@link dev.cir.clip.image.InvalidImageException}
 * that names the file. An {@link dev.cir.clip.image.ImageTransform} ({@code clip}, {@code
 * squarepad}, {@code targetpad}) maps a decoded image to a normalized CHW {@code float[]}, resizing
 * with a bit-exact port of Pillow's bicubic resampling. {@link
 * dev.cir.clip.image.ImagePreprocessor} puts the two together, for one file or a parallel batch.
 */
package dev.cir.clip.image;
