/**
 * Composed image retrieval in Solr: the {@code {!cir}} query parser and its distributed-encoding
 * search component ({@link dev.cir.solr.search}), the JVM-wide registry of loaded model bundles
 * ({@link dev.cir.solr.model}) and index-time image encoding ({@link
 * dev.cir.solr.update.processor}). Every plugin class is thin and delegates to the one shared
 * registry, so a bundle loads once per JVM whatever the number of cores and reloads.
 */
package dev.cir.solr;
