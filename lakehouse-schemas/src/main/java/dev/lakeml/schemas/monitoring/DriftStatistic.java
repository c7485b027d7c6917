package dev.lakeml.schemas.monitoring;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * A statistic that compares a day's values of one column with the model's reference (its training
 * set): which kind of column it applies to, in which direction it is worse, and its default
 * threshold (none where no single number suits every column).
 */
public enum DriftStatistic {
  /** Population stability index over the reference's decile bins. */
  PSI("psi", Kind.NUMERIC, Breach.ABOVE, 0.2),
  /** Kolmogorov–Smirnov D: the largest gap between the two empirical CDFs. */
  KS_D("ks_d", Kind.NUMERIC, Breach.ABOVE, 0.1),
  /** Its asymptotic p-value; with many rows it is tiny for any drift, so no default. */
  KS_P_VALUE("ks_p_value", Kind.NUMERIC, Breach.BELOW, Double.NaN),
  /** Wasserstein-1 (earth mover's) distance, in the column's own unit: no default. */
  WASSERSTEIN("wasserstein", Kind.NUMERIC, Breach.ABOVE, Double.NaN),
  /** Wasserstein-1 divided by the reference's standard deviation. */
  WASSERSTEIN_NORMED("wasserstein_normed", Kind.NUMERIC, Breach.ABOVE, 0.1),
  /** Share of current values outside the reference's [min, max]. */
  OUT_OF_RANGE_SHARE("out_of_range_share", Kind.NUMERIC, Breach.ABOVE, 0.05),
  /** Pearson's chi-squared of the current counts against the reference's shares. */
  CHI_SQUARED("chi_squared", Kind.CATEGORICAL, Breach.ABOVE, Double.NaN),
  /** Its p-value; no default, for the same reason as {@link #KS_P_VALUE}. */
  CHI_SQUARED_P_VALUE("chi_squared_p_value", Kind.CATEGORICAL, Breach.BELOW, Double.NaN),
  /** Jensen–Shannon distance (base 2, from 0 to 1) of the two category distributions. */
  JS_DISTANCE("js_distance", Kind.CATEGORICAL, Breach.ABOVE, 0.1),
  /** Share of current values in categories the reference never had. */
  NEW_CATEGORY_SHARE("new_category_share", Kind.CATEGORICAL, Breach.ABOVE, 0.05),
  /**
   * Share of current values that are NULL (or NaN). Its threshold is an allowed increase over the
   * reference's share: the row's threshold is that sum.
   */
  NULL_SHARE("null_share", Kind.ANY, Breach.ABOVE, 0.05);

  /** Which columns a statistic applies to. */
  public enum Kind {
    NUMERIC,
    CATEGORICAL,
    ANY;

    /** Whether a statistic of this kind applies to a column of {@code column}'s kind. */
    public boolean appliesTo(Kind column) {
      return this == ANY || this == column;
    }

    public String yamlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which side of the threshold is a breach. */
  public enum Breach {
    ABOVE,
    BELOW
  }

  /** The accepted names, for error messages. */
  public static final String ACCEPTED =
      Arrays.stream(values()).map(DriftStatistic::yamlName).collect(Collectors.joining(", "));

  private final String yamlName;
  private final Kind kind;
  private final Breach breach;
  private final double defaultThreshold;

  DriftStatistic(String yamlName, Kind kind, Breach breach, double defaultThreshold) {
    this.yamlName = yamlName;
    this.kind = kind;
    this.breach = breach;
    this.defaultThreshold = defaultThreshold;
  }

  public String yamlName() {
    return yamlName;
  }

  public Kind kind() {
    return kind;
  }

  public Breach breach() {
    return breach;
  }

  /** The threshold used when the model spec sets none. */
  public OptionalDouble defaultThreshold() {
    return Double.isNaN(defaultThreshold)
        ? OptionalDouble.empty()
        : OptionalDouble.of(defaultThreshold);
  }

  /** Whether {@code value} is past {@code threshold}; never for a NaN value. */
  public boolean breached(double value, double threshold) {
    if (Double.isNaN(value)) {
      return false;
    }
    return breach == Breach.ABOVE ? value > threshold : value < threshold;
  }

  public static Optional<DriftStatistic> find(String name) {
    return Arrays.stream(values()).filter(s -> s.yamlName.equals(name)).findFirst();
  }
}
