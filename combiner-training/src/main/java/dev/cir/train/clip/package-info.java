/** CLIP training: CLIP4Cir's stage-1 fine-tuning on triplets, and CLIP's image–caption objective. */
package dev.cir.train.clip;
