package dev.lakeml.schemas.models;

import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.features.FeatureCatalog;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.features.RequestFeatureSpec;
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

  public static List<ModelSpec> read(ConfigNode root, FeatureCatalog catalog) {
    List<ModelSpec> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode n : root.optional("models").map(x -> x.list("models")).orElse(List.of())) {
      ModelSpec m = model(n, catalog);
      if (!names.add(m.name())) {
        throw n.error("model '" + m.name() + "' is declared twice");
      }
      out.add(m);
    }
    return out;
  }

  private static ModelSpec model(ConfigNode n, FeatureCatalog catalog) {
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
    List<String> views = new ArrayList<>();
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
      boolean ranking =
          metric == ModelSpec.Metric.PRECISION_AT_K
              || metric == ModelSpec.Metric.RECALL_AT_K
              || metric == ModelSpec.Metric.MAP_AT_K;
      if (ranking != (task == Algorithm.Task.RECOMMENDATION)) {
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
    long seed = n.optional("seed").map(s -> (long) s.integer("a whole number")).orElse(42L);
    String description = n.optionalString("description", "text").orElse("");
    n.finish();
    return new ModelSpec(
        name,
        task,
        new ModelSpec.TrainingSetSpec(labelName, from, to, every, views, asKnownAt),
        features,
        algorithm,
        grid,
        validateFrom,
        metric,
        minImprovement,
        seed,
        description);
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
