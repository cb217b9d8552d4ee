/**
 * The {@code {!cir}} query parser and its search component.
 *
 * <p>{@code q={!cir f=clip_vector ref=ID topK=50}is red and has short sleeves} becomes a Lucene
 * {@link org.apache.lucene.search.KnnFloatVectorQuery} over {@code f} with the fused vector of the
 * reference document's stored image features and the text's features, pre-filtered exactly as
 * Solr's {@code {!knn}} pre-filters ({@code fq}, or {@code preFilter}, {@code includeTags}, {@code
 * excludeTags}), the reference itself excluded. {@link dev.cir.solr.search.CirSearchComponent}
 * computes the vector once per request, on the coordinator, and hands it to the shards as
 * request parameters; the Lucene-level pieces are {@link dev.cir.solr.search.ReferenceVectorLookup}
 * and {@link dev.cir.solr.search.ReferenceExclusion}.
 */
package dev.cir.solr.search;
