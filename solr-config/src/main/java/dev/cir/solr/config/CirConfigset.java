package dev.cir.solr.config;

import dev.cir.solr.codec.VectorFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The {@code cir} configset: {@code schema.xml} with the {@code clip_vector} DenseVectorField
 * (cosine similarity, HNSW parameters exposed) and {@code solrconfig.xml} registering {@code
 * {!cir}}, its search component and the image-encoding update chain.
 *
 * <p>As shipped, the schema reads its dimension and HNSW parameters from properties with defaults
 * (512, M 16, beam width 100), so the directory is a valid configset as it is. {@link #render}
 * writes the dimension as a literal for one bundle, which is what a collection should be created
 * with: a vector field's dimension cannot change once documents are indexed. The HNSW parameters and
 * the vector format stay properties with the rendered values as defaults: they apply to the segments
 * written after a change, so a collection can be created with others ({@code property.cir.hnsw.beamWidth=50}).
 *
 * <p>{@code java -cp ... dev.cir.solr.config.CirConfigset --dimension 640 --out DIR | --zip FILE}
 */
public final class CirConfigset {
  public static final String NAME = "cir";
  static final String RESOURCE_DIR = "dev/cir/solr/config/cir/conf/";
  static final List<String> FILES = List.of("solrconfig.xml", "schema.xml");

  private CirConfigset() {}

  /**
   * @param dimension the bundle's embedding dimension
   * @param maxConnections HNSW M: neighbours per node
   * @param beamWidth HNSW efConstruction: candidates considered while inserting
   * @param vectorFormat how the vector field's graph is stored: float, int8 or int4 ({@link VectorFormat});
   *     fixed for a collection once it holds documents
   */
  public record Settings(int dimension, int maxConnections, int beamWidth, VectorFormat vectorFormat) {
    public static final int DEFAULT_DIMENSION = 512;
    public static final int DEFAULT_MAX_CONNECTIONS = 16;
    public static final int DEFAULT_BEAM_WIDTH = 100;

    public Settings {
      vectorFormat = vectorFormat == null ? VectorFormat.FLOAT : vectorFormat;
      if (vectorFormat == VectorFormat.INT4 && dimension % 2 != 0) {
        throw new IllegalArgumentException("int4 packs two dimensions a byte and needs an even dimension, got " + dimension + "; use int8");
      }
      if (dimension < 1 || dimension > 4096) {
        throw new IllegalArgumentException("vector dimension must be between 1 and 4096, got " + dimension);
      }
      if (maxConnections < 2 || maxConnections > 512) {
        throw new IllegalArgumentException("hnswMaxConnections must be between 2 and 512, got " + maxConnections);
      }
      if (beamWidth < 1 || beamWidth > 3200) {
        throw new IllegalArgumentException("hnswBeamWidth must be between 1 and 3200, got " + beamWidth);
      }
    }

    public static Settings defaults() {
      return new Settings(DEFAULT_DIMENSION, DEFAULT_MAX_CONNECTIONS, DEFAULT_BEAM_WIDTH, VectorFormat.FLOAT);
    }

    public Settings withDimension(int d) {
      return new Settings(d, maxConnections, beamWidth, vectorFormat);
    }

    public Settings withHnsw(int m, int beam) {
      return new Settings(dimension, m, beam, vectorFormat);
    }

    public Settings withVectorFormat(VectorFormat f) {
      return new Settings(dimension, maxConnections, beamWidth, f);
    }
  }

  /** The configset's files as shipped (dimension and HNSW parameters as properties). */
  public static Map<String, String> template() {
    Map<String, String> files = new LinkedHashMap<>();
    for (String f : FILES) {
      try (InputStream in = CirConfigset.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + f)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE_DIR + f + " is not on the classpath");
        }
        files.put(f, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return files;
  }

  /** The configset's files for {@code s}. */
  public static Map<String, String> files(Settings s) {
    Map<String, String> files = template();
    String schema = files.get("schema.xml");
    schema = replaceProperty(schema, "cir.vector.dimension", Settings.DEFAULT_DIMENSION, s.dimension());
    schema = replaceDefault(schema, "cir.hnsw.maxConnections", Settings.DEFAULT_MAX_CONNECTIONS, s.maxConnections());
    schema = replaceDefault(schema, "cir.hnsw.beamWidth", Settings.DEFAULT_BEAM_WIDTH, s.beamWidth());
    files.put("schema.xml", schema);
    String placeholder = "${cir.vector.format:float}";
    String solrconfig = files.get("solrconfig.xml");
    if (!solrconfig.contains(placeholder)) {
      throw new IllegalStateException("the solrconfig template has no " + placeholder);
    }
    files.put("solrconfig.xml", solrconfig.replace(placeholder, "${cir.vector.format:" + s.vectorFormat().label() + "}"));
    return files;
  }

  /** The property stays, with {@code value} as its default. */
  private static String replaceDefault(String text, String name, int dflt, int value) {
    return replacePlaceholder(text, name, dflt, "${" + name + ":" + value + "}");
  }

  private static String replaceProperty(String text, String name, int dflt, int value) {
    return replacePlaceholder(text, name, dflt, Integer.toString(value));
  }

  private static String replacePlaceholder(String text, String name, int dflt, String replacement) {
    String placeholder = "${" + name + ":" + dflt + "}";
    if (!text.contains(placeholder)) {
      throw new IllegalStateException("the schema template has no " + placeholder);
    }
    return text.replace(placeholder, replacement);
  }

  /**
   * Writes the configset as a directory: {@code dir/conf/solrconfig.xml}, {@code dir/conf/schema.xml}.
   *
   * @return {@code dir/conf}
   */
  public static Path render(Path dir, Settings s) throws IOException {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    for (Map.Entry<String, String> f : files(s).entrySet()) {
      Files.writeString(conf.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
    }
    return conf;
  }

  /** The configset as a zip for Solr's configset upload API (files at the root of the archive). */
  public static byte[] zip(Settings s) {
    return zip(files(s));
  }

  /** Configset files (name → content) as a zip for Solr's configset upload API. */
  public static byte[] zip(Map<String, String> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(f.getKey()));
        zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static void main(String[] args) throws IOException {
    Settings s = Settings.defaults();
    Path out = null;
    Path zip = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--dimension" -> s = s.withDimension(Integer.parseInt(value));
        case "--hnsw-max-connections" -> s = s.withHnsw(Integer.parseInt(value), s.beamWidth());
        case "--hnsw-beam-width" -> s = s.withHnsw(s.maxConnections(), Integer.parseInt(value));
        case "--vector-format" -> s = s.withVectorFormat(VectorFormat.parse(value));
        case "--out" -> out = Path.of(value);
        case "--zip" -> zip = Path.of(value);
        default -> throw new IllegalArgumentException(
            "unknown argument " + args[i] + "; use --dimension D [--hnsw-max-connections M] [--hnsw-beam-width B] [--vector-format float|int8|int4]"
                + " --out DIR | --zip FILE");
      }
      i++;
    }
    if (out == null && zip == null) {
      throw new IllegalArgumentException("give --out DIR or --zip FILE");
    }
    if (out != null) {
      System.out.println("wrote " + render(out, s));
    }
    if (zip != null) {
      Files.write(zip, zip(s));
      System.out.println("wrote " + zip);
    }
  }
}
