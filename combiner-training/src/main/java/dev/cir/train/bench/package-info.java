/** Training speed measured against a baseline in the same run ({@code cir bench train}). */
package dev.cir.train.bench;
