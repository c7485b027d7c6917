package dev.lakeml.docs;

import dev.lakeml.cli.LakemlCli;
import dev.lakeml.docs.ShellWords.Word;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What the {@code lakeml} command accepts, and a check of a command line shown in the docs against
 * it: picocli's model of {@link LakemlCli} for the subcommands and their options (mixins and
 * inherited options included); {@code serve} also takes the serving API's options, which it passes
 * through.
 *
 * <p>Recognised forms: {@code lakeml ...}, {@code ./lakeml ...} (any path ending in {@code
 * /lakeml}), {@code spark-submit ... --class dev.lakeml.cli.LakemlCli <jar> ...}, {@code java ...
 * dev.lakeml.cli.LakemlCli ...} and {@code java -jar .../serving-api-*.jar ...}; after {@code |} a
 * sibling subcommand ({@code lakeml tables list | describe T}) is checked too, anything else is
 * taken for a real pipe.
 */
final class DocCommands {
  private static final String MAIN_CLASS = "dev.lakeml.cli.LakemlCli";
  private static final Pattern SERVING_ENTRY = Pattern.compile("new Entry\\(\\s*\"([a-z0-9-]+)\"");
  private static final Pattern ENV_ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

  /**
   * Programs a lakeml command's output may be piped into; any other word after `|` is a sibling.
   */
  private static final Set<String> PIPE_PROGRAMS =
      Set.of(
          "grep", "egrep", "head", "tail", "jq", "less", "more", "sort", "uniq", "wc", "tee",
          "column", "cut", "awk", "sed", "xargs", "cat", "tr", "python3", "python");

  private static final Set<String> PREFIXES = Set.of("$", "time", "sudo", "exec", "nohup", "env");

  private final CommandSpec root;
  private final Set<String> everyOption;

  /** Commands the script runs itself: name → the options they take (empty: not checked). */
  private final Set<String> servingOptions;

  private DocCommands(CommandSpec root, Set<String> servingOptions) {
    this.root = root;
    this.servingOptions = servingOptions;
    this.everyOption = new TreeSet<>();
    collectOptions(root, everyOption);
    everyOption.addAll(servingOptions);
  }

  static DocCommands load(Path repoRoot) {
    CommandSpec root = new CommandLine(new LakemlCli()).getCommandSpec();
    return new DocCommands(root, servingOptions(repoRoot));
  }

  /** The problems with the lakeml commands on one (already joined) shell line; empty if none. */
  List<String> check(String line) {
    List<String> problems = new ArrayList<>();
    for (List<Word> command : splitCommands(ShellWords.split(line))) {
      List<List<Word>> segments = splitPipes(command);
      Optional<CommandSpec> resolved = checkFirstSegment(segments.get(0), problems);
      for (List<Word> segment : segments.subList(1, segments.size())) {
        CommandSpec parent = resolved.map(CommandSpec::parent).orElse(null);
        if (parent == null || segment.isEmpty() || PIPE_PROGRAMS.contains(segment.get(0).text())) {
          break; // a real pipe into another program
        }
        // The docs' "or": `lakeml tables list | describe T` is a sibling subcommand.
        resolved = Optional.of(walk(parent, segment, problems));
      }
    }
    return problems;
  }

  /** Whether the line runs lakeml (or the serving API) in one of the recognised forms. */
  boolean isLakemlCommand(String line) {
    for (List<Word> command : splitCommands(ShellWords.split(line))) {
      List<Word> rest = withoutPrefixes(splitPipes(command).get(0));
      if (rest.isEmpty()) {
        continue;
      }
      String first = rest.get(0).text();
      if (first.equals("lakeml")
          || first.endsWith("/lakeml")
          || indexOf(rest, MAIN_CLASS) >= 0
          || (first.equals("java")
              && rest.stream().anyMatch(w -> w.text().matches(".*serving-api[^/]*\\.jar")))) {
        return true;
      }
    }
    return false;
  }

  private static List<Word> withoutPrefixes(List<Word> words) {
    int start = 0;
    while (start < words.size()
        && !words.get(start).quoted()
        && (PREFIXES.contains(words.get(start).text())
            || ENV_ASSIGNMENT.matcher(words.get(start).text()).matches())) {
      start++;
    }
    return words.subList(start, words.size());
  }

  private Optional<CommandSpec> checkFirstSegment(List<Word> words, List<String> problems) {
    List<Word> rest = withoutPrefixes(words);
    if (rest.isEmpty()) {
      return Optional.empty();
    }
    String first = rest.get(0).text();
    if (first.equals("lakeml") || first.endsWith("/lakeml")) {
      return Optional.of(walk(root, rest.subList(1, rest.size()), problems));
    }
    int main = indexOf(rest, MAIN_CLASS);
    if (main >= 0) {
      int args = main + 1;
      if (main > 0 && rest.get(main - 1).text().equals("--class")) {
        // spark-submit: lakeml's arguments follow the application jar.
        args = rest.size();
        for (int i = main + 1; i < rest.size(); i++) {
          if (rest.get(i).text().endsWith(".jar") && !rest.get(i - 1).text().equals("--jars")) {
            args = i + 1;
            break;
          }
        }
      }
      return Optional.of(walk(root, rest.subList(args, rest.size()), problems));
    }
    int jar = indexOf(rest, "-jar");
    if (first.equals("java")
        && jar >= 0
        && jar + 1 < rest.size()
        && rest.get(jar + 1).text().matches(".*serving-api[^/]*\\.jar")) {
      checkOptions(
          "java -jar serving-api.jar",
          servingOptions,
          rest.subList(jar + 2, rest.size()),
          problems);
    }
    return Optional.empty();
  }

  /** Follows subcommands from {@code start} and checks every option against where it lands. */
  private CommandSpec walk(CommandSpec start, List<Word> args, List<String> problems) {
    CommandSpec cmd = start;
    boolean pastSubcommands = false;
    boolean unknownCommand = false; // a placeholder stood where a subcommand goes
    for (int i = 0; i < args.size(); i++) {
      Word w = args.get(i);
      String t = w.quoted() ? w.text() : unbracket(w.text());
      if (w.operator()) {
        continue;
      }
      if (isRedirection(w)) {
        if (w.text().matches("\\d*(>>?|<)")) {
          i++; // `> file`: the file is not an argument
        }
        continue;
      }
      if (!w.quoted() && t.equals("--")) {
        break;
      }
      if (!w.quoted() && isOption(t)) {
        if (unknownCommand) {
          for (String name : optionNames(t)) {
            if (!everyOption.contains(name)) {
              problems.add("`" + name + "` is not an option of any lakeml command");
            }
          }
          continue;
        }
        i += checkOption(cmd, t, args, i, problems);
        continue;
      }
      if (pastSubcommands || cmd.subcommands().isEmpty()) {
        pastSubcommands = true;
        continue;
      }
      if (isPlaceholder(w, t)) {
        unknownCommand = true;
        pastSubcommands = true;
        continue;
      }
      CommandLine sub = cmd.subcommands().get(t);
      if (sub != null) {
        cmd = sub.getCommandSpec();
        continue;
      }
      if (cmd.positionalParameters().isEmpty()) {
        problems.add(
            "`"
                + cmd.qualifiedName()
                + "` has no subcommand `"
                + t
                + "` (it has: "
                + String.join(", ", subcommandNames(cmd))
                + ")");
        return cmd;
      }
      pastSubcommands = true;
    }
    return cmd;
  }

  /** Checks one option word; returns how many following words it consumed as values. */
  private int checkOption(
      CommandSpec cmd, String word, List<Word> args, int index, List<String> problems) {
    List<String> names = optionNames(word);
    for (int k = 0; k < names.size(); k++) {
      OptionSpec option = cmd.findOption(names.get(k));
      if (option == null && !cmd.unmatchedArgsBindings().isEmpty()) {
        // `lakeml serve` passes the serving API's own options (and --help) through.
        String name = names.get(k);
        if (name.equals("--help") || name.equals("-h")) {
          return 0;
        }
        if (servingOptions.contains(name)) {
          return word.contains("=") ? 0 : 1;
        }
      }
      if (option == null) {
        problems.add(
            "`"
                + names.get(k)
                + "` is not an option of `"
                + cmd.qualifiedName()
                + "` (it takes: "
                + String.join(", ", optionNamesOf(cmd))
                + (cmd.unmatchedArgsBindings().isEmpty()
                    ? ""
                    : "; and the serving API's: "
                        + String.join(", ", new TreeSet<>(servingOptions)))
                + ")");
        // Its value, if it has one, must not be mistaken for a subcommand.
        if (index + 1 < args.size()) {
          Word next = args.get(index + 1);
          if (!isOption(next.text()) && !cmd.subcommands().containsKey(next.text())) {
            return 1;
          }
        }
        return 0;
      }
      int arity = option.arity().min();
      if (arity > 0) {
        boolean attached = word.contains("=") || k < names.size() - 1;
        return attached ? 0 : arity;
      }
    }
    return 0;
  }

  private static void checkOptions(
      String command, Set<String> accepted, List<Word> args, List<String> problems) {
    for (Word w : args) {
      String t = unbracket(w.text());
      if (w.quoted() || w.operator() || !isOption(t)) {
        continue;
      }
      for (String name : optionNames(t)) {
        if (!accepted.contains(name)) {
          problems.add(
              "`"
                  + name
                  + "` is not an option of `"
                  + command
                  + "` (it takes: "
                  + String.join(", ", new TreeSet<>(accepted))
                  + ")");
        }
      }
    }
  }

  /** {@code --date=D} → {@code --date}; {@code -qv} → {@code -q}, {@code -v}. */
  private static List<String> optionNames(String word) {
    if (word.startsWith("--")) {
      int eq = word.indexOf('=');
      return List.of(eq < 0 ? word : word.substring(0, eq));
    }
    return word.substring(1).chars().mapToObj(c -> "-" + (char) c).toList();
  }

  private static boolean isOption(String t) {
    return (t.startsWith("--") && t.length() > 2 && Character.isLetter(t.charAt(2)))
        || t.matches("-[A-Za-z]+");
  }

  /** A word that stands for a value the reader supplies: MODEL, <model>, "...", $D, a|b. */
  private static boolean isPlaceholder(Word w, String t) {
    return w.quoted()
        || !t.equals(w.text()) // was in [brackets]
        || t.contains("$")
        || t.contains("...")
        || t.contains("…")
        || t.contains("|")
        || t.matches("<.*>")
        || t.matches("[A-Z][A-Z0-9_]*");
  }

  private static boolean isRedirection(Word w) {
    return !w.quoted() && w.text().matches("\\d*(>>?|<)(&\\d+)?.*") && !w.text().matches("<\\w.*>");
  }

  private static String unbracket(String t) {
    return t.replaceAll("^[\\[(]+", "").replaceAll("[\\])]+$", "");
  }

  private static List<List<Word>> splitCommands(List<Word> words) {
    List<List<Word>> commands = new ArrayList<>();
    List<Word> current = new ArrayList<>();
    for (Word w : words) {
      if (w.operator() && !w.text().equals("|")) {
        commands.add(current);
        current = new ArrayList<>();
      } else {
        current.add(w);
      }
    }
    commands.add(current);
    return commands.stream().filter(c -> !c.isEmpty()).toList();
  }

  private static List<List<Word>> splitPipes(List<Word> command) {
    List<List<Word>> segments = new ArrayList<>();
    List<Word> current = new ArrayList<>();
    for (Word w : command) {
      if (w.operator()) {
        segments.add(current);
        current = new ArrayList<>();
      } else {
        current.add(w);
      }
    }
    segments.add(current);
    return segments;
  }

  private static int indexOf(List<Word> words, String text) {
    for (int i = 0; i < words.size(); i++) {
      if (words.get(i).text().equals(text)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> subcommandNames(CommandSpec cmd) {
    return cmd.subcommands().keySet().stream().sorted().toList();
  }

  private static List<String> optionNamesOf(CommandSpec cmd) {
    return cmd.options().stream()
        .map(o -> String.join("/", o.names()))
        .distinct()
        .sorted()
        .toList();
  }

  private static void collectOptions(CommandSpec cmd, Set<String> into) {
    for (OptionSpec o : cmd.options()) {
      into.addAll(List.of(o.names()));
    }
    for (CommandLine sub : cmd.subcommands().values()) {
      collectOptions(sub.getCommandSpec(), into);
    }
  }

  /** The serving API's options: its {@code new Entry("name", ...)} table, plus --help. */
  private static Set<String> servingOptions(Path repoRoot) {
    Path sources = repoRoot.resolve("serving-api/src/main/java");
    Set<String> options = new TreeSet<>();
    if (Files.isDirectory(sources)) {
      try (Stream<Path> files = Files.walk(sources)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = SERVING_ENTRY.matcher(read(f));
          while (m.find()) {
            options.add("--" + m.group(1));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + sources, e);
      }
    }
    if (options.isEmpty()) {
      throw new AssertionError(
          "found no serving API options (`new Entry(\"name\", ...)` under "
              + sources
              + "); the docs test reads them to check `lakeml serve` flags: point"
              + " DocCommands.servingOptions at where they are defined now");
    }
    options.add("--help");
    options.add("-h");
    return options.stream().collect(Collectors.toUnmodifiableSet());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
