package dev.cir.solr.config;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.solr.codec.VectorFormat;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.model.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * A real Solr on 127.0.0.1 serving the {@code cir} configset with one core, {@code cir}, whose
 * default bundle is the one given. The plugin and DJL come from this JVM's classpath, which plays
 * the part of Solr's node-level lib. The solr home holds {@code solr.xml}, {@code
 * configsets/cir/conf} (rendered for the bundle's dimension) and {@code cir/core.properties}; an
 * existing home keeps its index.
 */
public final class EmbeddedSolr implements AutoCloseable {
  public static final String COLLECTION = "cir";

  private final JettySolrRunner jetty;
  private final Path home;
  private final boolean deleteHome;

  private EmbeddedSolr(JettySolrRunner jetty, Path home, boolean deleteHome) {
    this.jetty = jetty;
    this.home = home;
    this.deleteHome = deleteHome;
  }

  /**
   * @param port the port, 0 for any free one
   * @param bundleDir the bundle registered as {@code default}
   * @param home the solr home, or null for a temporary one deleted on close
   * @param imageDir the base directory of index-time image paths, or null
   * @param precision the default bundle's precision (float32 or bf16)
   * @param modelDir the directory bundles added over REST ({@code /schema/cir-bundle-store}) must be
   *     under; null for the parent of {@code bundleDir}
   * @param vectorFormat how the collection's vector field stores its graph (float, int8, int4; null:
   *     float), fixed when its home is first written
   * @param hnswMaxConnections the graph's M, rendered as the default of {@code cir.hnsw.maxConnections}
   * @param hnswBeamWidth the graph's beam width while inserting, rendered as the default of {@code
   *     cir.hnsw.beamWidth}; both apply to segments written from then on
   * @param fusedPasses the default bundle's {@code passes}: fused (true, the default) or ops
   */
  public record Options(
      int port, Path bundleDir, Path home, Path imageDir, int predictors, int maxBatch, Precision precision, Path modelDir,
      VectorFormat vectorFormat, int hnswMaxConnections, int hnswBeamWidth, boolean fusedPasses) {
    public Options(
        int port, Path bundleDir, Path home, Path imageDir, int predictors, int maxBatch, Precision precision, Path modelDir,
        VectorFormat vectorFormat, int hnswMaxConnections, int hnswBeamWidth) {
      this(port, bundleDir, home, imageDir, predictors, maxBatch, precision, modelDir, vectorFormat, hnswMaxConnections, hnswBeamWidth, true);
    }

    public Options(
        int port, Path bundleDir, Path home, Path imageDir, int predictors, int maxBatch, Precision precision, Path modelDir,
        VectorFormat vectorFormat) {
      this(port, bundleDir, home, imageDir, predictors, maxBatch, precision, modelDir, vectorFormat,
          CirConfigset.Settings.DEFAULT_MAX_CONNECTIONS, CirConfigset.Settings.DEFAULT_BEAM_WIDTH);
    }

    public Options {
      // the same bounds, and the same messages, as a rendered configset's
      CirConfigset.Settings.defaults().withHnsw(hnswMaxConnections, hnswBeamWidth);
      vectorFormat = vectorFormat == null ? VectorFormat.FLOAT : vectorFormat;
      precision = precision == null ? Precision.FLOAT32 : precision;
      if (modelDir == null && bundleDir != null) {
        Path parent = bundleDir.toAbsolutePath().normalize().getParent();
        modelDir = parent != null ? parent : bundleDir.toAbsolutePath().normalize();
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
      }
      if (predictors < 1) {
        throw new IllegalArgumentException("predictors must be at least 1, got " + predictors);
      }
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
      }
    }

    public static Options of(int port, Path bundleDir) {
      return new Options(port, bundleDir, null, null, Runtime.getRuntime().availableProcessors(), EncoderOptions.DEFAULT_MAX_BATCH, Precision.FLOAT32, null, null);
    }

    public Options withHome(Path h) {
      return new Options(
          port, bundleDir, h, imageDir, predictors, maxBatch, precision, modelDir, vectorFormat, hnswMaxConnections, hnswBeamWidth, fusedPasses);
    }

    public Options withHnsw(int maxConnections, int beamWidth) {
      return new Options(
          port, bundleDir, home, imageDir, predictors, maxBatch, precision, modelDir, vectorFormat, maxConnections, beamWidth, fusedPasses);
    }

    public Options withFusedPasses(boolean fused) {
      return new Options(
          port, bundleDir, home, imageDir, predictors, maxBatch, precision, modelDir, vectorFormat, hnswMaxConnections, hnswBeamWidth, fused);
    }
  }

  /**
   * Starts Solr and waits until the {@code cir} core is loaded.
   *
   * @throws dev.cir.clip.io.InvalidModelException when the bundle is missing or corrupt
   */
  public static EmbeddedSolr start(Options o) throws Exception {
    ModelBundle bundle = ModelBundle.open(o.bundleDir());
    boolean temporary = o.home() == null;
    Path home = temporary ? Files.createTempDirectory("cir-solr") : Files.createDirectories(o.home().toAbsolutePath());
    refuseOtherVectorFormat(home, o.vectorFormat());
    writeHome(home, CirConfigset.Settings.defaults().withDimension(bundle.manifest().embeddingDim()).withVectorFormat(o.vectorFormat())
        .withHnsw(o.hnswMaxConnections(), o.hnswBeamWidth()));
    // read by the configset's solrconfig.xml
    System.setProperty("cir.bundle.default", bundle.dir().toString());
    System.setProperty("cir.loadOnStartup", "true");
    System.setProperty("cir.predictors", Integer.toString(o.predictors()));
    System.setProperty("cir.maxBatch", Integer.toString(o.maxBatch()));
    System.setProperty("cir.precision", o.precision().label());
    System.setProperty("cir.passes", o.fusedPasses() ? "fused" : "ops");
    System.setProperty("cir.model.dir", o.modelDir().toAbsolutePath().toString());
    if (o.imageDir() != null) {
      System.setProperty("cir.image.dir", o.imageDir().toAbsolutePath().toString());
    }
    System.setProperty("solr.log.dir", home.resolve("logs").toString());
    JettySolrRunner jetty = new JettySolrRunner(home.toString(), JettyConfig.builder().setPort(o.port()).setContext("/solr").build());
    try {
      jetty.start();
    } catch (Exception e) {
      jetty.stop();
      throw new IllegalStateException("Solr did not start on port " + o.port() + ": " + e.getMessage(), e);
    }
    return new EmbeddedSolr(jetty, home, temporary);
  }

  /**
   * A home whose collection holds an index keeps the vector format it was created with: refused,
   * saying how to go on, when another is asked for.
   */
  static void refuseOtherVectorFormat(Path home, VectorFormat asked) throws IOException {
    Path solrconfig = home.resolve("configsets").resolve(CirConfigset.NAME).resolve("conf/solrconfig.xml");
    Path index = home.resolve(COLLECTION).resolve("data/index");
    if (!Files.isRegularFile(solrconfig) || !Files.isDirectory(index)) {
      return;
    }
    boolean hasIndex;
    try (Stream<Path> files = Files.list(index)) {
      hasIndex = files.anyMatch(p -> p.getFileName().toString().startsWith("segments_"));
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{cir\\.vector\\.format:([a-z0-9]+)\\}").matcher(Files.readString(solrconfig));
    VectorFormat existing = m.find() ? VectorFormat.parse(m.group(1)) : VectorFormat.FLOAT;
    if (hasIndex && existing != asked) {
      throw new IllegalArgumentException(
          "the collection in " + home + " was created with --vector-format " + existing.label() + "; a collection's vector format is"
              + " fixed when it is created: start with --vector-format " + existing.label() + ", or use a new --home and re-index");
    }
  }

  static void writeHome(Path home, CirConfigset.Settings settings) throws IOException {
    Files.writeString(home.resolve("solr.xml"), SOLR_XML, StandardCharsets.UTF_8);
    CirConfigset.render(home.resolve("configsets").resolve(CirConfigset.NAME), settings);
    Path core = Files.createDirectories(home.resolve(COLLECTION));
    Path props = core.resolve("core.properties");
    if (!Files.exists(props)) {
      Files.writeString(props, "name=" + COLLECTION + "\nconfigSet=" + CirConfigset.NAME + "\n", StandardCharsets.UTF_8);
    }
  }

  /** {@code http://127.0.0.1:P/solr} */
  public String baseUrl() {
    return jetty.getBaseUrl().toString();
  }

  public int port() {
    return jetty.getLocalPort();
  }

  public Path home() {
    return home;
  }

  @Override
  public void close() throws Exception {
    try {
      jetty.stop();
    } finally {
      if (deleteHome) {
        try (Stream<Path> files = Files.walk(home)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static final String SOLR_XML =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <solr>
        <int name="maxBooleanClauses">${solr.max.booleanClauses:1024}</int>
        <shardHandlerFactory name="shardHandlerFactory" class="HttpShardHandlerFactory">
          <int name="socketTimeout">${socketTimeout:600000}</int>
          <int name="connTimeout">${connTimeout:60000}</int>
        </shardHandlerFactory>
      </solr>
      """;
}
