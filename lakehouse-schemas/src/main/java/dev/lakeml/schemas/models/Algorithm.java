package dev.lakeml.schemas.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The estimators a model spec can name, the task each serves, and the domain of every
 * hyperparameter it accepts, so that a typo or an impossible value is refused when the project is
 * loaded rather than an hour into a tuning run.
 */
public enum Algorithm {
  XGBOOST(
      Task.BINARY_CLASSIFICATION,
      Map.of(
          "max_depth", Domain.integer(1, 20),
          "eta", Domain.real(0, false, 1, true),
          "num_round", Domain.integer(1, 5000),
          "subsample", Domain.real(0, false, 1, true),
          "colsample_bytree", Domain.real(0, false, 1, true),
          "min_child_weight", Domain.real(0, true, Double.MAX_VALUE, true),
          "lambda", Domain.real(0, true, Double.MAX_VALUE, true),
          "alpha", Domain.real(0, true, Double.MAX_VALUE, true))),
  GBT(
      Task.BINARY_CLASSIFICATION,
      Map.of(
          "max_depth", Domain.integer(1, 30),
          "max_iter", Domain.integer(1, 5000),
          "step_size", Domain.real(0, false, 1, true),
          "subsampling_rate", Domain.real(0, false, 1, true))),
  LOGISTIC_REGRESSION(
      Task.BINARY_CLASSIFICATION,
      Map.of(
          "reg_param", Domain.real(0, true, Double.MAX_VALUE, true),
          "elastic_net_param", Domain.real(0, true, 1, true),
          "max_iter", Domain.integer(1, 10_000))),
  ALS(
      Task.RECOMMENDATION,
      Map.of(
          "rank", Domain.integer(1, 1000),
          "reg_param", Domain.real(0, true, Double.MAX_VALUE, true),
          "max_iter", Domain.integer(1, 1000),
          "alpha", Domain.real(0, true, Double.MAX_VALUE, true))),
  MLP(
      Task.BINARY_CLASSIFICATION,
      Map.of(
          "hidden", Domain.integer(1, 4096),
          "epochs", Domain.integer(1, 1000),
          "learning_rate", Domain.real(0, false, 1, true),
          "batch_size", Domain.integer(1, 65_536)));

  public static final String ACCEPTED = "xgboost, gbt, logistic_regression, als or mlp";

  private final Task task;
  private final Map<String, Domain> params;

  Algorithm(Task task, Map<String, Domain> params) {
    this.task = task;
    this.params = new LinkedHashMap<>(params);
  }

  public Task task() {
    return task;
  }

  public Map<String, Domain> params() {
    return params;
  }

  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Algorithm parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an algorithm; expected " + ACCEPTED);
    }
  }

  /** What a model predicts. */
  public enum Task {
    BINARY_CLASSIFICATION,
    REGRESSION,
    RECOMMENDATION;

    public static final String ACCEPTED = "binary_classification, regression or recommendation";

    public static Task parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + text + "' is not a task; expected " + ACCEPTED);
      }
    }
  }

  /** The values a hyperparameter may take. */
  public record Domain(
      boolean integral, double min, boolean minInclusive, double max, boolean maxInclusive) {
    static Domain integer(long min, long max) {
      return new Domain(true, min, true, max, true);
    }

    static Domain real(double min, boolean minInclusive, double max, boolean maxInclusive) {
      return new Domain(false, min, minInclusive, max, maxInclusive);
    }

    /** The value as a number of this domain; throws IllegalArgumentException saying why not. */
    public Number check(String text) {
      double v;
      try {
        v = Double.parseDouble(text.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "' is not a number; expected " + this);
      }
      if (integral && v != Math.rint(v)) {
        throw new IllegalArgumentException(
            "'" + text + "' is not a whole number; expected " + this);
      }
      boolean low = minInclusive ? v >= min : v > min;
      boolean high = maxInclusive ? v <= max : v < max;
      if (!low || !high) {
        throw new IllegalArgumentException("'" + text + "' is outside " + this);
      }
      return integral ? (Number) (long) v : (Number) v;
    }

    @Override
    public String toString() {
      String lo = integral ? String.valueOf((long) min) : String.valueOf(min);
      String hi =
          max == Double.MAX_VALUE
              ? "∞"
              : integral ? String.valueOf((long) max) : String.valueOf(max);
      return (integral ? "a whole number in " : "a number in ")
          + (minInclusive ? "[" : "(")
          + lo
          + ", "
          + hi
          + (maxInclusive && max != Double.MAX_VALUE ? "]" : ")");
    }
  }

  /** Every combination of the grid, in a stable order (first parameter varies slowest). */
  public static List<Map<String, Number>> combinations(Map<String, List<Number>> grid) {
    List<Map<String, Number>> out = new java.util.ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<Number>> e : grid.entrySet()) {
      List<Map<String, Number>> next = new java.util.ArrayList<>();
      for (Map<String, Number> partial : out) {
        for (Number v : e.getValue()) {
          Map<String, Number> m = new LinkedHashMap<>(partial);
          m.put(e.getKey(), v);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }
}
