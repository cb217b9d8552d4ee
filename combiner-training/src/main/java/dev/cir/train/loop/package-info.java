/** The epoch loop shared by every objective: updates, checkpoints, validation through eval, logs. */
package dev.cir.train.loop;
