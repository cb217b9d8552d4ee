package dev.cir.solr.search;

import java.util.Objects;

/**
 * Where a composed query's reference image comes from. A query has one of these or none (a text
 * alone); each is named by the parameter that gives it, so that two at once can be refused naming
 * both.
 */
public sealed interface QueryReference {
  /** The parameter that gave it, as a user wrote it: {@code ref}, {@code refVector} or {@code refImage}. */
  String parameter();

  /** A short description for {@code debug.cir}, without the data itself. */
  String describe();

  /** A document of the collection, whose stored vector is the reference's raw image features. */
  record Document(String id) implements QueryReference {
    public Document {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public String parameter() {
      return CirQuerySpec.REF;
    }

    @Override
    public String describe() {
      return "document '" + id + "'";
    }
  }

  /** Raw image features computed elsewhere. */
  record Features(float[] vector) implements QueryReference {
    public Features {
      Objects.requireNonNull(vector, "vector");
    }

    @Override
    public String parameter() {
      return CirQuerySpec.REF_VECTOR;
    }

    @Override
    public String describe() {
      return CirQuerySpec.REF_VECTOR;
    }
  }

  /**
   * The image itself, sent with the request.
   *
   * @param bytes the image file's bytes (JPEG, PNG, ...), not yet decoded
   * @param digest the SHA-256 of {@code bytes}, hex: the image cache's key
   * @param origin how it arrived: the {@code refImage} parameter, or a file part (with its name)
   * @param text the base64 text it was sent as, or null for a file part: what must not travel to
   *     the shards
   */
  record Image(byte[] bytes, String digest, String origin, String text) implements QueryReference {
    public Image {
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(digest, "digest");
      Objects.requireNonNull(origin, "origin");
    }

    @Override
    public String parameter() {
      return CirQuerySpec.REF_IMAGE;
    }

    @Override
    public String describe() {
      return origin + " (" + bytes.length + " bytes, sha256 " + digest.substring(0, 12) + ")";
    }
  }
}
