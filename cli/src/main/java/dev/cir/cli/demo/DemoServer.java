package dev.cir.cli.demo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The demo's web server: the page (plain HTML, CSS and JavaScript from the class path), the
 * gallery's images by id (never by path), and a small JSON API over a {@link DemoBackend} that
 * sends {@code {!cir}} queries to Solr. It encodes nothing: an uploaded image goes to Solr with the
 * query, as its {@code refImage}. Listens on the loopback interface only.
 */
public final class DemoServer implements AutoCloseable {
  /** A search may carry an uploaded image as base64: 10 MB of image, and the rest of the request. */
  static final int MAX_SEARCH_BYTES = 15 << 20;
  private static final String WEB = "/dev/cir/cli/demo/web/";
  private static final Map<String, String> TYPES =
      Map.of("html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8",
          "png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg", "gif", "image/gif", "bmp", "image/bmp");

  private final HttpServer server;
  private final ExecutorService executor;
  private final DemoBackend backend;
  private final Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  public DemoServer(int port, DemoBackend backend) throws IOException {
    this.backend = backend;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    this.executor = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "cir-demo-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::serveStatic);
    server.createContext("/images/", this::serveImage);
    server.createContext("/api/info", ex -> json(ex, () -> backend.info()));
    server.createContext("/api/gallery", ex -> json(ex, () -> {
      Map<String, String> q = query(ex);
      return backend.gallery(intParam(q, "start", 0), Math.min(200, intParam(q, "rows", 48)));
    }));
    server.createContext("/api/search", ex -> json(ex, () -> {
      requireMethod(ex, "POST");
      DemoBackend.SearchRequest req;
      try {
        req = gson.fromJson(new String(readBody(ex, MAX_SEARCH_BYTES), StandardCharsets.UTF_8), DemoBackend.SearchRequest.class);
      } catch (JsonParseException e) {
        throw new DemoBackend.BadRequest("the request body is not valid JSON: " + e.getMessage());
      }
      if (req == null) {
        throw new DemoBackend.BadRequest("empty request");
      }
      return backend.search(req);
    }));
  }

  public void start() {
    server.start();
  }

  /** The page's address. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  interface Body {
    Object get() throws Exception;
  }

  private void json(HttpExchange ex, Body body) throws IOException {
    int status = 200;
    Object out;
    try {
      out = body.get();
    } catch (DemoBackend.BadRequest e) {
      status = 400;
      out = Map.of("error", e.getMessage());
    } catch (Exception e) {
      status = 502;
      out = Map.of("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
    send(ex, status, "application/json; charset=utf-8", gson.toJson(out).getBytes(StandardCharsets.UTF_8));
  }

  private void serveStatic(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (path.equals("/")) {
      path = "/index.html";
    }
    String name = path.substring(1);
    if (!name.matches("[a-z]+\\.(html|css|js)")) {
      send(ex, 404, "text/plain; charset=utf-8", "not found".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try (InputStream in = DemoServer.class.getResourceAsStream(WEB + name)) {
      if (in == null) {
        send(ex, 404, "text/plain; charset=utf-8", "not found".getBytes(StandardCharsets.UTF_8));
        return;
      }
      send(ex, 200, TYPES.get(extension(name)), in.readAllBytes());
    }
  }

  private void serveImage(HttpExchange ex) throws IOException {
    String id = URLDecoder.decode(ex.getRequestURI().getRawPath().substring("/images/".length()), StandardCharsets.UTF_8);
    Optional<Path> file = backend.imageFile(id);
    if (file.isEmpty() || !Files.isRegularFile(file.get())) {
      send(ex, 404, "text/plain; charset=utf-8", ("no image '" + id + "'").getBytes(StandardCharsets.UTF_8));
      return;
    }
    String type = TYPES.getOrDefault(extension(file.get().getFileName().toString()), "application/octet-stream");
    ex.getResponseHeaders().set("Cache-Control", "max-age=3600");
    send(ex, 200, type, Files.readAllBytes(file.get()));
  }

  private static void requireMethod(HttpExchange ex, String method) {
    if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
      throw new DemoBackend.BadRequest(ex.getRequestURI().getPath() + " takes " + method);
    }
  }

  private static byte[] readBody(HttpExchange ex, int limit) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(limit + 1);
      if (b.length > limit) {
        throw new DemoBackend.BadRequest("the request is larger than " + (limit >> 20) + " MB");
      }
      return b;
    }
  }

  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> out = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String kv : raw.split("&")) {
        int i = kv.indexOf('=');
        if (i > 0) {
          out.put(URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static int intParam(Map<String, String> q, String name, int dflt) {
    try {
      return q.containsKey(name) ? Math.max(0, Integer.parseInt(q.get(name))) : dflt;
    } catch (NumberFormatException e) {
      throw new DemoBackend.BadRequest(name + " must be a number");
    }
  }

  private static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Parses a JSON object (for the backend's use). */
  static JsonObject parse(String s) {
    return JsonParser.parseString(s).getAsJsonObject();
  }
}
