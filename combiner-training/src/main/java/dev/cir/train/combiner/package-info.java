/** CLIP4Cir's stage 2: the Combiner trained on cached features of frozen encoders. */
package dev.cir.train.combiner;
