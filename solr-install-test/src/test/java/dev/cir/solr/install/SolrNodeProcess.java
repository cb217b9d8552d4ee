package dev.cir.solr.install;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Solr node in a JVM of its own, started the way an installation runs it: Solr's jars on the
 * classpath and nothing else, the Solr home and install directory of an unpacked distribution, the
 * modules named by {@code SOLR_MODULES}. Its log (log4j2, INFO, DJL's native loading at DEBUG) goes
 * to {@link #log()}; closing it closes the node's standard input and waits for a clean stop.
 */
final class SolrNodeProcess implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(180);
  private static final Duration STOP = Duration.ofSeconds(90);

  private final Process process;
  private final Path log;
  private final List<String> stdout = new ArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private SolrNodeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    Thread reader = new Thread(this::readStdout, "solr-node-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a node.
   *
   * @param solrJars Solr's jars (the child's whole classpath)
   * @param tip the installation's root ({@code solr.install.dir}), where the module is unpacked
   * @param home the Solr home, with its {@code solr.xml}
   * @param work where the node's log and its log4j2 configuration go
   * @param sysprops further {@code -D} properties (a cir property, {@code zkRun}, …)
   */
  static SolrNodeProcess start(List<Path> solrJars, Path tip, Path home, Path work, Map<String, String> sysprops)
      throws IOException {
    return start(solrJars, tip, home, work, sysprops, 0);
  }

  /**
   * As {@link #start(List, Path, Path, Path, Map)} on a given port (0: any free one); SolrCloud needs it
   * known in advance, since the embedded ZooKeeper of {@code zkRun} listens on the node's port + 1000.
   */
  static SolrNodeProcess start(List<Path> solrJars, Path tip, Path home, Path work, Map<String, String> sysprops, int port)
      throws IOException {
    Files.createDirectories(work);
    Path log = work.resolve("solr.log");
    Path log4j = work.resolve("log4j2.xml");
    Files.writeString(
        log4j,
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Configuration>
          <Appenders>
            <File name="file" fileName="%s" append="true">
              <PatternLayout pattern="%%d{HH:mm:ss.SSS} %%-5p [%%t] %%c{1.} %%m%%n"/>
            </File>
          </Appenders>
          <Loggers>
            <Logger name="ai.djl.pytorch.jni" level="debug"/>
            <Root level="info"><AppenderRef ref="file"/></Root>
          </Loggers>
        </Configuration>
        """
            .formatted(log));
    Path launcher = Path.of(System.getProperty("cir.solr.launcher"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.add("-Dsolr.install.dir=" + tip);
    cmd.add("-Dlog4j2.configurationFile=" + log4j.toUri());
    cmd.add("-Djava.security.egd=file:/dev/./urandom");
    cmd.add("-Dsolr.log.dir=" + work);
    for (Map.Entry<String, String> e : sysprops.entrySet()) {
      cmd.add("-D" + e.getKey() + "=" + e.getValue());
    }
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, solrJars.stream().map(Path::toString).toList()));
    cmd.add(launcher.toString());
    cmd.add(home.toString());
    cmd.add(Integer.toString(port));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SOLR_MODULES", "cir");
    // what bin/cir and the admin guide set for PyTorch beside Jetty's threads
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    pb.environment().put("MALLOC_MMAP_THRESHOLD_", "33554432");
    pb.environment().put("MALLOC_TRIM_THRESHOLD_", "4294967296");
    SolrNodeProcess node = new SolrNodeProcess(pb.start(), log);
    try {
      node.port.get(START.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      node.process.destroyForcibly();
      throw new IllegalStateException(
          "Solr did not start within " + START + ": " + e + "\n" + node.output() + "\nerrors in " + log + ":\n" + errors(log, 40), e);
    }
    return node;
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (stdout) {
          stdout.add(line);
        }
        if (line.startsWith("SOLR_PORT ")) {
          port.complete(Integer.parseInt(line.substring("SOLR_PORT ".length()).strip()));
        } else if (line.startsWith("Exception in thread \"main\"")) {
          port.completeExceptionally(new IllegalStateException("the node failed to start: " + line));
        }
      }
    } catch (IOException e) {
      // the process ended
    } finally {
      port.completeExceptionally(new IllegalStateException("the node's output ended"));
    }
  }

  /** The first {@code n} lines of {@code file} that report an error or its cause, or why there are none. */
  private static String errors(Path file, int n) {
    try {
      return String.join(
          "\n", Files.readAllLines(file).stream().filter(l -> l.contains(" ERROR ") || l.startsWith("Caused by")).limit(n).toList());
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  /** What the node printed (its standard output and error). */
  String output() {
    synchronized (stdout) {
      return String.join("\n", stdout);
    }
  }

  int port() {
    return port.join();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port() + "/solr";
  }

  Path log() {
    return log;
  }

  /** The log's lines that contain {@code text}. */
  List<String> logLines(String text) throws IOException {
    return Files.readAllLines(log).stream().filter(l -> l.contains(text)).toList();
  }

  /** GET {@code path} (relative to /solr) with form-encoded {@code params}; the status and the JSON body. */
  Response get(String path, String... params) throws IOException, InterruptedException {
    StringBuilder q = new StringBuilder("wt=json");
    for (int i = 0; i < params.length; i += 2) {
      q.append('&').append(URLEncoder.encode(params[i], StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl() + path + "?" + q)).timeout(Duration.ofSeconds(120)).GET().build();
    return send(req);
  }

  /** POST a JSON body to {@code path}. */
  Response postJson(String path, String json) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    return send(req);
  }

  /** PUT a JSON body to {@code path} (a managed resource). */
  Response putJson(String path, String json) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build();
    return send(req);
  }

  /** DELETE {@code path}. */
  Response delete(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(120)).DELETE().build());
  }

  /** POST {@code bytes} of {@code contentType} to {@code path} (a configset zip, say). */
  Response postBytes(String path, byte[] bytes, String contentType) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build();
    return send(req);
  }

  private Response send(HttpRequest req) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    JsonObject body;
    try {
      body = JsonParser.parseString(r.body()).getAsJsonObject();
    } catch (RuntimeException e) {
      body = new JsonObject();
      body.addProperty("raw", r.body());
    }
    return new Response(r.statusCode(), body);
  }

  record Response(int status, JsonObject body) {
    Response ok() {
      if (status != 200) {
        throw new AssertionError("HTTP " + status + ": " + body);
      }
      return this;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("Solr did not stop within " + STOP + " after its input closed\n" + output());
      }
      if (process.exitValue() != 0 || !output().contains("SOLR_STOPPED")) {
        throw new IllegalStateException("Solr stopped with exit code " + process.exitValue() + "\n" + output());
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while stopping Solr", e));
    }
  }
}
