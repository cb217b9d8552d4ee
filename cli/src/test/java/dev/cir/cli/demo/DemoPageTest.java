package dev.cir.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cir.cli.SolrIndexer;
import dev.cir.clip.bundle.ModelBundle;
import dev.cir.clip.encoder.CirEncoder;
import dev.cir.clip.encoder.EncoderOptions;
import dev.cir.clip.testing.TestBundles;
import dev.cir.eval.data.CirDataset;
import dev.cir.eval.data.JsonlReader;
import dev.cir.eval.data.Triplet;
import dev.cir.eval.synth.SyntheticDataset;
import dev.cir.solr.config.EmbeddedSolr;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.SolrRequest;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.params.ModifiableSolrParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in a real browser against a real Solr: what the page shows is what {@code {!cir}}
 * answers, for a gallery reference, an upload (sent to Solr as {@code refImage}), a text alone and
 * a chain of refinements; filters restrict the results, and errors are shown.
 */
class DemoPageTest {
  @TempDir static Path tmp;
  static DemoSite site;
  static SolrClient solr;
  static WebDriver browser;
  static CirDataset test;
  static ModelBundle bundle;
  static List<DemoBackend.Example> examples = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path data = tmp.resolve("synth");
    SyntheticDataset.generate(SyntheticDataset.Options.defaults().withSize(300).withSeed(11).withImageSize(48)).writeTo(data);
    bundle = TestBundles.smallWithInversion(tmp.resolve("bundle"), "w5 $ w7 {text}");
    test = new JsonlReader(data).read("test");
    for (Triplet t : test.triplets().subList(0, 3)) {
      examples.add(new DemoBackend.Example(t.reference(), SolrDemoBackend.imageUrl(t.reference()), Map.of(), t.captions().get(0), t.target()));
    }
    List<SolrIndexer.Image> gallery = SolrIndexer.fromJsonl(data, "test");
    site = DemoSite.start(bundle, tmp.resolve("solr"), 0, gallery, examples, 0, new PrintWriter(new StringWriter()));
    solr = new Http2SolrClient.Builder(site.solrUrl()).build();
    browser = Browser.start(tmp.resolve("chromium-profile"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (solr != null) {
      solr.close();
    }
    if (site != null) {
      site.close();
    }
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(browser, Duration.ofSeconds(30));
  }

  private static void open() {
    browser.get(site.uri().toString());
    waiting().until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#gallery button"), 0));
  }

  /** The ids {@code {!cir}} returns for a reference id and text, asked of Solr directly. */
  private static List<String> direct(String refParam, String refValue, String text, String... fqs) throws Exception {
    return directIn("combiner", refParam, refValue, text, fqs);
  }

  /** The same, fusing in the mode {@code combine}. */
  private static List<String> directIn(String combine, String refParam, String refValue, String text, String... fqs) throws Exception {
    ModifiableSolrParams p = new ModifiableSolrParams();
    p.set("q", refParam == null ? "{!cir topK=100 v=$t}" : "{!cir " + refParam + "=$r combine=" + combine + " topK=100 v=$t}");
    if (refParam != null) {
      p.set("r", refValue);
    }
    p.set("t", text);
    p.set("rows", 12);
    p.set("fl", "id");
    for (String fq : fqs) {
      p.add("fq", fq);
    }
    List<String> ids = new ArrayList<>();
    for (SolrDocument d : solr.query(EmbeddedSolr.COLLECTION, p, SolrRequest.METHOD.POST).getResults()) {
      ids.add((String) d.getFieldValue("id"));
    }
    return ids;
  }

  @SuppressWarnings("unchecked")
  private static List<String> shownResults() {
    // read in one script call: the list may be re-rendered between element lookups
    return new ArrayList<>((List<String>) ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript("return [...document.querySelectorAll('#results li')].map(li => li.dataset.id);"));
  }

  private static void awaitResults(List<String> before) {
    waiting().until(d -> !shownResults().isEmpty() && !shownResults().equals(before));
  }

  @Test
  void aComposedQueryShowsWhatCirAnswers() throws Exception {
    Triplet t = test.triplets().get(5);
    open();
    // choose the reference as a user would: the gallery lists images in id order, page by page
    By thumb = By.cssSelector("#gallery button[data-id='" + t.reference() + "']");
    while (browser.findElements(thumb).isEmpty()) {
      int shown = browser.findElements(By.cssSelector("#gallery button")).size();
      browser.findElement(By.id("gallery-more")).click();
      waiting().until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#gallery button"), shown));
    }
    browser.findElement(thumb).click();
    assertTrue(browser.findElement(By.cssSelector("[data-testid=reference-image]")).isDisplayed());
    browser.findElement(By.id("text")).sendKeys(t.captions().get(0));
    browser.findElement(By.id("search")).click();
    awaitResults(List.of());
    List<String> shown = shownResults();
    assertEquals(direct("ref", t.reference(), t.captions().get(0)), shown, "the page shows {!cir}'s answer, in order");
    assertEquals(12, shown.size());
    assertTrue(!shown.contains(t.reference()), "the reference is not its own answer");
    WebElement lambda = browser.findElement(By.id("lambda-text"));
    assertTrue(lambda.isDisplayed() && lambda.getText().contains("λ = 0."), lambda.getText());
    Browser.screenshot(browser, "demo-composed-query");
  }

  @Test
  void zeroShotRunsTheBundlesInversionNetwork() throws Exception {
    Triplet t = test.triplets().get(0);
    open();
    WebElement zeroShot = browser.findElement(By.cssSelector("input[name=combine][value=inversion]"));
    assertTrue(zeroShot.isDisplayed(), "the bundle has φ: zero-shot is offered");
    zeroShot.click();
    browser.findElements(By.cssSelector(".examples button")).get(0).click();
    awaitResults(List.of());
    assertEquals(directIn("inversion", "ref", t.reference(), t.captions().get(0)), shownResults(), "the page shows {!cir combine=inversion}'s answer");
    assertTrue(browser.findElement(By.id("status")).getText().contains("zero-shot"), browser.findElement(By.id("status")).getText());
    assertTrue(!browser.findElement(By.id("lambda")).isDisplayed(), "no λ without the Combiner");
    assertTrue(browser.findElement(By.id("debug-request")).getAttribute("textContent").contains("combine=inversion"));
    Browser.screenshot(browser, "demo-zero-shot");
    browser.findElement(By.cssSelector("input[name=combine][value=combiner]")).click();
  }

  @Test
  void aFacetFilterRestrictsEveryResult() throws Exception {
    open();
    browser.findElements(By.cssSelector(".examples button")).get(0).click();
    awaitResults(List.of());
    List<String> unfiltered = shownResults();
    Triplet t = test.triplets().get(0);
    // the first colour facet value
    WebElement red = browser.findElement(By.cssSelector(".facet[data-field='colors_ss'] input"));
    String color = red.getAttribute("value");
    red.click();
    awaitResults(unfiltered);
    List<String> filtered = shownResults();
    assertEquals(direct("ref", t.reference(), t.captions().get(0), "{!terms f=colors_ss tag=colors_ss}" + color), filtered);
    for (String id : filtered) {
      @SuppressWarnings("unchecked")
      List<String> colors = (List<String>) test.gallery().get(id).metadata().get("colors_ss");
      assertTrue(colors.contains(color), id + " has colours " + colors + ", not " + color);
    }
    assertTrue(browser.findElement(By.id("debug-request")).getAttribute("textContent").contains("{!terms f=colors_ss tag=colors_ss}" + color));
    Browser.screenshot(browser, "demo-filtered");
    browser.findElement(By.id("clear-filters")).click();
  }

  @Test
  void anUploadedImageGoesToSolrAsTheReference() throws Exception {
    open();
    Path file = test.gallery().images().get(7).path();
    browser.findElement(By.id("upload")).sendKeys(file.toAbsolutePath().toString());
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Uploaded"));
    browser.findElement(By.id("text")).sendKeys("make it red");
    browser.findElement(By.id("search")).click();
    awaitResults(List.of());
    float[] features;
    try (CirEncoder enc = CirEncoder.open(bundle, EncoderOptions.defaults())) {
      features = enc.encodeImage(file);
    }
    StringBuilder v = new StringBuilder("[");
    for (int i = 0; i < features.length; i++) {
      v.append(i == 0 ? "" : ",").append(features[i]);
    }
    assertEquals(direct("refVector", v.append(']').toString(), "make it red"), shownResults());
    assertEquals(
        direct("refImage", java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(file)), "make it red"), shownResults());
    String request = browser.findElement(By.id("debug-request")).getAttribute("textContent");
    assertTrue(request.contains("refImage=$demo.image") && request.contains("characters of base64"), request);
    Browser.screenshot(browser, "demo-upload");
  }

  @Test
  void aTextAloneSearchesByDescription() throws Exception {
    open();
    String text = test.triplets().get(2).captions().get(0);
    browser.findElement(By.id("text")).sendKeys(text);
    browser.findElement(By.id("search")).click();
    awaitResults(List.of());
    assertEquals(direct(null, null, text), shownResults(), "the page shows {!cir}'s text-only answer");
    assertTrue(browser.findElement(By.id("status")).getText().contains("text only"), browser.findElement(By.id("status")).getText());
    assertTrue(!browser.findElement(By.id("lambda")).isDisplayed(), "no λ without a Combiner");
    Browser.screenshot(browser, "demo-text-only");
  }

  @Test
  void aResultRefinesTheNextQueryTwice() throws Exception {
    open();
    browser.findElements(By.cssSelector(".examples button")).get(1).click();
    awaitResults(List.of());
    List<String> previous = shownResults();
    String[] changes = {"make it larger", "make it blue"};
    for (int step = 0; step < changes.length; step++) {
      // the third result becomes the reference of the next change
      String next = previous.get(2);
      List<WebElement> refine = browser.findElements(By.cssSelector("[data-testid=refine]"));
      refine.get(2).click();
      waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Reference: " + next));
      assertTrue(browser.findElement(By.cssSelector("[data-testid=reference-image]")).getAttribute("alt").contains(next));
      browser.findElement(By.id("text")).sendKeys(changes[step]);
      browser.findElement(By.id("search")).click();
      awaitResults(previous);
      List<String> shown = shownResults();
      assertEquals(direct("ref", next, changes[step]), shown, "step " + (step + 1) + " from " + next);
      assertTrue(!shown.contains(next), "the reference is not its own answer");
      previous = shown;
    }
    Browser.screenshot(browser, "demo-refined-twice");
  }

  @Test
  void aRejectedQueryIsExplainedOnThePage() throws Exception {
    open();
    Path notAnImage = java.nio.file.Files.writeString(tmp.resolve("notes.png"), "these are notes, not an image");
    browser.findElement(By.id("upload")).sendKeys(notAnImage.toAbsolutePath().toString());
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Uploaded"));
    browser.findElement(By.id("text")).sendKeys("make it red");
    browser.findElement(By.id("search")).click();
    waiting().until(ExpectedConditions.attributeContains(By.id("status"), "class", "error"));
    String shown = browser.findElement(By.id("status")).getText();
    assertTrue(shown.contains("not a supported image"), shown);
  }
}
