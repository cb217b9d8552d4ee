/**
 * Loaded model bundles, shared by every core of the JVM: {@link dev.cir.solr.model.CirModelRegistry}
 * loads each bundle once and counts its users, {@link dev.cir.solr.model.CirModel} adds a Caffeine cache
 * of text features to the encoder, and {@link dev.cir.solr.model.CoreBundles} is one core's view:
 * the names its configuration gives to bundles, and the leases it holds until it closes.
 */
package dev.cir.solr.model;
