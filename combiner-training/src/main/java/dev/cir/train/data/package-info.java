/** Training data: triplets and captions from eval's readers, images preprocessed once, resumable order. */
package dev.cir.train.data;
