/** Progress of long tasks (gallery encoding, training epochs), shown as console bars. */
package dev.cir.eval.progress;
