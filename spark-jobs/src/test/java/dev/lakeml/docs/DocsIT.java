package dev.lakeml.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs tell the truth where a machine can check them: every relative link in every Markdown
 * file of the repository resolves (anchors into Markdown files included), every {@code lakeml}
 * command and flag the docs show exists, and every Mermaid diagram parses. Each test collects all
 * its problems, one line each starting with {@code file:line}, and reports them together.
 *
 * <p>The diagrams are rendered by the Mermaid CLI in Debian's Chromium ({@link MermaidCli}); a
 * missing tool fails the test with how to install it.
 */
class DocsIT {
  private static final Path ROOT =
      Path.of(System.getProperty("lakeml.repo.root", "..")).toAbsolutePath().normalize();

  /** Folders never scanned: build output, installed tools, and local data the runs create. */
  private static final Set<String> SKIPPED_ANYWHERE = Set.of("target", "node_modules");

  private static final Set<String> SKIPPED_AT_ROOT =
      Set.of("lakehouse", "spark-warehouse", "metastore_db");

  /** Code blocks whose lines are shell commands (and their output). */
  private static final Set<String> SHELL_BLOCKS =
      Set.of("", "bash", "sh", "shell", "console", "shell-session", "zsh", "text");

  private static List<MarkdownDoc> docs;

  @BeforeAll
  static void readDocs() {
    try (Stream<Path> files = Files.walk(ROOT)) {
      docs =
          files
              .filter(f -> f.toString().endsWith(".md") && Files.isRegularFile(f) && scanned(f))
              .sorted()
              .map(f -> MarkdownDoc.read(ROOT, f))
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the Markdown files under " + ROOT, e);
    }
    assertThat(docs)
        .as("Markdown files under %s", ROOT)
        .extracting(MarkdownDoc::name)
        .contains("README.md");
  }

  @Test
  void relativeLinksResolveToFilesAndHeadings() {
    Map<Path, MarkdownDoc> byFile = new HashMap<>();
    docs.forEach(d -> byFile.put(d.file(), d));
    List<String> problems = new ArrayList<>();
    for (MarkdownDoc doc : docs) {
      for (MarkdownDoc.Link link : doc.links()) {
        linkProblem(doc, link, byFile)
            .ifPresent(
                p ->
                    problems.add(
                        doc.name() + ":" + link.line() + ": (" + link.destination() + ") " + p));
      }
    }
    assertThat(problems).withFailMessage(() -> report(problems, "broken relative links")).isEmpty();
  }

  @Test
  void lakemlCommandsAndFlagsExist() {
    DocCommands commands = DocCommands.load(ROOT);
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (MarkdownDoc doc : docs) {
      for (MarkdownDoc.Block block : doc.blocks()) {
        if (!SHELL_BLOCKS.contains(block.language())) {
          continue;
        }
        List<String> lines = block.lines();
        for (int i = 0; i < lines.size(); i++) {
          int first = i;
          StringBuilder command = new StringBuilder();
          while (lines.get(i).stripTrailing().endsWith("\\") && i + 1 < lines.size()) {
            String l = lines.get(i).stripTrailing();
            command.append(l, 0, l.length() - 1).append(' ');
            i++;
          }
          command.append(lines.get(i));
          checked += check(commands, doc, block.line() + first, command.toString(), problems);
        }
      }
      for (MarkdownDoc.Code code : doc.inlineCode()) {
        checked += check(commands, doc, code.line(), code.text(), problems);
      }
    }
    assertThat(checked).as("lakeml commands found in the docs").isPositive();
    assertThat(problems)
        .withFailMessage(() -> report(problems, "lakeml commands or flags that do not exist"))
        .isEmpty();
  }

  @Test
  void mermaidDiagramsParse(@TempDir Path dir) throws IOException {
    record Diagram(MarkdownDoc doc, MarkdownDoc.Block block) {
      String where() {
        return doc.name() + ":" + block.line();
      }
    }
    List<Diagram> diagrams = new ArrayList<>();
    for (MarkdownDoc doc : docs) {
      for (MarkdownDoc.Block block : doc.blocks()) {
        if (block.language().equals("mermaid")) {
          diagrams.add(new Diagram(doc, block));
        }
      }
    }
    if (diagrams.isEmpty()) {
      return;
    }
    MermaidCli mmdc = MermaidCli.installed(ROOT);
    long start = System.nanoTime();

    // One mmdc run (one browser) for every diagram; only when it fails is each rendered alone, to
    // say which ones are broken (mmdc stops at the first error and does not say where it was).
    StringBuilder all = new StringBuilder();
    for (Diagram d : diagrams) {
      all.append("<!-- ").append(d.where()).append(" -->\n```mermaid\n");
      all.append(d.block().text()).append("```\n\n");
    }
    Path allMd = Files.writeString(dir.resolve("diagrams.md"), all.toString());
    Optional<String> together = mmdc.render(allMd, dir.resolve("rendered.md"));
    List<String> problems = new ArrayList<>();
    if (together.isPresent()) {
      for (int i = 0; i < diagrams.size(); i++) {
        Diagram d = diagrams.get(i);
        Path one = Files.writeString(dir.resolve("diagram-" + i + ".mmd"), d.block().text());
        mmdc.render(one, dir.resolve("diagram-" + i + ".svg"))
            .ifPresent(e -> problems.add(diagramProblem(d.doc(), d.block(), e)));
      }
      if (problems.isEmpty()) {
        problems.add(
            "every diagram renders alone, but not all together: " + together.orElseThrow());
      }
    }
    System.out.printf(
        "DocsIT: %d Mermaid diagrams from %d files checked in %.1f s%n",
        diagrams.size(),
        diagrams.stream().map(Diagram::doc).distinct().count(),
        (System.nanoTime() - start) / 1e9);
    assertThat(problems)
        .withFailMessage(() -> report(problems, "Mermaid diagrams that do not parse"))
        .isEmpty();
  }

  /** Names the file line of Mermaid's "Parse error on line N" too, when it says one. */
  private static String diagramProblem(MarkdownDoc doc, MarkdownDoc.Block block, String error) {
    Matcher m = Pattern.compile("Parse error on line (\\d+)").matcher(error);
    String at =
        m.find()
            ? " (its line "
                + m.group(1)
                + " is "
                + doc.name()
                + ":"
                + (block.line() + Integer.parseInt(m.group(1)) - 1)
                + ")"
            : "";
    return doc.name()
        + ":"
        + block.line()
        + ": the Mermaid diagram starting here does not render"
        + at
        + ": "
        + error;
  }

  private static int check(
      DocCommands commands, MarkdownDoc doc, int line, String text, List<String> problems) {
    List<String> found = commands.check(text);
    String shown = text.strip().replaceAll("\\s+", " ");
    if (shown.length() > 120) {
      shown = shown.substring(0, 117) + "...";
    }
    for (String p : found) {
      problems.add(doc.name() + ":" + line + ": `" + shown + "`: " + p);
    }
    return commands.isLakemlCommand(text) ? 1 : 0;
  }

  private static Optional<String> linkProblem(
      MarkdownDoc doc, MarkdownDoc.Link link, Map<Path, MarkdownDoc> byFile) {
    String destination = link.destination();
    if (destination.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.*") || destination.startsWith("//")) {
      return Optional.empty(); // http(s), mailto: not checked (no network in tests)
    }
    int hash = destination.indexOf('#');
    String pathPart = hash < 0 ? destination : destination.substring(0, hash);
    String anchor = hash < 0 ? "" : destination.substring(hash + 1);
    int query = pathPart.indexOf('?');
    if (query >= 0) {
      pathPart = pathPart.substring(0, query);
    }
    pathPart = URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8);

    Path target;
    if (pathPart.isEmpty()) {
      target = doc.file();
    } else if (pathPart.startsWith("/")) {
      target = ROOT.resolve(pathPart.substring(1)).normalize(); // GitHub: from the repository root
    } else {
      target = doc.file().getParent().resolve(pathPart).normalize();
    }
    if (!target.startsWith(ROOT)) {
      return Optional.of("leaves the repository: it cannot resolve on GitHub or in a clone");
    }
    if (!Files.exists(target)) {
      return Optional.of("no such file or folder: " + ROOT.relativize(target));
    }
    if (anchor.isEmpty() || !target.toString().endsWith(".md")) {
      return Optional.empty();
    }
    MarkdownDoc linked = byFile.get(target);
    if (linked == null) {
      linked = MarkdownDoc.read(ROOT, target);
    }
    if (!linked.anchors().contains(anchor)) {
      return Optional.of(
          "no heading in "
              + linked.name()
              + " has the anchor #"
              + anchor
              + " (its anchors: "
              + String.join(", ", linked.anchors().stream().sorted().toList())
              + ")");
    }
    return Optional.empty();
  }

  private static boolean scanned(Path file) {
    Path relative = ROOT.relativize(file);
    for (int i = 0; i < relative.getNameCount() - 1; i++) {
      String part = relative.getName(i).toString();
      if (part.startsWith(".")
          || SKIPPED_ANYWHERE.contains(part)
          || (i == 0 && SKIPPED_AT_ROOT.contains(part))) {
        return false;
      }
    }
    return true;
  }

  private static String report(List<String> problems, String what) {
    return problems.size() + " " + what + " in the docs:\n" + String.join("\n", problems);
  }
}
