/**
 * Index-time encoding: {@link dev.cir.solr.update.processor.CirImageEncoderProcessorFactory} reads
 * a document's image (bytes in a field, or a path under a configured base directory) and fills its
 * vector field with the bundle's raw image features.
 */
package dev.cir.solr.update.processor;
