package dev.cir.train.checkpoint;

import dev.cir.clip.io.AtomicFiles;
import dev.cir.clip.io.SafeTensors;
import dev.cir.clip.io.StateDict;
import dev.cir.clip.io.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints of one run in a folder, one sub-folder {@code step-NNNNNNNNN} each holding {@code
 * weights.safetensors}, {@code optimizer.safetensors} and {@code state.json}. A checkpoint is
 * written into a temporary folder and renamed into place, so a process killed at any moment leaves
 * either the complete checkpoint or none; {@link #latest()} ignores the leftovers. The newest
 * {@link #keep} are kept.
 */
public final class CheckpointStore {
  private static final Pattern NAME = Pattern.compile("step-(\\d{9})");
  private static final String WEIGHTS = "weights.safetensors";
  private static final String OPTIMIZER = "optimizer.safetensors";
  private static final String STATE = "state.json";

  private final Path dir;
  private final int keep;

  /** A checkpoint read back. */
  public record Checkpoint(Path dir, TrainingState state, StateDict weights, StateDict optimizer) {}

  public CheckpointStore(Path dir, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep at least one checkpoint, got " + keep);
    }
    this.dir = dir;
    this.keep = keep;
  }

  public Path dir() {
    return dir;
  }

  /** Writes a checkpoint for {@code state.step}, replacing one of the same step. */
  public Path save(TrainingState state, Map<String, Tensor> weights, Map<String, Tensor> optimizer) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(String.format("step-%09d", state.step));
    Path tmp = Files.createTempDirectory(dir, ".writing-");
    try {
      SafeTensors.write(tmp.resolve(WEIGHTS), weights, Map.of("format", "cir-training-weights"));
      SafeTensors.write(tmp.resolve(OPTIMIZER), optimizer, Map.of("format", "cir-optimizer-state"));
      AtomicFiles.writeString(tmp.resolve(STATE), state.toJson());
      if (Files.exists(target)) {
        deleteTree(target);
      }
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      if (Files.exists(tmp)) {
        deleteTree(tmp);
      }
    }
    prune();
    return target;
  }

  /** The newest complete checkpoint, if any. */
  public Optional<Checkpoint> latest() {
    for (Path p : checkpoints()) {
      try {
        TrainingState s = TrainingState.parse(Files.readString(p.resolve(STATE), StandardCharsets.UTF_8));
        return Optional.of(new Checkpoint(p, s, SafeTensors.read(p.resolve(WEIGHTS)), SafeTensors.read(p.resolve(OPTIMIZER))));
      } catch (IOException | RuntimeException e) {
        // renamed into place whole, so this is damage from outside: fall back to an older one
        System.err.println("cir: skipping unreadable checkpoint " + p + ": " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Complete checkpoints, newest first. */
  public List<Path> checkpoints() {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isRegularFile(p.resolve(STATE))) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
    return out;
  }

  private void prune() throws IOException {
    List<Path> all = checkpoints();
    for (int i = keep; i < all.size(); i++) {
      deleteTree(all.get(i));
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".writing-*")) {
      for (Path p : ds) {
        deleteTree(p); // left by a killed process
      }
    }
  }

  /** Deletes a folder and everything below it. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
