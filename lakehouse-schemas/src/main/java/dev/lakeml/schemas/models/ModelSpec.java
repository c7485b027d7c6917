package dev.lakeml.schemas.models;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model to train: what it predicts, from which point-in-time training set, with which algorithm
 * and hyperparameter grid, validated how, and when a new version may replace the champion.
 *
 * @param features the columns to learn from; empty means every feature the training set has
 * @param grid each hyperparameter's candidate values (a single value is a one-point grid)
 * @param validateFrom rows whose spine time is on or after this date validate, earlier rows train:
 *     the past predicts the future, never a random split across time
 * @param metric the metric tuning maximises (or minimises, for log loss) and promotion compares
 * @param minImprovement how much better than the champion a challenger must be on that metric
 */
public record ModelSpec(
    String name,
    Algorithm.Task task,
    TrainingSetSpec trainingSet,
    List<String> features,
    Algorithm algorithm,
    Map<String, List<Number>> grid,
    LocalDate validateFrom,
    Metric metric,
    double minImprovement,
    long seed,
    String description) {

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
    Objects.requireNonNull(trainingSet, "trainingSet");
    features = List.copyOf(features);
    Objects.requireNonNull(algorithm, "algorithm");
    // Sorted: tuning candidates come out in the same order on every run.
    grid = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(grid));
    Objects.requireNonNull(validateFrom, "validateFrom");
    Objects.requireNonNull(metric, "metric");
    description = description == null ? "" : description;
  }

  public Optional<List<Number>> values(String param) {
    return Optional.ofNullable(grid.get(param));
  }
}
