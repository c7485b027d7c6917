package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.expr;
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
    if (spec.task() == Algorithm.Task.RECOMMENDATION) {
      return runRanking(spec, t0, started);
    }
    if (spec.task() != Algorithm.Task.BINARY_CLASSIFICATION) {
      throw MonitoringErrors.performanceNotBuilt(
          spec.name(), spec.task().name().toLowerCase(Locale.ROOT));
    }
    Dataset<Row> predictions = predictions(spec);
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
    Map<LocalDate, long[]> byDate = dates(predictions);
    List<LocalDate> mature = mature(byDate.keySet(), label.window(), knownThrough);
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
          validation.computeIfAbsent(version, v -> validation(registry, spec.name(), v));
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
        .replace(
            spec.name(),
            PerformanceTable.METRICS,
            out,
            knownThrough,
            "performance-" + UUID.randomUUID(),
            started);
    return new Result(spec.name(), knownThrough, out, (System.nanoTime() - t0) / 1e9);
  }

  private Dataset<Row> predictions(ModelSpec spec) {
    String location = lakehouse.location(Layer.PREDICTIONS, spec.name());
    long predictionsVersion;
    try {
      predictionsVersion = lakehouse.currentVersion(location);
    } catch (RuntimeException e) {
      throw MonitoringErrors.noPredictions(spec.name(), location);
    }
    return lakehouse.readAt(location, predictionsVersion);
  }

  /**
   * A recommender: each date's top-k lists against the items each user touched in the horizon after
   * it (the length of the model's own validation window, {@code validate_from} to {@code to}: the
   * horizon training judged it on), from its interactions in silver. A date is mature once that
   * horizon has passed the newest interaction.
   */
  private Result runRanking(ModelSpec spec, long t0, Instant started) {
    Dataset<Row> predictions = predictions(spec);
    ModelSpec.Interactions in = spec.interactions();
    int horizon =
        (int) java.time.temporal.ChronoUnit.DAYS.between(spec.validateFrom(), in.to()) + 1;
    int k = spec.topK();
    String sourceLocation = lakehouse.location(Layer.SILVER, in.source());
    Dataset<Row> events =
        lakehouse
            .readAt(sourceLocation, lakehouse.currentVersion(sourceLocation))
            .where(expr(in.where()))
            .select(
                expr("CAST(" + in.user() + " AS STRING)").as(RankingTransforms.USER),
                expr("CAST(" + in.item() + " AS STRING)").as("item"),
                expr("CAST(" + in.time() + " AS TIMESTAMP)").as("ts"))
            .where(col(RankingTransforms.USER).isNotNull().and(col("item").isNotNull()));
    Row newestRow = events.agg(org.apache.spark.sql.functions.max("ts")).first();
    Instant knownThrough =
        newestRow.isNullAt(0) ? Instant.EPOCH : newestRow.getTimestamp(0).toInstant();
    java.time.Duration window = java.time.Duration.ofDays(horizon);
    Map<LocalDate, long[]> byDate = dates(predictions);
    List<LocalDate> mature = mature(byDate.keySet(), window, knownThrough);
    log.accept(
        "performance "
            + spec.name()
            + ": "
            + byDate.size()
            + " prediction date(s), "
            + mature.size()
            + " whose "
            + horizon
            + "-day horizon has passed (interactions through "
            + knownThrough
            + ")");
    Map<LocalDate, Row> metrics = new HashMap<>();
    Map<LocalDate, long[]> unmatched = new HashMap<>();
    if (!mature.isEmpty()) {
      List<Row> dateRows = new ArrayList<>();
      mature.forEach(
          d -> dateRows.add(org.apache.spark.sql.RowFactory.create(java.sql.Date.valueOf(d))));
      Dataset<Row> dates =
          lakehouse
              .spark()
              .createDataFrame(
                  dateRows,
                  new org.apache.spark.sql.types.StructType()
                      .add(RankingTransforms.DATE, org.apache.spark.sql.types.DataTypes.DateType));
      Dataset<Row> lists =
          predictions
              .where(
                  col("prediction_date")
                      .isin(mature.stream().map(java.sql.Date::valueOf).toArray()))
              .select(
                  col("prediction_date").as(RankingTransforms.DATE),
                  col(in.user()).cast("string").as(RankingTransforms.USER),
                  col("items").as(RankingTransforms.ITEMS),
                  col("model_version").as(RankingTransforms.VERSION));
      Dataset<Row> judged =
          RankingTransforms.judged(lists, RankingTransforms.truth(events, dates, horizon))
              .localCheckpoint(true);
      for (Row r : RankingTransforms.metrics(judged, k).collectAsList()) {
        metrics.put(r.getDate(0).toLocalDate(), r);
      }
      for (Row r : RankingTransforms.unmatched(judged).collectAsList()) {
        unmatched.put(r.getDate(0).toLocalDate(), new long[] {r.getLong(1), r.getLong(2)});
      }
    }
    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    Map<Integer, Map<String, Double>> validation = new HashMap<>();
    List<String> names = RankingTransforms.metricNames(k);
    List<PerformanceTable.DatePerformance> out = new ArrayList<>();
    for (Map.Entry<LocalDate, long[]> e : byDate.entrySet()) {
      LocalDate d = e.getKey();
      int version = (int) e.getValue()[0];
      Map<String, Double> valid =
          validation.computeIfAbsent(version, v -> validation(registry, spec.name(), v));
      Row m = metrics.get(d);
      long[] miss = unmatched.getOrDefault(d, new long[] {0, 0});
      Map<String, Double> values = new LinkedHashMap<>();
      if (m != null) {
        for (String name : names) {
          int i = m.fieldIndex(name);
          values.put(name, m.isNullAt(i) ? Double.NaN : m.getDouble(i));
        }
      }
      out.add(
          new PerformanceTable.DatePerformance(
              d,
              version,
              !mature.contains(d) ? IMMATURE : m == null ? NO_LABELS : OK,
              m == null ? (mature.contains(d) ? 0 : e.getValue()[1]) : m.getLong(1),
              m == null ? 0 : m.getLong(2),
              values,
              valid,
              knownAt(d, window),
              miss[0],
              miss[1],
              Map.of()));
    }
    new PerformanceTable(lakehouse)
        .replace(
            spec.name(), names, out, knownThrough, "performance-" + UUID.randomUUID(), started);
    return new Result(spec.name(), knownThrough, out, (System.nanoTime() - t0) / 1e9);
  }

  /** When every outcome of the date is known: the end of the date plus the window. */
  private static Instant knownAt(LocalDate date, java.time.Duration window) {
    return date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(window);
  }

  /** Per prediction date, oldest first: the version that scored it and its rows. */
  private static Map<LocalDate, long[]> dates(Dataset<Row> predictions) {
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
    return byDate;
  }

  /** The dates whose window has passed the newest event of the source. */
  private static List<LocalDate> mature(
      java.util.Collection<LocalDate> dates, java.time.Duration window, Instant knownThrough) {
    List<LocalDate> out = new ArrayList<>();
    for (LocalDate d : dates) {
      if (!knownAt(d, window).isAfter(knownThrough)) {
        out.add(d);
      }
    }
    return out;
  }

  /** The version's own metrics on its validation window, or none when it is not registered. */
  private static Map<String, Double> validation(ModelRegistry registry, String model, int version) {
    return registry.version(model, version).map(ModelRegistry.Version::metrics).orElse(Map.of());
  }

  /** When every label of the date is known: the end of the date plus the label's window. */
  static Instant labelsKnownAt(LabelSpec label, LocalDate date) {
    return knownAt(date, label.window());
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
