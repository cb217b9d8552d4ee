package dev.cir.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The module table of {@code docs/architecture.md} is the build: every module the root pom lists has a
 * row, and the project modules its "depends on" column names are exactly those its pom declares for
 * compile or runtime ({@code all} for the command line: every other module).
 */
class ModuleGraphTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\|.*\\| ([^|]+) \\|$");

  @Test
  void architectureTableMatchesThePoms() throws Exception {
    Path repo = DocsCommandsTest.repo();
    List<String> modules = childTexts(parse(repo.resolve("pom.xml")).getDocumentElement(), "modules", "module");
    assertFalse(modules.isEmpty(), "the root pom lists no modules");

    Map<String, Set<String>> documented = new LinkedHashMap<>();
    boolean inModules = false;
    for (String line : Files.readAllLines(repo.resolve("docs/architecture.md"))) {
      if (line.startsWith("## ")) {
        inModules = line.equals("## Modules");
        continue;
      }
      Matcher m = ROW.matcher(line.strip());
      if (inModules && m.matches()) {
        Set<String> deps = new TreeSet<>();
        for (String d : m.group(2).split(",")) {
          String name = d.strip().replaceAll(" \\(.*\\)$", "");
          if (name.equals("all")) {
            deps.addAll(modules);
            deps.remove(m.group(1));
          } else if (modules.contains(name)) {
            deps.add(name);
          }
        }
        documented.put(m.group(1), deps);
      }
    }
    assertEquals(new TreeSet<>(modules), new TreeSet<>(documented.keySet()), "modules in the root pom vs rows of architecture.md");
    for (String module : modules) {
      assertEquals(documented.get(module), declared(repo.resolve(module).resolve("pom.xml")),
          "project modules " + module + " depends on: architecture.md vs " + module + "/pom.xml");
    }
  }

  /** The dev.cir artifacts a pom declares outside the test scope, test-jars left out. */
  private static Set<String> declared(Path pom) throws Exception {
    Set<String> out = new TreeSet<>();
    Element root = parse(pom).getDocumentElement();
    for (Element deps : children(root, "dependencies")) {
      for (Element d : children(deps, "dependency")) {
        String scope = text(d, "scope");
        String type = text(d, "type");
        if ("dev.cir".equals(text(d, "groupId")) && !"test".equals(scope) && !"test-jar".equals(type)) {
          out.add(text(d, "artifactId"));
        }
      }
    }
    return out;
  }

  private static Document parse(Path xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(xml.toFile());
  }

  private static List<Element> children(Element parent, String name) {
    NodeList nodes = parent.getChildNodes();
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static List<String> childTexts(Element root, String container, String name) {
    return children(root, container).stream()
        .flatMap(c -> children(c, name).stream())
        .map(e -> e.getTextContent().strip())
        .toList();
  }

  private static String text(Element parent, String name) {
    List<Element> c = children(parent, name);
    return c.isEmpty() ? null : c.get(0).getTextContent().strip();
  }
}
