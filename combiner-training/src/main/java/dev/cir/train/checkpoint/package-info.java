/** Checkpoints written atomically, with optimizer state and the run's position, and resumed from. */
package dev.cir.train.checkpoint;
