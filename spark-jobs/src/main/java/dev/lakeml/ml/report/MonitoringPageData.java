package dev.lakeml.ml.report;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * What a model's monitoring page shows, read from the {@code monitoring.*} tables.
 *
 * @param champion the champion version, or null when the model has none
 * @param championReport the champion's report, relative to the page; null when there is none
 * @param performance one entry per prediction date, oldest first
 * @param calibrationDate the newest judged date, whose calibration bins are drawn; null if none
 * @param calibration that date's bins: JSON arrays {@code mean_scores}, {@code rates}, {@code rows}
 * @param drift one entry per population, date and column, oldest first
 */
public record MonitoringPageData(
    String model,
    Integer champion,
    String championReport,
    Instant generatedAt,
    List<Performance> performance,
    LocalDate calibrationDate,
    Map<String, String> calibration,
    List<Drift> drift,
    List<Skew> skew,
    List<Alert> alerts) {

  /** Metrics of one prediction date; {@code status} is ok, immature, one class or no labels. */
  public record Performance(
      LocalDate date,
      int version,
      String status,
      long rows,
      Instant labelsKnownAt,
      Map<String, Double> metrics,
      Map<String, Double> validation) {}

  /**
   * One column's drift on one day: its headline statistic (PSI for numbers, Jensen–Shannon for
   * categories) and every statistic that breached.
   */
  public record Drift(
      String population,
      LocalDate date,
      String feature,
      String statistic,
      Double value,
      String status,
      List<String> breached) {}

  /** One input's skew on one day. */
  public record Skew(
      LocalDate date,
      int version,
      String feature,
      String source,
      String status,
      long sampled,
      long requests,
      Double mismatchRate,
      String example) {}

  /** One alert as recorded. */
  public record Alert(
      LocalDate date,
      String kind,
      String episode,
      String evidence,
      String retrain,
      String retrainVia,
      String retrainRun,
      String message) {}
}
