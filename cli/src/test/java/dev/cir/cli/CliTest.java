package dev.cir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.testing.Fixtures;
import dev.cir.clip.testing.TestBundles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cir command as scripts call it: exit status, one-line errors, files written. */
class CliTest {
  @TempDir Path tmp;
  Path tokenizer;

  record Result(int status, String out, String err) {}

  static Result cir(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(status, out.toString(), err.toString());
  }

  @BeforeEach
  void setUp() throws IOException {
    tokenizer = tmp.resolve("tokenizer.json");
    Files.writeString(tokenizer, TestBundles.wordLevelTokenizer(1000));
  }

  private Path importSmallVit() {
    Path bundle = tmp.resolve("bundle");
    Result r =
        cir("import", "--weights", Fixtures.small("small-vit.jit.pt").toString(), "--tokenizer", tokenizer.toString(),
            "--out", bundle.toString(), "--text-heads", "4", "--combiner", Fixtures.small("combiner.safetensors").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("with Combiner"), r.out());
    return bundle;
  }

  @Test
  void importInfoAndEmbedReproduceTheReferenceFromPngFiles() throws IOException {
    Path bundle = importSmallVit();
    Result info = cir("info", "--model", bundle.toString(), "--verify");
    assertEquals(0, info.status(), info.err());
    assertTrue(info.out().contains("embedding     32 dimensions"), info.out());
    assertTrue(info.out().contains("preprocess targetpad (ratio 1.25)"), info.out());
    assertTrue(info.out().contains("every file matches"), info.out());

    String[] names = {"img_near.png", "img_square.png", "img_tall.png", "img_wide.png"};
    Path out = tmp.resolve("features.json");
    Result r =
        cir("embed", "--model", bundle.toString(),
            "--image", Fixtures.small(names[0]).toString(), "--image", Fixtures.small(names[1]).toString(),
            "--image", Fixtures.small(names[2]).toString(), "--image", Fixtures.small(names[3]).toString(),
            "--text", "w5 w7", "--text", "W5 w7 unknownword", "--out", out.toString());
    assertEquals(0, r.status(), r.err());
    JsonObject json = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
    JsonArray images = json.getAsJsonArray("image_features");
    assertEquals(4, images.size());
    // PNG → targetpad pixels → ViT: the reference's features, end to end
    StateDict expected = TestBundles.expected("small-vit");
    float[] e = expected.get("image_features").toFloatArray();
    for (int i = 0; i < 4; i++) {
      JsonArray row = images.get(i).getAsJsonArray();
      assertEquals(32, row.size());
      for (int k = 0; k < 32; k++) {
        assertEquals(e[i * 32 + k], row.get(k).getAsFloat(), 1e-4, names[i] + " dim " + k);
      }
    }
    JsonArray texts = json.getAsJsonArray("text_features");
    assertEquals(2, texts.size());
    assertTrue(!texts.get(0).equals(texts.get(1)), "an unknown word changes the features");

    // --preprocess overrides the bundle's: the clip transform gives other features
    Path outClip = tmp.resolve("clip.json");
    assertEquals(0, cir("embed", "--model", bundle.toString(), "--image", Fixtures.small("img_wide.png").toString(),
        "--preprocess", "clip", "--out", outClip.toString()).status());
    JsonArray wideClip = JsonParser.parseString(Files.readString(outClip)).getAsJsonObject().getAsJsonArray("image_features").get(0).getAsJsonArray();
    assertTrue(!wideClip.equals(images.get(3)), "img_wide is padded by targetpad, not by clip");
  }

  @Test
  void badInputGivesOneLineNamingTheFile() throws IOException {
    Path bundle = importSmallVit();
    Path notImage = Files.writeString(tmp.resolve("notes.png"), "this is not an image");
    Path empty = Files.write(tmp.resolve("empty.jpg"), new byte[0]);
    byte[] png = Files.readAllBytes(Fixtures.small("img_wide.png"));
    Path truncated = Files.write(tmp.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
    Path huge = Files.write(tmp.resolve("huge.png"), pngHeaderClaiming(40000, 40000));
    for (Path bad : new Path[] {notImage, empty, truncated, huge}) {
      Result r = cir("embed", "--model", bundle.toString(), "--image", bad.toString(), "--out", tmp.resolve("x.json").toString());
      assertEquals(1, r.status(), bad + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
      assertTrue(r.err().startsWith("cir: ") && r.err().contains(bad.getFileName().toString()), r.err());
    }
    assertTrue(Files.notExists(tmp.resolve("x.json")), "no output file for a failed run");

    // a 1x1 image is an image: it encodes
    Path onePixel = tmp.resolve("one.png");
    BufferedImage im = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    im.setRGB(0, 0, 0x336699);
    ImageIO.write(im, "png", onePixel.toFile());
    String longText = "w9 ".repeat(3400);
    Result ok = cir("embed", "--model", bundle.toString(), "--image", onePixel.toString(), "--text", longText, "--out", tmp.resolve("ok.json").toString());
    assertEquals(0, ok.status(), ok.err());
    assertTrue(longText.length() > 10_000);

    Result missingBundle = cir("embed", "--model", tmp.resolve("none").toString(), "--text", "w3", "--out", tmp.resolve("y.json").toString());
    assertEquals(1, missingBundle.status());
    assertTrue(missingBundle.err().contains("none") && missingBundle.err().contains("not found"), missingBundle.err());

    Result usage = cir("embed", "--model", bundle.toString());
    assertEquals(2, usage.status());
    assertTrue(usage.err().contains("--out") && usage.err().contains("cir embed --help"), usage.err());

    Result gpu = cir("embed", "--model", bundle.toString(), "--text", "w3", "--device", "gpu", "--out", tmp.resolve("z.json").toString());
    assertEquals(1, gpu.status());
    assertTrue(gpu.err().contains("--device cpu"), gpu.err());
  }

  @Test
  void embedWritesComposedQueryVectorsAndRefusesWhatItCannotPair() throws IOException {
    Path bundle = importSmallVit(); // a Combiner, no φ
    String image = Fixtures.small("img_wide.png").toString();
    Path out = tmp.resolve("q.json");
    Result sum = cir("embed", "--model", bundle.toString(), "--image", image, "--text", "w5", "--text", "w6 w7", "--combine", "sum", "--out", out.toString());
    assertEquals(0, sum.status(), sum.err());
    JsonObject json = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
    assertEquals("sum", json.get("combine").getAsString());
    JsonArray q = json.getAsJsonArray("query_vectors");
    assertEquals(2, q.size(), "one image, two texts: two queries");
    // normalize(image + text), computed here from the raw features of the same file
    float[] img = floats(json.getAsJsonArray("image_features").get(0).getAsJsonArray());
    for (int i = 0; i < 2; i++) {
      float[] txt = floats(json.getAsJsonArray("text_features").get(i).getAsJsonArray());
      double norm = 0;
      for (int k = 0; k < img.length; k++) {
        norm += (double) (img[k] + txt[k]) * (img[k] + txt[k]);
      }
      float[] v = floats(q.get(i).getAsJsonArray());
      for (int k = 0; k < img.length; k++) {
        assertEquals((img[k] + txt[k]) / Math.sqrt(norm), v[k], 1e-6, "query " + i + " dim " + k);
      }
    }
    String[][] refused = {
      {"--combine", "inversion", "--image", image, "--text", "w5"}, {"no inversion network"},
      {"--combine", "sum", "--image", image, "--image", image, "--text", "w5"}, {"2 images and 1 texts"},
      {"--combine", "image", "--image", image, "--text", "w5"}, {"image_features"},
      {"--template", "$ {text}", "--text", "w5"}, {"add --combine inversion"},
      {"--combine", "sum", "--template", "$ {text}", "--image", image, "--text", "w5"}, {"not of --combine sum"},
      {"--combine", "inversion", "--template", "a photo of $", "--image", image, "--text", "w5"}, {"no {text}"},
    };
    for (int i = 0; i < refused.length; i += 2) {
      List<String> args = new ArrayList<>(List.of("embed", "--model", bundle.toString(), "--out", tmp.resolve("no.json").toString()));
      args.addAll(List.of(refused[i]));
      Result r = cir(args.toArray(String[]::new));
      assertEquals(1, r.status(), String.join(" ", refused[i]) + ": " + r.err());
      assertTrue(r.err().contains(refused[i + 1][0]), String.join(" ", refused[i]) + ": " + r.err());
    }
    assertTrue(Files.notExists(tmp.resolve("no.json")));
  }

  private static float[] floats(JsonArray a) {
    float[] v = new float[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).getAsFloat();
    }
    return v;
  }

  @Test
  void importRefusesAnExistingBundleUnlessForced() {
    Path bundle = importSmallVit();
    Result again =
        cir("import", "--weights", Fixtures.small("small-vit.safetensors").toString(), "--tokenizer", tokenizer.toString(),
            "--out", bundle.toString(), "--text-heads", "4");
    assertEquals(1, again.status());
    assertTrue(again.err().contains("--force"), again.err());
    Result noHeads =
        cir("import", "--weights", Fixtures.small("small-vit.safetensors").toString(), "--tokenizer", tokenizer.toString(),
            "--out", tmp.resolve("other").toString());
    assertEquals(1, noHeads.status());
    assertTrue(noHeads.err().contains("--text-heads"), noHeads.err());
  }

  @Test
  void demoTrainsEvaluatesAndReusesWhatItKept() {
    String[] args = {"demo", "--work", tmp.resolve("demo").toString(), "--size", "300", "--captions-epochs", "1",
        "--stage1-epochs", "1", "--combiner-epochs", "1", "--inversion-epochs", "1", "--no-serve"};
    Result r = cir(args);
    assertEquals(0, r.status(), r.err());
    for (String stage : new String[] {"captions", "stage1", "combiner", "inversion"}) {
      assertTrue(Files.isRegularFile(tmp.resolve("demo/runs/" + stage + "/bundle.json")), stage);
    }
    assertTrue(Files.isRegularFile(tmp.resolve("demo/runs/inversion/inversion.safetensors")), "the served bundle has φ");
    assertTrue(Files.isRegularFile(tmp.resolve("demo/runs/inversion/combiner.safetensors")), "and the Combiner");
    for (String row : new String[] {"image only", "text only", "sum before fine-tuning", "sum after stage 1", "Combiner (stage 2)",
        "zero-shot phi (stage-1 encoders)"}) {
      assertTrue(r.out().contains("| " + row), row + " in\n" + r.out());
    }
    Result again = cir(args);
    assertEquals(0, again.status(), again.err());
    assertTrue(!again.out().contains("$ cir "), "nothing runs twice:\n" + again.out());
    assertTrue(again.out().contains("as measured when the models were trained"), again.out());
    String table = r.out().substring(r.out().indexOf("| model"), r.out().indexOf("done in"));
    assertTrue(again.out().contains(table), "the same table:\n" + again.out());
  }

  /** A PNG signature and IHDR chunk (with a correct CRC) for a w x h RGB image, and nothing else. */
  static byte[] pngHeaderClaiming(int w, int h) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    b.putInt(13);
    byte[] chunk = java.nio.ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(w).putInt(h)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array();
    b.put(chunk);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(chunk);
    b.putInt((int) crc.getValue());
    return b.array();
  }
}
