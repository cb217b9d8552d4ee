package dev.cir.cli;

import dev.cir.clip.bundle.ModelBundle;
import dev.cir.modelimport.BundleImporter;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Build a model bundle from published CLIP weights.",
      "Formats, detected from the file: OpenAI / open_clip state dicts in safetensors, Hugging Face",
      "CLIPModel safetensors (ViT; its config.json beside it is read for heads and activation), and",
      "PyTorch archives (OpenAI's TorchScript .pt downloads, torch.save checkpoints such as CLIP4Cir's).",
      "The architecture is inferred from the tensor shapes."
    })
final class ImportCommand implements Callable<Integer> {
  @Option(names = "--weights", required = true, paramLabel = "FILE", description = "CLIP checkpoint.")
  Path weights;

  @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "Hugging Face tokenizer.json matching the weights' vocabulary.")
  Path tokenizer;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Bundle directory to create.")
  Path out;

  @Option(names = "--combiner", paramLabel = "FILE", description = "CLIP4Cir Combiner checkpoint (safetensors or torch.save .pt).")
  Path combiner;

  @Option(names = "--preprocess", paramLabel = "NAME", description = "clip, squarepad or targetpad (default: ${DEFAULT-VALUE}).")
  String preprocess = "targetpad";

  @Option(names = "--target-ratio", paramLabel = "R", description = "Aspect ratio above which targetpad pads (default: ${DEFAULT-VALUE}).")
  double targetRatio = 1.25;

  @Option(names = "--vision-heads", paramLabel = "N", description = "Image-tower attention heads, when not OpenAI's width/64.")
  Integer visionHeads;

  @Option(names = "--text-heads", paramLabel = "N", description = "Text-transformer attention heads, when not OpenAI's width/64.")
  Integer textHeads;

  @Option(names = "--activation", paramLabel = "NAME", description = "quick_gelu (OpenAI) or gelu, when the checkpoint does not say.")
  String activation;

  @Option(names = "--name", paramLabel = "NAME", description = "A name recorded in bundle.json (default: the OpenAI architecture name when it is one).")
  String name;

  @Option(names = "--force", description = "Replace an existing bundle in --out.")
  boolean force;

  private final PrintWriter stdout;

  @Inject
  ImportCommand(@Named("out") PrintWriter stdout) {
    this.stdout = stdout;
  }

  @Override
  public Integer call() throws IOException {
    if (Files.exists(out.resolve("bundle.json")) && !force) {
      throw new IllegalArgumentException(out + " already holds a bundle; pass --force to replace it");
    }
    ModelBundle b =
        BundleImporter.importBundle(
            new BundleImporter.Request(weights, tokenizer, combiner, preprocess, targetRatio, visionHeads, textHeads, activation, name),
            out);
    stdout.println("wrote " + b);
    stdout.flush();
    return 0;
  }
}
