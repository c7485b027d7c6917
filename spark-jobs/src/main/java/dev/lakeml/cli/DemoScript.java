package dev.lakeml.cli;

import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.yaml.ConfigNode;
import dev.lakeml.schemas.yaml.YamlFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code lakeml demo} runs of a project and shows of it: the pipelines to run (declared in the
 * project, run as {@code lakeml run} runs them), then queries, a training set and online lookups,
 * read from {@code <project>.demo.yaml} beside the project (for {@code examples/online-retail},
 * {@code examples/online-retail.demo.yaml}). Nothing of the example is written in Java.
 *
 * @param runs the pipelines the demo runs, in order, each for one logical date
 * @param afterIngest queries shown after the runs
 * @param trainingSet a training set built after the features, if any
 * @param lookups keys looked up in the published snapshot
 * @param afterTraining queries shown at the end
 * @param requests requests sent to the serving API, started at the end
 */
record DemoScript(
    List<Run> runs,
    List<Query> afterIngest,
    Optional<TrainingSet> trainingSet,
    List<Lookup> lookups,
    List<Query> afterTraining,
    List<Request> requests) {

  /** {@code lakeml run PIPELINE --date D}. */
  record Run(String pipeline, LocalDate date) {}

  /** A query and what it shows. */
  record Query(String title, String sql) {}

  /** {@code lakeml training-set build NAME --label L --from F --to T --every Nd}, then a query. */
  record TrainingSet(
      String name, String label, LocalDate from, LocalDate to, int everyDays, String sql) {}

  /** A lookup of one key in one view of the snapshot; key values as text, in key order. */
  record Lookup(String title, String view, List<String> key) {}

  /**
   * A request to the serving API: GET {@code path}, or POST {@code body} (JSON) to it, with the
   * local read key.
   */
  record Request(String title, String path, Optional<String> body) {}

  static final DemoScript NONE =
      new DemoScript(List.of(), List.of(), Optional.empty(), List.of(), List.of(), List.of());

  /** Where the demo script of the project at {@code project} (a folder or a file) is. */
  static Path location(Path project) {
    Path p = project.toAbsolutePath().normalize();
    String name = p.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    return p.resolveSibling(name + ".demo.yaml");
  }

  /** The script of a project, or {@link #NONE} when it has none. */
  static DemoScript forProject(Path project) {
    Path file = location(project);
    return Files.isRegularFile(file) ? read(file) : NONE;
  }

  /**
   * Reads a script strictly.
   *
   * @throws dev.lakeml.schemas.yaml.ConfigException naming the file, line and key of a problem
   */
  static DemoScript read(Path file) {
    ConfigNode root = YamlFiles.read(file);
    List<Run> runs = new ArrayList<>();
    for (ConfigNode r :
        root.optional("runs").map(n -> n.list("a list of pipeline runs")).orElse(List.of())) {
      String pipeline = r.requiredIdentifier("pipeline", "a pipeline of the project");
      LocalDate date = date(r.required("date", "the logical date, yyyy-MM-dd"));
      r.finish();
      runs.add(new Run(pipeline, date));
    }
    List<Query> afterIngest = queries(root, "after_ingest");
    Optional<TrainingSet> set = root.optional("training_set").map(DemoScript::trainingSet);
    List<Lookup> lookups = new ArrayList<>();
    for (ConfigNode l :
        root.optional("lookups").map(n -> n.list("a list of lookups")).orElse(List.of())) {
      String title = l.requiredString("title", "what the lookup shows");
      String view = l.requiredString("view", "a view of the online snapshot");
      List<String> key = l.required("key", "the key values, in key order").stringList("key");
      l.finish();
      lookups.add(new Lookup(title, view, key));
    }
    List<Query> afterTraining = queries(root, "after_training");
    List<Request> requests = new ArrayList<>();
    for (ConfigNode r :
        root.optional("requests").map(n -> n.list("a list of API requests")).orElse(List.of())) {
      String title = r.requiredString("title", "what the request shows");
      ConfigNode pathNode = r.required("path", "a path of the serving API, /v1/...");
      String path = pathNode.string("a path of the serving API, /v1/...");
      if (!path.startsWith("/v1/")) {
        throw pathNode.error("expected a path of the serving API, /v1/..., found '" + path + "'");
      }
      Optional<String> body = r.optionalString("body", "a JSON request body");
      r.finish();
      requests.add(new Request(title, path, body));
    }
    root.finish();
    return new DemoScript(runs, afterIngest, set, lookups, afterTraining, requests);
  }

  private static List<Query> queries(ConfigNode root, String key) {
    List<Query> out = new ArrayList<>();
    for (ConfigNode q :
        root.optional(key).map(n -> n.list("a list of queries")).orElse(List.of())) {
      String title = q.requiredString("title", "what the query shows");
      String sql = q.requiredString("sql", "a Spark SQL query");
      q.finish();
      out.add(new Query(title, sql));
    }
    return out;
  }

  private static TrainingSet trainingSet(ConfigNode n) {
    String name = n.requiredIdentifier("name", "training set name");
    String label = n.requiredIdentifier("label", "a declared label");
    LocalDate from = date(n.required("from", "the first cutoff, yyyy-MM-dd"));
    LocalDate to = date(n.required("to", "the last cutoff, yyyy-MM-dd"));
    ConfigNode everyNode = n.required("every", "days between cutoffs, e.g. 30d");
    Duration every = everyNode.build(() -> Durations.parse(everyNode.string("a duration")));
    if (every.isZero() || every.toSeconds() % 86_400 != 0) {
      throw everyNode.error("expected whole days, e.g. 30d");
    }
    String sql = n.requiredString("sql", "a query over the training set");
    n.finish();
    if (to.isBefore(from)) {
      throw n.error("to " + to + " is before from " + from);
    }
    return new TrainingSet(name, label, from, to, (int) every.toDays(), sql);
  }

  private static LocalDate date(ConfigNode n) {
    String text = n.string("a date, yyyy-MM-dd");
    try {
      return LocalDate.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw n.error("expected a date, yyyy-MM-dd, found '" + text + "'");
    }
  }
}
