package dev.lakeml.schemas.models;

import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.features.FeatureCatalog;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.features.RequestFeatureSpec;
import dev.lakeml.schemas.monitoring.AlertPolicy;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.monitoring.MonitoringSpec;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.yaml.ConfigNode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads {@code models:} from the project file and checks each spec against the features. */
public final class ModelLoader {
  private ModelLoader() {}

  public static List<ModelSpec> read(
      ConfigNode root, FeatureCatalog catalog, List<SourceSpec> sources) {
    List<ModelSpec> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode n : root.optional("models").map(x -> x.list("models")).orElse(List.of())) {
      ModelSpec m = model(n, catalog, sources);
      if (!names.add(m.name())) {
        throw n.error("model '" + m.name() + "' is declared twice");
      }
      out.add(m);
    }
    return out;
  }

  private static ModelSpec model(ConfigNode n, FeatureCatalog catalog, List<SourceSpec> sources) {
    String name = n.requiredIdentifier("name", "model name");
    ConfigNode taskNode = n.required("task", Algorithm.Task.ACCEPTED);
    Algorithm.Task task = parse(taskNode, () -> Algorithm.Task.parse(taskNode.string("a task")));
    ConfigNode algNode = n.required("algorithm", Algorithm.ACCEPTED);
    Algorithm algorithm = parse(algNode, () -> Algorithm.parse(algNode.string("an algorithm")));
    if (algorithm.task() != task) {
      throw algNode.error(
          algorithm.yamlName()
              + " learns "
              + algorithm.task().name().toLowerCase(java.util.Locale.ROOT)
              + ", not "
              + task.name().toLowerCase(java.util.Locale.ROOT));
    }

    ModelSpec.TrainingSetSpec trainingSet = null;
    ModelSpec.Interactions interactions = null;
    List<String> views = new ArrayList<>();
    LocalDate from;
    LocalDate to;
    if (task == Algorithm.Task.RECOMMENDATION) {
      if (n.optional("training_set").isPresent()) {
        throw n.required("training_set", "")
            .error("a recommender learns from 'interactions', not a labelled training set");
      }
      interactions = interactions(n, sources);
      from = interactions.from();
      to = interactions.to();
    } else {
      trainingSet = trainingSet(n, catalog, views);
      from = trainingSet.from();
      to = trainingSet.to();
    }

    // Features: of the chosen views (all views if none are named) or request features.
    Set<String> available = new TreeSet<>();
    for (FeatureViewSpec v : catalog.views()) {
      if (views.isEmpty() || views.contains(v.name())) {
        v.features().stream().map(FeatureSpec::name).forEach(available::add);
      }
    }
    catalog.requestFeatures().stream().map(RequestFeatureSpec::name).forEach(available::add);
    List<String> features = new ArrayList<>();
    for (ConfigNode f :
        n.optional("features").map(x -> x.list("feature names")).orElse(List.of())) {
      String feature = f.string("a feature name");
      if (!available.contains(feature)) {
        throw f.error("unknown feature '" + feature + "'; the training set can have " + available);
      }
      features.add(feature);
    }

    Map<String, List<Number>> grid = grid(n, algorithm);
    Map<String, ModelSpec.Variant> variants = new LinkedHashMap<>();
    n.optional("variants")
        .ifPresent(
            vs -> {
              for (String key : vs.keys()) {
                ConfigNode v = vs.required(key, "algorithm and params");
                if (!key.matches("[a-z][a-z0-9_]*")) {
                  throw v.error("variant name '" + key + "' must be lower_snake_case");
                }
                ConfigNode a = v.required("algorithm", Algorithm.ACCEPTED);
                Algorithm alg = parse(a, () -> Algorithm.parse(a.string("an algorithm")));
                if (alg.task() != task) {
                  throw a.error(
                      alg.yamlName()
                          + " learns "
                          + alg.task().name().toLowerCase(java.util.Locale.ROOT)
                          + ", not "
                          + task.name().toLowerCase(java.util.Locale.ROOT));
                }
                variants.put(key, new ModelSpec.Variant(alg, grid(v, alg)));
                v.finish();
              }
              vs.finish();
            });

    LocalDate validateFrom;
    ConfigNode split =
        n.required("split", "validate_from: the first date of the validation window");
    validateFrom = date(split, "validate_from");
    if (!validateFrom.isAfter(from) || validateFrom.isAfter(to)) {
      throw split
          .required("validate_from", "")
          .error(
              "validate_from "
                  + validateFrom
                  + " must be after 'from' ("
                  + from
                  + ") and not after 'to' ("
                  + to
                  + "): the past trains, a later window validates");
    }
    split.finish();

    ModelSpec.Metric metric =
        task == Algorithm.Task.RECOMMENDATION ? ModelSpec.Metric.MAP_AT_K : ModelSpec.Metric.AUC_PR;
    if (n.optional("metric").isPresent()) {
      ConfigNode m = n.required("metric", ModelSpec.Metric.ACCEPTED);
      metric = parse(m, () -> ModelSpec.Metric.parse(m.string(ModelSpec.Metric.ACCEPTED)));
      if (metric.ranking() != (task == Algorithm.Task.RECOMMENDATION)) {
        throw m.error(
            metric.yamlName()
                + " does not measure "
                + task.name().toLowerCase(java.util.Locale.ROOT));
      }
    }
    double minImprovement = 0;
    if (n.optional("promotion").isPresent()) {
      ConfigNode p = n.required("promotion", "min_improvement");
      ConfigNode mi = p.required("min_improvement", "a number >= 0");
      minImprovement =
          parse(
              mi,
              () -> {
                double v = Double.parseDouble(mi.string("a number >= 0"));
                if (v < 0 || Double.isNaN(v)) {
                  throw new IllegalArgumentException("min_improvement must be >= 0");
                }
                return v;
              });
      p.finish();
    }
    int topK = 10;
    if (n.optional("top_k").isPresent()) {
      ConfigNode k = n.required("top_k", "a whole number from 1 to 1000");
      if (task != Algorithm.Task.RECOMMENDATION) {
        throw k.error("top_k applies to recommenders only");
      }
      topK = k.integer("a whole number from 1 to 1000");
      if (topK < 1 || topK > 1000) {
        throw k.error("top_k must be from 1 to 1000, not " + topK);
      }
    }
    long seed = n.optional("seed").map(s -> (long) s.integer("a whole number")).orElse(42L);
    String description = n.optionalString("description", "text").orElse("");
    Set<String> monitored = new TreeSet<>(features.isEmpty() ? available : features);
    monitored.add(SCORE);
    MonitoringSpec monitoring =
        n.optional("monitoring").map(m -> monitoring(m, monitored)).orElse(MonitoringSpec.DEFAULTS);
    n.finish();
    return new ModelSpec(
        name,
        task,
        trainingSet,
        interactions,
        features,
        algorithm,
        grid,
        validateFrom,
        metric,
        topK,
        minImprovement,
        seed,
        description,
        variants,
        monitoring);
  }

  /** The column name of a model's output in {@code monitoring:}. */
  public static final String SCORE = "score";

  private static MonitoringSpec monitoring(ConfigNode n, Set<String> columns) {
    Map<DriftStatistic, Double> thresholds = new LinkedHashMap<>();
    Map<String, Map<DriftStatistic, Double>> byColumn = new LinkedHashMap<>();
    n.optional("drift")
        .ifPresent(
            drift -> {
              drift.optional("thresholds").ifPresent(t -> thresholds.putAll(thresholds(t)));
              drift
                  .optional("columns")
                  .ifPresent(
                      cs -> {
                        for (String column : cs.keys()) {
                          ConfigNode c = cs.required(column, "thresholds of the column");
                          if (!columns.contains(column)) {
                            throw c.error(
                                "'"
                                    + column
                                    + "' is not an input of this model; monitored columns are "
                                    + columns);
                          }
                          byColumn.put(column, thresholds(c));
                        }
                        cs.finish();
                      });
              drift.finish();
            });
    AlertPolicy alerts = n.optional("alerts").map(ModelLoader::alerts).orElse(AlertPolicy.DEFAULTS);
    n.finish();
    return new MonitoringSpec(thresholds, byColumn, alerts);
  }

  private static AlertPolicy alerts(ConfigNode n) {
    AlertPolicy d = AlertPolicy.DEFAULTS;
    java.util.Set<DriftStatistic> statistics = new java.util.LinkedHashSet<>(d.driftStatistics());
    int[] columnsAndDays = {d.driftColumns(), d.driftDays()};
    java.util.Optional<String> metric = d.performanceMetric();
    double maxDrop = d.maxDrop();
    java.time.Duration cooldown = d.cooldown();
    if (n.optional("drift").isPresent()) {
      ConfigNode drift = n.required("drift", "statistics, columns, days");
      if (drift.optional("statistics").isPresent()) {
        statistics.clear();
        for (ConfigNode s : drift.required("statistics", "").list("drift statistics")) {
          String name = s.string("a drift statistic");
          statistics.add(
              DriftStatistic.find(name)
                  .orElseThrow(
                      () ->
                          s.error(
                              "'"
                                  + name
                                  + "' is not a drift statistic; expected one of "
                                  + DriftStatistic.ACCEPTED)));
        }
      }
      columnsAndDays[0] = atLeastOne(drift, "columns", columnsAndDays[0]);
      columnsAndDays[1] = atLeastOne(drift, "days", columnsAndDays[1]);
      drift.finish();
    }
    if (n.optional("performance").isPresent()) {
      ConfigNode p = n.required("performance", "metric, max_drop");
      if (p.optional("metric").isPresent()) {
        ConfigNode m = p.required("metric", "auc_roc, auc_pr or log_loss");
        String text = m.string("auc_roc, auc_pr or log_loss").trim();
        if (!AlertPolicy.METRICS.contains(text)) {
          throw m.error(
              "'"
                  + text
                  + "' is not a metric an alert can watch; expected auc_roc, auc_pr or log_loss");
        }
        metric = java.util.Optional.of(text);
      }
      if (p.optional("max_drop").isPresent()) {
        ConfigNode m = p.required("max_drop", "a number >= 0");
        maxDrop = m.finite("a number >= 0");
        if (maxDrop < 0) {
          throw m.error("max_drop must be >= 0, not " + maxDrop);
        }
      }
      p.finish();
    }
    if (n.optional("cooldown").isPresent()) {
      ConfigNode c = n.required("cooldown", Durations.EXPECTED);
      cooldown = parse(c, () -> Durations.parse(c.string(Durations.EXPECTED)));
    }
    n.finish();
    return new AlertPolicy(
        statistics, columnsAndDays[0], columnsAndDays[1], metric, maxDrop, cooldown);
  }

  private static int atLeastOne(ConfigNode n, String key, int fallback) {
    if (n.optional(key).isEmpty()) {
      return fallback;
    }
    ConfigNode v = n.required(key, "a whole number >= 1");
    int value = v.integer("a whole number >= 1");
    if (value < 1) {
      throw v.error("'" + key + "' must be at least 1, not " + value);
    }
    return value;
  }

  private static Map<DriftStatistic, Double> thresholds(ConfigNode n) {
    Map<DriftStatistic, Double> out = new java.util.EnumMap<>(DriftStatistic.class);
    for (String key : n.keys()) {
      ConfigNode value = n.required(key, "a number, or off");
      DriftStatistic statistic =
          DriftStatistic.find(key)
              .orElseThrow(
                  () ->
                      value.error(
                          "'"
                              + key
                              + "' is not a drift statistic; expected one of "
                              + DriftStatistic.ACCEPTED));
      String text = value.string("a number, or off").trim();
      out.put(statistic, text.equals("off") ? Double.NaN : value.finite("a number, or off"));
    }
    n.finish();
    return out;
  }

  private static Map<String, List<Number>> grid(ConfigNode n, Algorithm algorithm) {
    Map<String, List<Number>> grid = new LinkedHashMap<>();
    n.optional("params")
        .ifPresent(
            params -> {
              for (String key : params.keys()) {
                Algorithm.Domain domain = algorithm.params().get(key);
                ConfigNode value = params.required(key, "a value or a list of values");
                if (domain == null) {
                  throw value.error(
                      "'"
                          + key
                          + "' is not a parameter of "
                          + algorithm.yamlName()
                          + "; expected one of "
                          + new TreeSet<>(algorithm.params().keySet()));
                }
                List<ConfigNode> items = value.isList() ? value.list("values") : List.of(value);
                if (items.isEmpty()) {
                  throw value.error("'" + key + "' has no values");
                }
                List<Number> values = new ArrayList<>();
                for (ConfigNode item : items) {
                  values.add(parse(item, () -> domain.check(item.string(domain.toString()))));
                }
                grid.put(key, values);
              }
              params.finish();
            });

    return grid;
  }

  private static ModelSpec.TrainingSetSpec trainingSet(
      ConfigNode n, FeatureCatalog catalog, List<String> views) {
    ConfigNode ts = n.required("training_set", "label, from, to (and every, views)");
    String labelName = ts.requiredString("label", "a declared label");
    LabelSpec label =
        catalog.labels().stream()
            .filter(l -> l.name().equals(labelName))
            .findFirst()
            .orElseThrow(
                () ->
                    ts.required("label", "")
                        .error(
                            "unknown label '"
                                + labelName
                                + "'; the project declares "
                                + catalog.labels().stream().map(LabelSpec::name).toList()));
    LocalDate from = date(ts, "from");
    LocalDate to = date(ts, "to");
    if (to.isBefore(from)) {
      throw ts.required("to", "").error("'to' " + to + " is before 'from' " + from);
    }
    int every = 7;
    if (ts.optional("every").isPresent()) {
      ConfigNode e = ts.required("every", Durations.EXPECTED);
      Duration d = parse(e, () -> Durations.parse(e.string(Durations.EXPECTED)));
      if (d.isZero() || d.toSeconds() % 86_400 != 0) {
        throw e.error("'every' must be whole days, e.g. 7d");
      }
      every = (int) d.toDays();
    }
    for (ConfigNode v :
        ts.optional("views").map(x -> x.list("feature view names")).orElse(List.of())) {
      String view = v.string("a feature view name");
      if (catalog.view(view).isEmpty()) {
        throw v.error(
            "unknown feature view '"
                + view
                + "'; the project declares "
                + catalog.views().stream().map(FeatureViewSpec::name).toList());
      }
      views.add(view);
    }
    boolean asKnownAt = ts.optionalBool("as_known_at", "true or false").orElse(false);
    ts.finish();
    return new ModelSpec.TrainingSetSpec(labelName, from, to, every, views, asKnownAt);
  }

  private static ModelSpec.Interactions interactions(ConfigNode n, List<SourceSpec> sources) {
    ConfigNode in =
        n.required("interactions", "source, user, item, time (and weight, where), from, to");
    ConfigNode sourceNode = in.required("source", "a declared source");
    String source = in.requiredString("source", "a declared source");
    if (sources.stream().noneMatch(s -> s.name().equals(source))) {
      throw sourceNode.error(
          "unknown source '"
              + source
              + "'; the project declares "
              + sources.stream().map(SourceSpec::name).toList());
    }
    String user = in.requiredString("user", "the user column");
    String item = in.requiredString("item", "the item column");
    String time = in.requiredString("time", "the event time column");
    String weight = in.optionalString("weight", "a SQL expression").orElse("1");
    String where = in.optionalString("where", "a SQL condition").orElse("TRUE");
    LocalDate from = date(in, "from");
    LocalDate to = date(in, "to");
    if (to.isBefore(from)) {
      throw in.required("to", "").error("'to' " + to + " is before 'from' " + from);
    }
    in.finish();
    return new ModelSpec.Interactions(source, user, item, time, weight, where, from, to);
  }

  private static LocalDate date(ConfigNode n, String key) {
    ConfigNode d = n.required(key, "a date, yyyy-MM-dd");
    try {
      return LocalDate.parse(d.string("a date, yyyy-MM-dd").trim());
    } catch (DateTimeParseException e) {
      throw d.error("'" + d.string("a date") + "' is not a date; expected yyyy-MM-dd");
    }
  }

  private static <T> T parse(ConfigNode n, java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }
}
