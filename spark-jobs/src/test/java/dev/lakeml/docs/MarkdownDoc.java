package dev.lakeml.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Markdown file, split into what the docs test checks: fenced code blocks, inline code spans,
 * link destinations and heading anchors, each with the line it starts on.
 *
 * <p>A small reader for the subset of CommonMark the docs use (ATX and setext headings, fenced
 * blocks with backticks or tildes, inline code, inline links, reference definitions and HTML {@code
 * href}/{@code src}); it is not a full Markdown parser.
 */
record MarkdownDoc(
    Path file,
    String name,
    List<Block> blocks,
    List<Code> inlineCode,
    List<Link> links,
    Set<String> anchors) {

  /** A fenced code block: its info string's first word and its lines, fence indent removed. */
  record Block(String language, int line, List<String> lines) {
    String text() {
      return String.join("\n", lines) + "\n";
    }
  }

  /** An inline code span; line breaks inside it became spaces. */
  record Code(String text, int line) {}

  /** A link destination as written ({@code ../adr/0001.md#context}). */
  record Link(String destination, int line) {}

  private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([^`\\s]*).*$");
  private static final Pattern ATX =
      Pattern.compile("^ {0,3}(#{1,6})(?:\\s+(.*?))?(?:\\s+#+)?\\s*$");
  private static final Pattern SETEXT = Pattern.compile("^ {0,3}(=+|-+)\\s*$");
  private static final Pattern INLINE_LINK =
      Pattern.compile(
          "\\]\\(\\s*(<[^>\\n]*>|[^\\s)]+)(?:\\s+(?:\"[^\"]*\"|'[^']*'|\\([^)]*\\)))?\\s*\\)");
  private static final Pattern REFERENCE_DEFINITION =
      Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*(<[^>]*>|\\S+)");
  private static final Pattern HTML_LINK =
      Pattern.compile("<(?:a|img)\\s[^>]*?(?:href|src)\\s*=\\s*\"([^\"]*)\"", Pattern.DOTALL);
  private static final Pattern HTML_ANCHOR =
      Pattern.compile("<[a-zA-Z][^>]*?\\s(?:id|name)\\s*=\\s*\"([^\"]+)\"");

  static MarkdownDoc read(Path repoRoot, Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    String name = repoRoot.relativize(file).toString().replace('\\', '/');

    List<Block> blocks = new ArrayList<>();
    List<Code> inlineCode = new ArrayList<>();
    List<Link> links = new ArrayList<>();
    List<String> headings = new ArrayList<>();
    Set<String> explicitAnchors = new LinkedHashSet<>();

    // Pass 1: fenced blocks out; everything else is prose, grouped into paragraphs.
    List<int[]> paragraphs = new ArrayList<>(); // [first line index, last line index]
    int paragraphStart = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher fence = FENCE.matcher(line);
      if (fence.matches()) {
        if (paragraphStart >= 0) {
          paragraphs.add(new int[] {paragraphStart, i - 1});
          paragraphStart = -1;
        }
        int indent = fence.group(1).length();
        String marker = fence.group(2);
        List<String> content = new ArrayList<>();
        int j = i + 1;
        while (j < lines.size() && !closes(lines.get(j), marker)) {
          content.add(stripIndent(lines.get(j), indent));
          j++;
        }
        blocks.add(new Block(fence.group(3).toLowerCase(Locale.ROOT), i + 2, List.copyOf(content)));
        i = j; // the closing fence (or the end of the file for an unclosed block)
        continue;
      }
      if (line.isBlank()) {
        if (paragraphStart >= 0) {
          paragraphs.add(new int[] {paragraphStart, i - 1});
          paragraphStart = -1;
        }
        continue;
      }
      Matcher atx = ATX.matcher(line);
      if (atx.matches()) {
        if (paragraphStart >= 0) {
          paragraphs.add(new int[] {paragraphStart, i - 1});
          paragraphStart = -1;
        }
        headings.add(atx.group(2) == null ? "" : atx.group(2));
        paragraphs.add(new int[] {i, i});
        continue;
      }
      if (paragraphStart >= 0 && SETEXT.matcher(line).matches() && paragraphStart == i - 1) {
        headings.add(lines.get(i - 1).trim());
        paragraphs.add(new int[] {paragraphStart, i - 1});
        paragraphStart = -1;
        continue;
      }
      if (paragraphStart < 0) {
        paragraphStart = i;
      }
    }
    if (paragraphStart >= 0) {
      paragraphs.add(new int[] {paragraphStart, lines.size() - 1});
    }

    // Pass 2: inline code spans, then links in what is left of each paragraph.
    for (int[] p : paragraphs) {
      String text = String.join("\n", lines.subList(p[0], p[1] + 1));
      StringBuilder prose = new StringBuilder(text);
      int k = 0;
      while (k < text.length()) {
        if (text.charAt(k) != '`') {
          k++;
          continue;
        }
        int run = runLength(text, k, '`');
        int close = findClosingRun(text, k + run, run);
        if (close < 0) {
          k += run; // a literal run of backticks
          continue;
        }
        String code = text.substring(k + run, close).replace('\n', ' ');
        if (code.length() > 1 && code.startsWith(" ") && code.endsWith(" ")) {
          code = code.substring(1, code.length() - 1);
        }
        inlineCode.add(new Code(code, p[0] + 1 + count(text, '\n', k)));
        for (int x = k; x < close + run; x++) {
          if (prose.charAt(x) != '\n') {
            prose.setCharAt(x, ' ');
          }
        }
        k = close + run;
      }
      String visible = prose.toString();
      for (Pattern pattern : List.of(INLINE_LINK, HTML_LINK)) {
        Matcher m = pattern.matcher(visible);
        while (m.find()) {
          links.add(new Link(unbracket(m.group(1)), p[0] + 1 + count(visible, '\n', m.start())));
        }
      }
      String[] proseLines = visible.split("\n", -1);
      for (int x = 0; x < proseLines.length; x++) {
        Matcher definition = REFERENCE_DEFINITION.matcher(proseLines[x]);
        if (definition.find()) {
          links.add(new Link(unbracket(definition.group(1)), p[0] + 1 + x));
        }
        Matcher anchor = HTML_ANCHOR.matcher(proseLines[x]);
        while (anchor.find()) {
          explicitAnchors.add(anchor.group(1));
        }
      }
    }

    Set<String> anchors = new LinkedHashSet<>(explicitAnchors);
    Map<String, Integer> seen = new HashMap<>();
    for (String heading : headings) {
      String slug = githubSlug(heading);
      int n = seen.merge(slug, 1, Integer::sum) - 1;
      anchors.add(n == 0 ? slug : slug + "-" + n);
    }
    return new MarkdownDoc(
        file,
        name,
        List.copyOf(blocks),
        List.copyOf(inlineCode),
        List.copyOf(links),
        Set.copyOf(anchors));
  }

  /**
   * The anchor GitHub gives a heading: the rendered text lower-cased, every character that is not a
   * letter, digit, mark, connector ({@code _}), space or hyphen removed, spaces turned into hyphens
   * (github-slugger; repeated headings get {@code -1}, {@code -2} in {@link #read}).
   */
  static String githubSlug(String heading) {
    String rendered =
        heading
            .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // links and images: their text
            .replaceAll("<[^>]+>", ""); // inline HTML
    return rendered
        .trim()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
        .replace(' ', '-');
  }

  private static boolean closes(String line, String marker) {
    String t = line.trim();
    return t.length() >= marker.length()
        && t.chars().allMatch(c -> c == marker.charAt(0))
        && !t.isEmpty();
  }

  private static String stripIndent(String line, int indent) {
    int n = 0;
    while (n < indent && n < line.length() && line.charAt(n) == ' ') {
      n++;
    }
    return line.substring(n);
  }

  private static int runLength(String s, int from, char c) {
    int n = 0;
    while (from + n < s.length() && s.charAt(from + n) == c) {
      n++;
    }
    return n;
  }

  private static int findClosingRun(String s, int from, int length) {
    int k = from;
    while (k < s.length()) {
      if (s.charAt(k) == '`') {
        int run = runLength(s, k, '`');
        if (run == length) {
          return k;
        }
        k += run;
      } else {
        k++;
      }
    }
    return -1;
  }

  private static int count(String s, char c, int end) {
    int n = 0;
    for (int i = 0; i < end; i++) {
      if (s.charAt(i) == c) {
        n++;
      }
    }
    return n;
  }

  private static String unbracket(String destination) {
    return destination.startsWith("<") && destination.endsWith(">")
        ? destination.substring(1, destination.length() - 1)
        : destination;
  }
}
