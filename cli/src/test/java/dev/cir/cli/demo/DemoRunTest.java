package dev.cir.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The main job as a user runs it: {@code cir demo} in its own process generates the data, trains
 * the three stages, evaluates, starts Solr and serves the page; a real browser runs one of the
 * page's example queries, whose target the synthetic data knows, and finds it in the top 5, then
 * narrows by a facet; SIGTERM stops the process; a second run reuses everything and is ready fast.
 *
 * <p>The training here is shorter than the demo's defaults (see {@link #TRAINING}) so that the
 * suite stays within its time budget; the defaults are measured in docs/training.md.
 */
class DemoRunTest {
  /** Dataset size and epochs of the three stages for this test. */
  static final List<String> TRAINING =
      List.of(System.getProperty("cir.demo.test.training", "--size 5000 --captions-epochs 2 --stage1-epochs 4 --combiner-epochs 10").split(" "));

  static final Pattern READY = Pattern.compile("ready in ([0-9.]+) s\\. Open (http://\\S+)");

  @TempDir Path tmp;
  Process process;
  WebDriver browser;

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void trainsServesAndAnswersAKnownQueryThenRestartsFromWhatItKept() throws Exception {
    Path work = tmp.resolve("work");
    Path log1 = tmp.resolve("first.log");
    long t0 = System.nanoTime();
    process = start(work, log1);
    Matcher ready = awaitReady(log1, Duration.ofMinutes(25));
    double firstRun = (System.nanoTime() - t0) / 1e9;
    String out = Files.readString(log1);
    assertTrue(out.contains("| Combiner (stage 2)") && out.contains("| zero-shot phi"), "the evaluation table is printed:\n" + out);
    URI page = URI.create(ready.group(2));

    JsonObject info = get(page.resolve("/api/info"));
    JsonArray examples = info.getAsJsonArray("examples");
    assertTrue(examples.size() >= 5, "one example per kind of edit: " + examples);
    JsonObject example = examples.get(0).getAsJsonObject();
    String target = example.get("target").getAsString();
    assertEquals(expectedTarget(work, example.get("reference").getAsString(), example.get("text").getAsString()), target,
        "the example's target is the dataset's");

    browser = Browser.start(tmp.resolve("chromium-profile"));
    browser.get(page.toString());
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector(".examples button"), 0));
    browser.findElements(By.cssSelector(".examples button")).get(0).click();
    awaitResults(wait, log1);
    List<String> results = shown();
    int rank = results.indexOf(target);
    Browser.screenshot(browser, "demo-run-known-query");
    assertTrue(rank >= 0 && rank < 5, "the known target " + target + " is in the top 5 for '" + example.get("text").getAsString()
        + "' on " + example.get("reference").getAsString() + "; shown: " + results);
    assertTrue(browser.findElement(By.cssSelector("#results li.expected")).getText().contains("known target"));
    assertTrue(browser.findElement(By.id("status")).getText().contains("the known target is #" + (rank + 1)));
    assertTrue(browser.findElement(By.id("lambda-text")).getText().contains("λ = 0."));
    assertTrue(info.get("hasInversion").getAsBoolean(), "the served bundle has φ: " + info);

    // a facet the target satisfies: every result has it, and the target stays
    Map<String, List<String>> colors = galleryColors(work);
    String color = colors.get(target).get(0);
    WebElement box = browser.findElement(By.cssSelector(".facet[data-field='colors_ss'] input[value='" + color + "']"));
    box.click();
    // the request shown under the results carries the filter once the filtered answer is on the page
    wait.until(d -> d.findElement(By.id("debug-request")).getAttribute("textContent").contains("colors_ss}" + color));
    List<String> filtered = shown();
    for (String id : filtered) {
      assertTrue(colors.get(id).contains(color), id + " has " + colors.get(id) + ", the filter asked for " + color);
    }
    assertTrue(filtered.indexOf(target) >= 0 && filtered.indexOf(target) <= rank, "the target stays, no lower: " + filtered);
    Browser.screenshot(browser, "demo-run-filtered");
    browser.quit();
    browser = null;

    process.destroy(); // SIGTERM
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the demo stops on SIGTERM");
    assertTrue(Files.readString(log1).lines().noneMatch(l -> l.startsWith("cir: stopping")), Files.readString(log1));

    Path log2 = tmp.resolve("second.log");
    long t1 = System.nanoTime();
    process = start(work, log2);
    Matcher again = awaitReady(log2, Duration.ofSeconds(180));
    double secondRun = (System.nanoTime() - t1) / 1e9;
    String out2 = Files.readString(log2);
    assertTrue(out2.contains("dataset: reusing") && out2.contains("stage 2: the Combiner on cached features of the frozen encoders: reusing"), out2);
    assertTrue(out2.contains("zero-shot: the inversion network phi on the gallery's images alone (Pic2Word): reusing"), out2);
    assertTrue(out2.contains("the index already holds"), out2);
    assertFalse(out2.contains("$ cir train"), "nothing is trained again:\n" + out2);
    assertTrue(out2.contains("| Combiner (stage 2)"), "the table is printed again:\n" + out2);
    assertTrue(secondRun <= 60, "a second run is ready in " + secondRun + " s (at most 60)");
    JsonObject info2 = get(URI.create(again.group(2)).resolve("/api/info"));
    assertEquals(info.get("galleryCount").getAsLong(), info2.get("galleryCount").getAsLong());
    process.destroy();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    System.out.printf("demo: first run ready in %.1f s, second in %.1f s%n", firstRun, secondRun);
  }

  /** Waits for the answer to the search just sent: results on the page, or an error in the status line, which fails with it. */
  private void awaitResults(WebDriverWait wait, Path log) throws IOException {
    try {
      wait.until(d -> !shown().isEmpty() || d.findElement(By.id("status")).getAttribute("class").contains("error"));
    } catch (org.openqa.selenium.TimeoutException e) {
      fail("no results on the page; status: '" + browser.findElement(By.id("status")).getText() + "'\n" + tail(Files.readString(log)), e);
    }
    WebElement status = browser.findElement(By.id("status"));
    assertFalse(status.getAttribute("class").contains("error"), "the search failed: " + status.getText() + "\n" + tail(Files.readString(log)));
  }

  private List<String> shown() {
    @SuppressWarnings("unchecked")
    List<String> ids = (List<String>) ((JavascriptExecutor) browser)
        .executeScript("return [...document.querySelectorAll('#results li')].map(li => li.dataset.id);");
    return new ArrayList<>(ids);
  }

  private Process start(Path work, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
        .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator));
    cmd.add("dev.cir.cli.Main");
    cmd.addAll(List.of("demo", "--work", work.toString(), "--port", "0"));
    cmd.addAll(TRAINING);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private Matcher awaitReady(Path log, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = READY.matcher(text);
      if (m.find()) {
        return m;
      }
      if (!process.isAlive()) {
        fail("cir demo exited with " + process.exitValue() + " before it was ready:\n" + tail(text));
      }
      Thread.sleep(500);
    }
    fail("cir demo was not ready within " + limit + ":\n" + tail(Files.readString(log)));
    return null;
  }

  private static String tail(String s) {
    return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
  }

  private static JsonObject get(URI uri) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  /** The target the dataset's test triplets give for a reference and a text. */
  private static String expectedTarget(Path work, String reference, String text) throws IOException {
    for (String line : Files.readAllLines(work.resolve("data/test/triplets.jsonl"), StandardCharsets.UTF_8)) {
      JsonObject t = JsonParser.parseString(line).getAsJsonObject();
      if (t.get("reference").getAsString().equals(reference) && t.get("caption").getAsString().equals(text)) {
        return t.get("target").getAsString();
      }
    }
    throw new AssertionError("no test triplet (" + reference + ", " + text + ")");
  }

  private static Map<String, List<String>> galleryColors(Path work) throws IOException {
    Map<String, List<String>> colors = new HashMap<>();
    for (String line : Files.readAllLines(work.resolve("data/test/images.jsonl"), StandardCharsets.UTF_8)) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      List<String> c = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("colors_ss")) {
        c.add(e.getAsString());
      }
      colors.put(o.get("id").getAsString(), c);
    }
    return colors;
  }
}
