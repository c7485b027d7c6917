package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.BatchScoring;
import dev.lakeml.ml.ModelInputs;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelLoader;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.ServingTables;
import dev.lakeml.schemas.tables.TrainingSetTables;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code lakeml monitor drift MODEL --date D}: compares the champion's inputs and score on day D
 * with its reference, the training set it was trained on (the Delta version the registry recorded),
 * and replaces the model's rows for D in {@code monitoring.drift}. Two populations of D are
 * compared: {@code batch}, the features the nightly prediction read (its training-set build) and
 * the scores it wrote; and {@code online}, the requests the serving API scored and logged.
 */
public final class DriftJob {
  /** The population of the nightly predictions. */
  public static final String BATCH = "batch";

  /** The population of the logged online requests. */
  public static final String ONLINE = "online";

  /** What a run wrote. */
  public record Result(
      String model,
      int version,
      LocalDate date,
      long referenceRows,
      List<DriftTable.Population> populations,
      double seconds) {
    public long breached() {
      return populations.stream()
          .flatMap(p -> p.measures().stream())
          .filter(DriftMeasure::breached)
          .count();
    }
  }

  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public DriftJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  public Result run(ModelSpec spec, LocalDate date) {
    long t0 = System.nanoTime();
    Instant started = clock.instant();
    if (date.isAfter(LocalDate.ofInstant(started, ZoneOffset.UTC))) {
      throw MonitoringErrors.futureDate(date, LocalDate.ofInstant(started, ZoneOffset.UTC));
    }
    if (spec.task() != Algorithm.Task.BINARY_CLASSIFICATION) {
      throw MonitoringErrors.notMonitored(
          spec.name(), spec.task().name().toLowerCase(java.util.Locale.ROOT));
    }
    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    if (!registry.aliases(spec.name()).containsKey(ModelRegistry.CHAMPION)) {
      throw MonitoringErrors.noChampion(spec.name(), registry.aliases(spec.name()).keySet());
    }
    ModelRegistry.Version v = registry.resolve(spec.name(), ModelRegistry.CHAMPION);
    List<DriftColumn> inputs = columns(v);
    DriftColumn score = DriftColumn.numeric(ModelLoader.SCORE, DriftColumn.Role.PREDICTION);
    List<DriftColumn> all = new ArrayList<>(inputs);
    all.add(score);

    Dataset<Row> reference = reference(v, inputs);
    DriftProfiler.Reference profile = DriftProfiler.reference(reference, all);
    log.accept(
        "drift "
            + spec.name()
            + " "
            + date
            + ": reference "
            + profile.rows()
            + " rows (training set at Delta version "
            + v.trainingSetVersion()
            + ")");

    List<DriftMeasure> batch = new ArrayList<>();
    batch.addAll(
        DriftProfiler.compare(
            profile, batchFeatures(spec, v, inputs, date, reference), inputs, spec.monitoring()));
    batch.addAll(
        DriftProfiler.compare(
            profile, batchScores(spec, date, reference), List.of(score), spec.monitoring()));
    List<DriftMeasure> online =
        DriftProfiler.compare(
            profile, online(spec, v, inputs, date, reference), all, spec.monitoring());
    List<DriftTable.Population> populations =
        List.of(new DriftTable.Population(BATCH, batch), new DriftTable.Population(ONLINE, online));
    new DriftTable(lakehouse)
        .replace(
            spec.name(), v.version(), date, populations, "drift-" + UUID.randomUUID(), started);
    return new Result(
        spec.name(),
        v.version(),
        date,
        profile.rows(),
        populations,
        (System.nanoTime() - t0) / 1e9);
  }

  /** The champion's inputs as drift columns: booleans are categories, the rest numbers. */
  static List<DriftColumn> columns(ModelRegistry.Version v) {
    List<DriftColumn> out = new ArrayList<>();
    for (ModelRegistry.Input in : v.inputs()) {
      out.add(
          InputType.parse(in.type()) == InputType.BOOLEAN
              ? DriftColumn.categorical(in.name(), DriftColumn.Role.INPUT)
              : DriftColumn.numeric(in.name(), DriftColumn.Role.INPUT));
    }
    return out;
  }

  /**
   * The reference: the training set the champion was trained on, as the model reads it (encoded
   * inputs), with the champion's own score of each row.
   */
  private Dataset<Row> reference(ModelRegistry.Version v, List<DriftColumn> inputs) {
    if (v.trainingSetVersion() == null) {
      throw MonitoringErrors.noTrainingSetVersion(v.model(), v.version());
    }
    String location = lakehouse.location(Layer.TRAINING_SETS, v.model());
    Dataset<Row> set;
    try {
      set = lakehouse.readAt(location, v.trainingSetVersion());
      set.schema();
    } catch (Exception e) {
      throw MonitoringErrors.referenceUnreadable(
          v.model(), v.version(), location, v.trainingSetVersion(), e);
    }
    List<String> present = List.of(set.columns());
    List<String> names = inputs.stream().map(DriftColumn::name).filter(present::contains).toList();
    if (names.size() < inputs.size()) {
      // A reference that lacks an input: the others are compared, that one says so.
      return encoded(set, names, inputs, v).withColumn(ModelLoader.SCORE, lit(null).cast("double"));
    }
    Dataset<Row> input =
        ModelInputs.modelInput(set, names, null, Algorithm.parse(v.algorithm()), List.of());
    return asDriftColumns(BatchScoring.withP1(v, input), inputs)
        .withColumnRenamed("_p1", ModelLoader.SCORE);
  }

  private static Dataset<Row> encoded(
      Dataset<Row> set, List<String> names, List<DriftColumn> inputs, ModelRegistry.Version v) {
    Dataset<Row> input =
        ModelInputs.modelInput(set, names, null, Algorithm.parse(v.algorithm()), List.of());
    return asDriftColumns(input, inputs.stream().filter(c -> names.contains(c.name())).toList());
  }

  /** Encoded inputs (NaN for missing) as drift columns: DOUBLE, or 'true' / 'false'. */
  private static Dataset<Row> asDriftColumns(Dataset<Row> encoded, List<DriftColumn> inputs) {
    List<Column> cols = new ArrayList<>();
    for (DriftColumn c : inputs) {
      Column v = col("`" + c.name() + "`");
      cols.add(
          c.numeric()
              ? v.as(c.name())
              : when(v.equalTo(lit(1.0)), lit("true"))
                  .when(v.equalTo(lit(0.0)), lit("false"))
                  .as(c.name()));
    }
    if (List.of(encoded.columns()).contains("_p1")) {
      cols.add(col("_p1"));
    }
    return encoded.select(cols.toArray(Column[]::new));
  }

  /**
   * The features the nightly prediction of D read: the newest {@code predict_<model>} build whose
   * rows are D's population (entities at the end of D, or D's events). None: an empty population.
   */
  private Dataset<Row> batchFeatures(
      ModelSpec spec,
      ModelRegistry.Version v,
      List<DriftColumn> inputs,
      LocalDate date,
      Dataset<Row> reference) {
    String name = "predict_" + spec.name();
    Column window = window(spec, date);
    if (lakehouse.exists(TrainingSetTables.MANIFESTS)) {
      List<Row> builds =
          lakehouse
              .read(TrainingSetTables.MANIFESTS)
              .where(col("name").equalTo(lit(name)))
              .orderBy(desc("created_at"))
              .select("output_version")
              .limit(30)
              .collectAsList();
      String location = lakehouse.location(Layer.TRAINING_SETS, name);
      for (Row b : builds) {
        Dataset<Row> rows = lakehouse.readAt(location, b.getLong(0)).where(window);
        if (!rows.limit(1).isEmpty()) {
          List<String> present = List.of(rows.columns());
          List<String> names =
              inputs.stream().map(DriftColumn::name).filter(present::contains).toList();
          return encoded(rows, names, inputs, v);
        }
      }
    }
    log.accept("  no nightly prediction input for " + date + ": the batch population is empty");
    return reference.where(lit(false)).drop(ModelLoader.SCORE);
  }

  /** Rows of the prediction-time spine of D: what {@code lakeml predict} scores for that date. */
  private Column window(ModelSpec spec, LocalDate date) {
    LabelSpec label =
        project.features().labels().stream()
            .filter(l -> l.name().equals(spec.trainingSet().label()))
            .findFirst()
            .orElseThrow();
    String start = "CAST(DATE'" + date + "' AS TIMESTAMP)";
    String end = "CAST(DATE'" + date.plusDays(1) + "' AS TIMESTAMP)";
    return label.kind() == LabelSpec.Kind.MATCHING_EVENT_WITHIN
        ? expr("event_timestamp >= " + start + " AND event_timestamp < " + end)
        : expr("event_timestamp = " + end);
  }

  /** The scores {@code lakeml predict} wrote for D. */
  private Dataset<Row> batchScores(ModelSpec spec, LocalDate date, Dataset<Row> reference) {
    String location = lakehouse.location(Layer.PREDICTIONS, spec.name());
    if (!exists(location)) {
      return reference.where(lit(false)).select(ModelLoader.SCORE);
    }
    return lakehouse
        .spark()
        .read()
        .format("delta")
        .load(location)
        .where(col("prediction_date").equalTo(lit(java.sql.Date.valueOf(date))))
        .select(col("score").as(ModelLoader.SCORE));
  }

  /**
   * The requests the API answered on D (each once: shadow scores are not answers), with their
   * inputs as logged (text) encoded as the model reads them.
   */
  private Dataset<Row> online(
      ModelSpec spec,
      ModelRegistry.Version v,
      List<DriftColumn> inputs,
      LocalDate date,
      Dataset<Row> reference) {
    if (!lakehouse.exists(ServingTables.PREDICTION_LOG)) {
      return reference.where(lit(false));
    }
    Dataset<Row> logged =
        lakehouse
            .read(ServingTables.PREDICTION_LOG)
            .where(
                col("log_date")
                    .equalTo(lit(java.sql.Date.valueOf(date)))
                    .and(col("model").equalTo(lit(spec.name())))
                    .and(col("returned")));
    List<Column> cols = new ArrayList<>();
    for (DriftColumn c : inputs) {
      String type =
          v.inputs().stream()
              .filter(i -> i.name().equals(c.name()))
              .findFirst()
              .orElseThrow()
              .type();
      cols.add(
          LoggedInputs.encoded(
                  InputType.parse(type), col("features").getItem(c.name()), col("reference_time"))
              .as(c.name()));
    }
    cols.add(col("score").as("_p1"));
    return asDriftColumns(logged.select(cols.toArray(Column[]::new)), inputs)
        .withColumnRenamed("_p1", ModelLoader.SCORE);
  }

  private boolean exists(String location) {
    try {
      lakehouse.currentVersion(location);
      return true;
    } catch (RuntimeException e) {
      return false; // not written yet
    }
  }
}
