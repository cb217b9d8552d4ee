/** What a run leaves for people: the per-step loss log, per-epoch metrics, curves and memory readings. */
package dev.cir.train.log;
