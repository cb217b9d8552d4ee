/**
 * The {@code cir} configset ({@link dev.cir.solr.config.CirConfigset}: rendered for a bundle's
 * dimension, as a directory or a zip for ZooKeeper) and {@link dev.cir.solr.config.EmbeddedSolr}, a
 * real Solr on 127.0.0.1 serving it, which {@code cir solr} runs.
 */
package dev.cir.solr.config;
