package dev.cir.cli;

import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.ImageBatches;
import dev.cir.clip.encoder.ImageEncoding;
import dev.cir.eval.data.GalleryImage;
import dev.cir.eval.data.JsonlReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrServerException;
import org.apache.solr.client.solrj.response.UpdateResponse;
import org.apache.solr.common.SolrInputDocument;

/**
 * Bulk indexing for {@code cir index}: images are decoded in parallel and encoded in batches by
 * {@link CirEncoder} through its bounded pipeline ({@link ImageBatches}), then sent to Solr through SolrJ with their raw features in {@code
 * clip_vector} (the update processor keeps a vector it is given) and their metadata. An image that
 * cannot be decoded is reported and skipped; the batch goes on.
 */
public final class SolrIndexer {
  static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp");

  /** One image to index: its id, file, the path stored in image_path, and metadata by field name. */
  public record Image(String id, Path file, String storedPath, Map<String, Object> fields) {}

  public record Report(int indexed, List<String> failures) {}

  private final CirEncoder encoder;
  private final SolrClient client;
  private final String collection;
  private final int batchSize;
  private final String imageTower;

  /**
   * @param imageTower the encoder's bundle's image-tower fingerprint, which every document records
   *     in {@code clip_model_s} so that a query with another image tower is refused
   */
  public SolrIndexer(CirEncoder encoder, String imageTower, SolrClient client, String collection, int batchSize) {
    this.encoder = encoder;
    this.imageTower = java.util.Objects.requireNonNull(imageTower, "imageTower");
    this.client = client;
    this.collection = collection;
    this.batchSize = batchSize;
  }

  /** A JSONL dataset's galleries (one split, or all; an id seen twice is indexed once). */
  public static List<Image> fromJsonl(Path root, String split) {
    JsonlReader reader = new JsonlReader(root);
    List<String> splits = split != null ? List.of(split) : reader.splits();
    if (splits.isEmpty()) {
      throw new IllegalArgumentException(root + " holds no split (a folder with triplets.jsonl); see the JSONL layout in the eval docs");
    }
    Path abs = root.toAbsolutePath().normalize();
    Map<String, Image> byId = new LinkedHashMap<>();
    for (String s : splits) {
      for (GalleryImage g : reader.readGallery(s)) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Map.Entry<String, Object> m : g.metadata().entrySet()) {
          fields.put(fieldName(m.getKey(), m.getValue()), m.getValue());
        }
        byId.putIfAbsent(g.id(), new Image(g.id(), g.path(), abs.relativize(g.path()).toString(), fields));
      }
    }
    return new ArrayList<>(byId.values());
  }

  /** Every image file under {@code dir}; its id and image_path are its path relative to {@code dir}. */
  public static List<Image> fromDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": no such directory");
    }
    List<Image> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        if (name.contains(".") && IMAGE_EXTENSIONS.contains(ext)) {
          String rel = dir.relativize(f).toString().replace('\\', '/');
          out.add(new Image(rel, f, rel, Map.of()));
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(dir + " holds no image files (" + IMAGE_EXTENSIONS + ")");
    }
    return out;
  }

  /**
   * The Solr field a metadata value goes to: its own name when it carries a dynamic-field suffix,
   * else the name with the suffix of its type.
   */
  static String fieldName(String name, Object value) {
    for (String suffix : new String[] {"_ss", "_s", "_i", "_f"}) {
      if (name.endsWith(suffix)) {
        return name;
      }
    }
    if (value instanceof List<?>) {
      return name + "_ss";
    }
    if (value instanceof Long l) {
      return name + (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? "_i" : "_f");
    }
    if (value instanceof Double) {
      return name + "_f";
    }
    return name + "_s";
  }

  /**
   * Indexes the images: batch k + 1 decodes while batch k is encoded, and a batch is sent to Solr
   * while the next is encoded (one request in flight), so memory holds about three batches whatever
   * the number of images.
   */
  public Report index(List<Image> images, PrintWriter err) throws IOException, SolrServerException {
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    int indexed = 0;
    ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cir-index-send");
      t.setDaemon(true);
      return t;
    });
    Future<Integer> inFlight = null;
    try (ImageBatches batches = encoder.imageBatches(images.stream().map(Image::file).toList(), batchSize, PREFETCH)) {
      int start = 0;
      while (batches.hasNext()) {
        List<ImageEncoding> encoded = batches.next();
        List<Image> batch = images.subList(start, start + encoded.size());
        start += encoded.size();
        List<SolrInputDocument> docs = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
          Image im = batch.get(i);
          ImageEncoding e = encoded.get(i);
          if (!e.succeeded()) {
            String reason = "image '" + im.id() + "' (" + im.file() + "): " + e.failure().getMessage();
            failures.add(reason);
            err.println("cir: skipped " + reason);
            continue;
          }
          docs.add(document(im, e.features(), imageTower));
        }
        err.flush();
        indexed += await(inFlight);
        inFlight = docs.isEmpty() ? null : sender.submit(() -> send(docs, failures, err));
      }
      indexed += await(inFlight);
    } finally {
      sender.shutdownNow();
    }
    client.commit(collection);
    return new Report(indexed, List.copyOf(failures));
  }

  /** Batches decoded ahead of the one being encoded. */
  static final int PREFETCH = 1;

  private int send(List<SolrInputDocument> docs, List<String> failures, PrintWriter err) throws IOException, SolrServerException {
    UpdateResponse rsp = client.add(collection, docs);
    Object errors = rsp.getResponseHeader() == null ? null : rsp.getResponseHeader().get("errors");
    int rejected = errors instanceof List<?> l ? l.size() : 0;
    if (rejected > 0) {
      failures.add(rejected + " documents rejected by Solr: " + errors);
      err.println("cir: Solr rejected " + errors);
      err.flush();
    }
    return docs.size() - rejected;
  }

  /** The documents the request in flight indexed, once it is done; its failure is thrown here. */
  private static int await(Future<Integer> request) throws IOException, SolrServerException {
    if (request == null) {
      return 0;
    }
    try {
      return request.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending a batch to Solr", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof SolrServerException sse) {
        throw sse;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(c);
    }
  }

  static SolrInputDocument document(Image im, float[] features, String imageTower) {
    SolrInputDocument d = new SolrInputDocument();
    d.addField("id", im.id());
    d.addField("image_path", im.storedPath());
    List<Float> v = new ArrayList<>(features.length);
    for (float f : features) {
      v.add(f);
    }
    d.addField("clip_vector", v);
    d.addField("clip_model_s", imageTower);
    for (Map.Entry<String, Object> f : im.fields().entrySet()) {
      Object value = f.getValue();
      d.addField(f.getKey(), value instanceof Long l && f.getKey().endsWith("_i") ? Integer.valueOf(l.intValue()) : value);
    }
    return d;
  }
}
