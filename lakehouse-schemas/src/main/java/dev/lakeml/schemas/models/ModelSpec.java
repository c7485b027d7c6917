package dev.lakeml.schemas.models;

import dev.lakeml.schemas.monitoring.MonitoringSpec;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model to train: what it predicts, from which point-in-time training set, with which algorithm
 * and hyperparameter grid, validated how, and when a new version may replace the champion.
 *
 * @param trainingSet for classifiers: the labelled point-in-time training set (else null)
 * @param interactions for recommenders: the user-item events to learn from (else null)
 * @param features the columns to learn from; empty means every feature the training set has
 * @param grid each hyperparameter's candidate values (a single value is a one-point grid)
 * @param validateFrom rows whose spine time is on or after this date validate, earlier rows train:
 *     the past predicts the future, never a random split across time
 * @param metric the metric tuning maximises (or minimises, for log loss) and promotion compares
 * @param topK how many items a recommender returns per user, and the k of its metrics
 * @param minImprovement how much better than the champion a challenger must be on that metric
 * @param monitoring how the model is watched in production (drift thresholds)
 */
public record ModelSpec(
    String name,
    Algorithm.Task task,
    TrainingSetSpec trainingSet,
    Interactions interactions,
    List<String> features,
    Algorithm algorithm,
    Map<String, List<Number>> grid,
    LocalDate validateFrom,
    Metric metric,
    int topK,
    double minImprovement,
    long seed,
    String description,
    Map<String, Variant> variants,
    MonitoringSpec monitoring) {

  /**
   * Another estimator for the same model: trained with {@code lakeml train NAME --variant V} on the
   * same training set and split, registered as a version of the same model, and judged by the same
   * promotion rule, so that, say, a neural network can challenge a boosted-tree champion.
   */
  public record Variant(Algorithm algorithm, Map<String, List<Number>> grid) {
    public Variant {
      Objects.requireNonNull(algorithm, "algorithm");
      grid = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(grid));
    }
  }

  /** This spec with the named variant's algorithm and grid. */
  public ModelSpec withVariant(String variant) {
    Variant v = variants.get(variant);
    if (v == null) {
      throw new IllegalArgumentException(
          "model " + name + " has no variant '" + variant + "'; it declares " + variants.keySet());
    }
    return new ModelSpec(
        name,
        task,
        trainingSet,
        interactions,
        features,
        v.algorithm(),
        v.grid(),
        validateFrom,
        metric,
        topK,
        minImprovement,
        seed,
        description,
        Map.of(),
        monitoring);
  }

  /** How the model's training set is built: a declared label at cutoff dates. */
  public record TrainingSetSpec(
      String label,
      LocalDate from,
      LocalDate to,
      int everyDays,
      List<String> views,
      boolean asKnownAt) {
    public TrainingSetSpec {
      Objects.requireNonNull(label, "label");
      views = List.copyOf(views);
    }
  }

  /**
   * Implicit feedback for a recommender: rows of a silver table, each a user touching an item with
   * a weight (e.g. the quantity bought), at a time. Rows before {@code validateFrom} train; the
   * items each user touches from then until {@code to} are what the top-k list should contain.
   */
  public record Interactions(
      String source,
      String user,
      String item,
      String time,
      String weight,
      String where,
      LocalDate from,
      LocalDate to) {
    public Interactions {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(item, "item");
      Objects.requireNonNull(time, "time");
      weight = weight == null || weight.isBlank() ? "1" : weight;
      where = where == null || where.isBlank() ? "TRUE" : where;
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /** Metrics a model is judged by. */
  public enum Metric {
    AUC_ROC(true),
    AUC_PR(true),
    LOG_LOSS(false),
    PRECISION_AT_K(true),
    RECALL_AT_K(true),
    MAP_AT_K(true);

    public static final String ACCEPTED =
        "auc_roc, auc_pr, log_loss, precision_at_k, recall_at_k or map_at_k";

    private final boolean higherIsBetter;

    Metric(boolean higherIsBetter) {
      this.higherIsBetter = higherIsBetter;
    }

    public boolean higherIsBetter() {
      return higherIsBetter;
    }

    /** Whether this metric judges a top-k list rather than a probability. */
    public boolean ranking() {
      return this == PRECISION_AT_K || this == RECALL_AT_K || this == MAP_AT_K;
    }

    /** The metric's column name in {@code ml.run_metrics}: ranking metrics carry their k. */
    public String key(int k) {
      return ranking() ? yamlName().replace("_k", "_" + k) : yamlName();
    }

    public String yamlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Metric parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + text + "' is not a metric; expected " + ACCEPTED);
      }
    }

    /** Whether {@code candidate} beats {@code incumbent} by at least {@code margin}. */
    public boolean beats(double candidate, double incumbent, double margin) {
      return higherIsBetter ? candidate >= incumbent + margin : candidate <= incumbent - margin;
    }
  }

  public ModelSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    if ((trainingSet == null) == (interactions == null)) {
      throw new IllegalArgumentException(
          "model " + name + ": exactly one of a training set and interactions");
    }
    features = List.copyOf(features);
    Objects.requireNonNull(algorithm, "algorithm");
    // Sorted: tuning candidates come out in the same order on every run.
    grid = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(grid));
    Objects.requireNonNull(validateFrom, "validateFrom");
    Objects.requireNonNull(metric, "metric");
    description = description == null ? "" : description;
    variants = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(variants));
    monitoring = monitoring == null ? MonitoringSpec.DEFAULTS : monitoring;
  }

  public Optional<List<Number>> values(String param) {
    return Optional.ofNullable(grid.get(param));
  }
}
