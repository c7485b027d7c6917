package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.to_date;

import dev.lakeml.features.LabelSpine;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.Layer;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code lakeml monitor performance MODEL}: joins every prediction date of {@code
 * predictions.<model>} to the labels that have matured, as the model's declared label defines them
 * (computed from the label's source in silver, as for training), and replaces the model's rows in
 * {@code monitoring.performance}. A date is mature once the label window after its last prediction
 * has passed the newest event of the source; until then its rows say {@code immature} and carry no
 * value. Each run recomputes every date, so dates fill in as their labels mature, and a rerun on
 * the same data gives the same values.
 */
public final class PerformanceJob {
  /** The status of a judged date. */
  public static final String OK = "ok";

  /** Labels of the date are not all known yet. */
  public static final String IMMATURE = "immature";

  /** The date's labels are all 0 or all 1: AUCs are undefined. */
  public static final String ONE_CLASS = "one class";

  /** The date is mature but no prediction of it has a label. */
  public static final String NO_LABELS = "no labels";

  /** What a run wrote. */
  public record Result(
      String model,
      Instant knownThrough,
      List<PerformanceTable.DatePerformance> dates,
      double seconds) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public PerformanceJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  public Result run(ModelSpec spec) {
    long t0 = System.nanoTime();
    Instant started = clock.instant();
    if (spec.task() != Algorithm.Task.BINARY_CLASSIFICATION) {
      throw MonitoringErrors.performanceNotBuilt(
          spec.name(), spec.task().name().toLowerCase(Locale.ROOT));
    }
    String location = lakehouse.location(Layer.PREDICTIONS, spec.name());
    long predictionsVersion;
    try {
      predictionsVersion = lakehouse.currentVersion(location);
    } catch (RuntimeException e) {
      throw MonitoringErrors.noPredictions(spec.name(), location);
    }
    Dataset<Row> predictions = lakehouse.readAt(location, predictionsVersion);
    LabelSpec label =
        project.features().labels().stream()
            .filter(l -> l.name().equals(spec.trainingSet().label()))
            .findFirst()
            .orElseThrow();
    EntitySpec entity = project.features().entity(label.entity()).orElseThrow();
    String sourceLocation = lakehouse.location(Layer.SILVER, label.source());
    Dataset<Row> source =
        lakehouse.readAt(sourceLocation, lakehouse.currentVersion(sourceLocation));
    Instant newest = LabelSpine.newestEvent(label, source);
    Instant knownThrough = newest == null ? Instant.EPOCH : newest;

    // Per date: its version, rows, and when its last label is known (the end of the date plus
    // the label's window: later events cannot change a label whose window has passed).
    Map<LocalDate, long[]> byDate = new LinkedHashMap<>();
    for (Row r :
        predictions
            .groupBy("prediction_date")
            .agg(
                org.apache.spark.sql.functions.max("model_version"),
                org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)))
            .orderBy("prediction_date")
            .collectAsList()) {
      byDate.put(r.getDate(0).toLocalDate(), new long[] {r.getInt(1), r.getLong(2)});
    }
    List<LocalDate> mature = new ArrayList<>();
    for (LocalDate d : byDate.keySet()) {
      if (!labelsKnownAt(label, d).isAfter(knownThrough)) {
        mature.add(d);
      }
    }
    log.accept(
        "performance "
            + spec.name()
            + ": "
            + byDate.size()
            + " prediction date(s), "
            + mature.size()
            + " with every label known (source complete through "
            + knownThrough
            + ")");

    Map<LocalDate, Row> metrics = new HashMap<>();
    Map<LocalDate, Map<String, String>> calibration = new HashMap<>();
    Map<LocalDate, Double> calibrationError = new HashMap<>();
    Map<LocalDate, long[]> unmatched = new HashMap<>();
    if (!mature.isEmpty()) {
      Dataset<Row> spine =
          LabelSpine.forPredictionDates(lakehouse.spark(), label, entity, source, mature);
      Column dateOfLabel =
          label.kind() == LabelSpec.Kind.MATCHING_EVENT_WITHIN
              ? to_date(col(LabelSpine.TIME))
              : date_sub(to_date(col(LabelSpine.TIME)), 1);
      Dataset<Row> judged =
          PerformanceTransforms.judged(
                  predictions.where(
                      col("prediction_date")
                          .isin(mature.stream().map(java.sql.Date::valueOf).toArray())),
                  spine,
                  entity.keyNames(),
                  label.name(),
                  dateOfLabel)
              .localCheckpoint(true);
      for (Row r : PerformanceTransforms.metrics(judged).collectAsList()) {
        metrics.put(r.<java.sql.Date>getAs(PerformanceTransforms.DATE).toLocalDate(), r);
      }
      Map<LocalDate, List<Row>> bins = new HashMap<>();
      for (Row r : PerformanceTransforms.calibration(judged).orderBy("bin").collectAsList()) {
        bins.computeIfAbsent(
                r.<java.sql.Date>getAs(PerformanceTransforms.DATE).toLocalDate(),
                k -> new ArrayList<>())
            .add(r);
      }
      bins.forEach(
          (d, rows) -> {
            calibration.put(d, calibrationDetail(rows));
            calibrationError.put(d, expectedCalibrationError(rows));
          });
      for (Row r : PerformanceTransforms.unmatched(judged).collectAsList()) {
        if (!r.isNullAt(0)) {
          unmatched.put(
              r.getDate(0).toLocalDate(),
              new long[] {r.getLong(r.fieldIndex("unmatched_labels")), r.getLong(2)});
        }
      }
    }

    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    Map<Integer, Map<String, Double>> validation = new HashMap<>();
    List<PerformanceTable.DatePerformance> out = new ArrayList<>();
    for (Map.Entry<LocalDate, long[]> e : byDate.entrySet()) {
      LocalDate d = e.getKey();
      int version = (int) e.getValue()[0];
      Map<String, Double> valid =
          validation.computeIfAbsent(
              version,
              v ->
                  registry
                      .version(spec.name(), v)
                      .map(ModelRegistry.Version::metrics)
                      .orElse(Map.of()));
      Row m = metrics.get(d);
      long[] miss = unmatched.getOrDefault(d, new long[] {0, 0});
      if (!mature.contains(d) || m == null) {
        out.add(
            new PerformanceTable.DatePerformance(
                d,
                version,
                mature.contains(d) ? NO_LABELS : IMMATURE,
                mature.contains(d) ? 0 : e.getValue()[1],
                0,
                Map.of(),
                valid,
                labelsKnownAt(label, d),
                miss[0],
                miss[1],
                Map.of()));
        continue;
      }
      Map<String, Double> values = new LinkedHashMap<>();
      for (String metric : List.of("auc_roc", "auc_pr", "log_loss", "base_rate", "mean_score")) {
        int i = m.fieldIndex(metric);
        values.put(metric, m.isNullAt(i) ? Double.NaN : m.getDouble(i));
      }
      values.put("calibration_error", calibrationError.getOrDefault(d, Double.NaN));
      long positives = m.getLong(m.fieldIndex("positives"));
      long rows = m.getLong(m.fieldIndex("rows"));
      out.add(
          new PerformanceTable.DatePerformance(
              d,
              version,
              positives == 0 || positives == rows ? ONE_CLASS : OK,
              rows,
              positives,
              values,
              valid,
              labelsKnownAt(label, d),
              miss[0],
              miss[1],
              calibration.getOrDefault(d, Map.of())));
    }
    new PerformanceTable(lakehouse)
        .replace(spec.name(), out, knownThrough, "performance-" + UUID.randomUUID(), started);
    return new Result(spec.name(), knownThrough, out, (System.nanoTime() - t0) / 1e9);
  }

  /** When every label of the date is known: the end of the date plus the label's window. */
  static Instant labelsKnownAt(LabelSpec label, LocalDate date) {
    return date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(label.window());
  }

  /** The bins as the page draws them: JSON arrays of bin, rows, mean score and rate. */
  private static Map<String, String> calibrationDetail(List<Row> bins) {
    List<String> index = new ArrayList<>();
    List<String> rows = new ArrayList<>();
    List<String> scores = new ArrayList<>();
    List<String> rates = new ArrayList<>();
    for (Row b : bins) {
      index.add(String.valueOf(b.getInt(1)));
      rows.add(String.valueOf(b.getLong(2)));
      scores.add(String.valueOf(b.getDouble(3)));
      rates.add(String.valueOf(b.getDouble(4)));
    }
    return Map.of(
        "bins", "[" + String.join(",", index) + "]",
        "rows", "[" + String.join(",", rows) + "]",
        "mean_scores", "[" + String.join(",", scores) + "]",
        "rates", "[" + String.join(",", rates) + "]");
  }

  /** The rows-weighted mean gap between each bin's mean score and its share of label 1. */
  private static double expectedCalibrationError(List<Row> bins) {
    long total = 0;
    double gap = 0;
    for (Row b : bins) {
      total += b.getLong(2);
      gap += b.getLong(2) * Math.abs(b.getDouble(3) - b.getDouble(4));
    }
    return total == 0 ? Double.NaN : gap / total;
  }
}
