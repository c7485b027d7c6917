package dev.lakeml.schemas.features;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** One feature of a feature view. */
public sealed interface FeatureSpec {

  String name();

  /** What the feature means, for people. */
  String description();

  /** The aggregations a windowed feature can compute. */
  enum Function {
    COUNT,
    SUM,
    MEAN,
    MIN,
    MAX,
    COUNT_DISTINCT,
    LAST;

    public static final String ACCEPTED = "count, sum, mean, min, max, count_distinct or last";

    public static Function parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "'" + text + "' is not an aggregation; expected " + ACCEPTED);
      }
    }

    /** Whether the function needs a column ({@code count} counts rows without one). */
    public boolean needsColumn() {
      return this != COUNT;
    }
  }

  /**
   * An aggregation over the source rows of the entity in the window ending at the feature's event
   * time (inclusive), optionally only over rows where {@code where} holds.
   *
   * @param of a Spark SQL expression over the source's columns (absent for {@code count})
   */
  record Aggregate(
      String name,
      Function function,
      Optional<String> of,
      Optional<String> where,
      Duration window,
      String description)
      implements FeatureSpec {
    public Aggregate {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(function, "function");
      if (function.needsColumn() && of.isEmpty()) {
        throw new IllegalArgumentException(
            function.name().toLowerCase(Locale.ROOT)
                + " needs 'of': the column or expression to aggregate");
      }
      if (window.isZero() || window.isNegative()) {
        throw new IllegalArgumentException("the window must be longer than 0");
      }
      description = description == null ? "" : description;
    }
  }

  /** The ratio of two other features of the same view; NULL when the denominator is 0 or NULL. */
  record Ratio(String name, String numerator, String denominator, String description)
      implements FeatureSpec {
    public Ratio {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(numerator, "numerator");
      Objects.requireNonNull(denominator, "denominator");
      description = description == null ? "" : description;
    }
  }
}
