package dev.cir.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The docs' own check: every {@code bin/cir} command line shown in the README and in {@code docs/}
 * must parse against the command as it is now (existing subcommands, existing options, required
 * options present, values of the right type), so a renamed option or command fails the build
 * rather than the reader.
 */
class DocsCommandsTest {
  /** The checkout's root: the nearest folder, from cir.repo.root or the working directory up, with README.md and docs/. */
  static Path repo() {
    String root = System.getProperty("cir.repo.root");
    for (Path p = Path.of(root != null ? root : "").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("docs"))) {
        return p;
      }
    }
    throw new IllegalStateException("no README.md with a docs/ folder above " + Path.of("").toAbsolutePath());
  }

  /** The {@code bin/cir} lines of the fenced code blocks of a Markdown file, continuation lines joined. */
  static List<String> commandLines(Path markdown) throws IOException {
    List<String> out = new ArrayList<>();
    boolean fenced = false;
    StringBuilder pending = null;
    for (String line : Files.readAllLines(markdown)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) {
        continue;
      }
      String l = line.strip();
      if (pending != null) {
        pending.append(' ').append(l.endsWith("\\") ? l.substring(0, l.length() - 1) : l);
        if (!l.endsWith("\\")) {
          out.add(pending.toString());
          pending = null;
        }
        continue;
      }
      int at = l.indexOf("bin/cir ");
      if (at >= 0 && (at == 0 || l.charAt(at - 1) == ' ' || l.charAt(at - 1) == '(')) {
        String cmd = l.substring(at);
        if (cmd.endsWith("\\")) {
          pending = new StringBuilder(cmd.substring(0, cmd.length() - 1));
        } else {
          out.add(cmd);
        }
      }
    }
    return out;
  }

  /** POSIX-shell words of one command, up to a comment, a pipe, '&' or ';'. */
  static List<String> words(String cmd) {
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    char quote = 0;
    for (int i = 0; i < cmd.length(); i++) {
      char c = cmd.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        if (w == null) {
          w = new StringBuilder();
        }
      } else if (Character.isWhitespace(c)) {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
      } else if ((c == '#' && w == null) || c == '|' || c == '&' || c == ';' || c == '>') {
        break;
      } else {
        if (w == null) {
          w = new StringBuilder();
        }
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }

  @Test
  void everyCommandLineInTheDocsParses() throws IOException {
    Path repo = repo();
    List<Path> docs = new ArrayList<>();
    docs.add(repo.resolve("README.md"));
    try (Stream<Path> s = Files.list(repo.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    int checked = 0;
    List<String> failures = new ArrayList<>();
    for (Path doc : docs) {
      for (String line : commandLines(doc)) {
        List<String> args = words(line);
        args.remove(0); // bin/cir
        CommandLine cl = Main.commandLine(Guice.createInjector(new CliModule(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))));
        try {
          CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
          if (!r.hasSubcommand()) {
            failures.add(doc.getFileName() + ": '" + line + "': no command");
          }
          checked++;
        } catch (CommandLine.ParameterException e) {
          failures.add(doc.getFileName() + ": '" + line + "': " + e.getMessage());
        }
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(checked >= 10, "the docs show at least ten cir command lines; found " + checked);
  }

  /** The local parameters {!cir} accepts (CirQuerySpec's, the field and text, and {!knn}'s filter ones). */
  static final java.util.Set<String> CIR_PARAMS =
      java.util.Set.of("type", "f", "v", dev.cir.solr.search.CirQuerySpec.TOP_K, dev.cir.solr.search.CirQuerySpec.BUNDLE,
          dev.cir.solr.search.CirQuerySpec.REF, dev.cir.solr.search.CirQuerySpec.REF_VECTOR, dev.cir.solr.search.CirQuerySpec.REF_IMAGE,
          dev.cir.solr.search.CirQuerySpec.COMBINE, dev.cir.solr.search.CirQuerySpec.KEEP_REF,
          dev.cir.solr.search.CirQuerySpec.TEMPLATE, "preFilter", "includeTags",
          "excludeTags", "tag");

  @Test
  void everyCirQueryInTheDocsHasValidLocalParams() throws Exception {
    Path repo = repo();
    List<Path> docs = new ArrayList<>();
    docs.add(repo.resolve("README.md"));
    try (Stream<Path> s = Files.list(repo.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    java.util.regex.Pattern cir = java.util.regex.Pattern.compile("\\{!cir(?:[^}'\"]|'[^']*'|\"[^\"]*\")*}"); // a quoted value may hold braces
    int checked = 0;
    List<String> failures = new ArrayList<>();
    for (Path doc : docs) {
      java.util.regex.Matcher m = cir.matcher(Files.readString(doc));
      while (m.find()) {
        String q = m.group();
        if (q.contains("...") || q.contains("…")) {
          continue; // an elided example in prose
        }
        org.apache.solr.common.params.ModifiableSolrParams local = new org.apache.solr.common.params.ModifiableSolrParams();
        try {
          org.apache.solr.search.QueryParsing.parseLocalParams(q, 0, local, null);
        } catch (org.apache.solr.common.SolrException | org.apache.solr.search.SyntaxError e) {
          failures.add(doc.getFileName() + ": " + q + ": " + e.getMessage());
          continue;
        }
        local.getParameterNamesIterator().forEachRemaining(name -> {
          if (!CIR_PARAMS.contains(name)) {
            failures.add(doc.getFileName() + ": " + q + ": {!cir} has no parameter '" + name + "'");
          }
        });
        checked++;
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(checked >= 10, "the docs show at least ten {!cir} queries; found " + checked);
  }
}
