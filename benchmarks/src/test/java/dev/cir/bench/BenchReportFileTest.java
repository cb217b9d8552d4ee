package dev.cir.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cir bench ... --out}: a file is written as named, a folder gets one dated file per run. */
class BenchReportFileTest {
  @TempDir Path tmp;

  @Test
  void aFolderGetsADatedFileForEachRun() throws IOException {
    LocalDate day = LocalDate.of(2026, 12, 4);
    Path first = BenchCommand.reportFile(tmp, "encode", day);
    assertEquals(tmp.resolve("2026-12-04-bench-encode.md"), first);
    Files.writeString(first, "run 1");
    Path second = BenchCommand.reportFile(tmp, "encode", day);
    assertEquals(tmp.resolve("2026-12-04-bench-encode-2.md"), second);
    Files.writeString(second, "run 2");
    assertEquals(tmp.resolve("2026-12-04-bench-encode-3.md"), BenchCommand.reportFile(tmp, "encode", day));
    assertEquals(tmp.resolve("2026-12-04-bench-solr.md"), BenchCommand.reportFile(tmp, "solr", day));
  }

  @Test
  void aFileIsWrittenAsNamed() {
    Path file = tmp.resolve("report.md");
    assertEquals(file, BenchCommand.reportFile(file, "encode", LocalDate.of(2026, 12, 4)));
  }
}
