package dev.cir.solr.model;

/** A request names a bundle the core's configuration does not define (or defines without a path). */
public final class UnknownBundleException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnknownBundleException(String message) {
    super(message);
  }
}
