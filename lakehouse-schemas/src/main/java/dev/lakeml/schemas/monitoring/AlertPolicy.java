package dev.lakeml.schemas.monitoring;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * When monitoring raises an alert about a model and asks for a retrain ({@code monitoring.alerts:}
 * of a model in the project file).
 *
 * @param driftStatistics the drift statistics whose breaches count (of the batch population)
 * @param driftColumns how many columns must breach one of them on a day for the day to count
 * @param driftDays on how many consecutive days, the last one the day evaluated
 * @param performanceMetric the metric whose fall is an alert; empty: the model's own metric
 * @param maxDrop how far the newest mature date may fall below the version's validation value
 * @param cooldown no retrain is triggered within this time after the last one
 */
public record AlertPolicy(
    Set<DriftStatistic> driftStatistics,
    int driftColumns,
    int driftDays,
    Optional<String> performanceMetric,
    double maxDrop,
    Duration cooldown) {

  /** Drift: PSI of one column on 3 consecutive days; performance: a fall of 0.05; 7 days apart. */
  public static final AlertPolicy DEFAULTS =
      new AlertPolicy(Set.of(DriftStatistic.PSI), 1, 3, Optional.empty(), 0.05, Duration.ofDays(7));

  /** The metrics a performance alert can watch. */
  public static final Set<String> METRICS = Set.of("auc_roc", "auc_pr", "log_loss");

  public AlertPolicy {
    Objects.requireNonNull(performanceMetric, "performanceMetric");
    Objects.requireNonNull(cooldown, "cooldown");
    driftStatistics =
        Collections.unmodifiableSet(
            driftStatistics.isEmpty()
                ? EnumSet.noneOf(DriftStatistic.class)
                : EnumSet.copyOf(driftStatistics));
    if (driftColumns < 1 || driftDays < 1) {
      throw new IllegalArgumentException("columns and days must be at least 1");
    }
    if (!(maxDrop >= 0)) {
      throw new IllegalArgumentException("max_drop must be a number >= 0");
    }
    performanceMetric.ifPresent(
        m -> {
          if (!METRICS.contains(m)) {
            throw new IllegalArgumentException(
                "'"
                    + m
                    + "' is not a metric an alert can watch; expected auc_roc, auc_pr or log_loss");
          }
        });
  }
}
