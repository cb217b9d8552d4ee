package dev.cir.solr.search;

/** Where a reference document's stored image features are found: this core, or every shard. */
interface ReferenceSource {
  /**
   * @throws org.apache.solr.common.SolrException 400 when the document is unknown or has no vector
   */
  Reference find(String id, String vectorField);

  /**
   * @param where a description of where it was found, for debug output
   * @param model the image-tower fingerprint the document records, or null
   */
  record Reference(float[] vector, String where, String model) {}
}
