package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.PredictionTables;
import dev.lakeml.schemas.tables.TableContract;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;

/**
 * {@code lakeml predict <model> --date D}: scores the model's population on date D with the version
 * behind an alias (default {@code champion}) into {@code predictions.<model>}, replacing that
 * date's partition.
 *
 * <ul>
 *   <li>A classifier of entities (a {@code no_event_within} or {@code event_within} label) scores
 *       every entity with one of the label's events in the window before the end of D: the
 *       population its training spine was drawn from. Features are read point in time at the end of
 *       D.
 *   <li>A classifier of events (a {@code matching_event_within} label) scores the events of D, each
 *       at its own time, with its request-time features.
 *   <li>A recommender gives every user it knows its top N items.
 * </ul>
 *
 * Classifiers read their features through a training-set build named {@code predict_<model>}, so
 * every input's Delta version is in {@code ops.training_sets}.
 */
public final class PredictJob {
  /** What a run wrote. */
  public record Result(
      String model, int version, LocalDate date, long rows, String table, double seconds) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final SparkSession spark;
  private final Clock clock;
  private final Consumer<String> log;

  public PredictJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
    this.clock = clock;
    this.log = log;
  }

  public Result run(ModelSpec spec, String reference, LocalDate date) {
    long t0 = System.nanoTime();
    ModelRegistry.Version v = new ModelRegistry(lakehouse, clock).resolve(spec.name(), reference);
    Instant scoredAt = clock.instant();
    Dataset<Row> out;
    List<PredictionTables.Key> keys;
    PredictionTables.Kind kind;
    if (spec.task() == Algorithm.Task.RECOMMENDATION) {
      kind = PredictionTables.Kind.TOP_N;
      out = recommend(spec, v);
      keys = List.of(new PredictionTables.Key(spec.interactions().user(), userType(spec)));
      out =
          out.withColumn(
              spec.interactions().user(), col(spec.interactions().user()).cast(userType(spec)));
    } else {
      kind = PredictionTables.Kind.SCORE;
      LabelSpec label = label(spec);
      EntitySpec entity = project.features().entity(label.entity()).orElseThrow();
      out = classify(spec, v, label, entity, date);
      keys = new ArrayList<>();
      for (String k : entity.keyNames()) {
        keys.add(new PredictionTables.Key(k, out.schema().apply(k).dataType().sql()));
      }
    }
    TableContract contract = PredictionTables.forModel(spec.name(), keys, kind);
    lakehouse.ensure(List.of(contract));
    List<Column> columns = new ArrayList<>();
    for (var c : contract.columns()) {
      switch (c.name()) {
        case "model_name" -> columns.add(lit(spec.name()).as(c.name()));
        case "model_version" -> columns.add(lit(v.version()).as(c.name()));
        case "scored_at" -> columns.add(lit(Timestamp.from(scoredAt)).as(c.name()));
        case "prediction_date" -> columns.add(lit(Date.valueOf(date)).as(c.name()));
        default -> columns.add(col(c.name()));
      }
    }
    String location = lakehouse.location(contract);
    out.select(columns.toArray(Column[]::new))
        .write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", "prediction_date = DATE'" + date + "'")
        .save(location);
    long rows =
        spark
            .read()
            .format("delta")
            .load(location)
            .where(col("prediction_date").equalTo(lit(Date.valueOf(date))))
            .count();
    registerLatestView(spark, spec.name());
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Result(spec.name(), v.version(), date, rows, contract.qualifiedName(), seconds);
  }

  /** {@code predictions.<model>_latest}: the newest date's rows, for analysts. */
  public static void registerLatestView(SparkSession spark, String model) {
    String db = Layer.PREDICTIONS.database();
    spark.sql(
        "CREATE OR REPLACE VIEW "
            + db
            + "."
            + model
            + "_latest AS SELECT * FROM "
            + db
            + "."
            + model
            + " WHERE prediction_date = (SELECT max(prediction_date) FROM "
            + db
            + "."
            + model
            + ")");
  }

  private LabelSpec label(ModelSpec spec) {
    String name = spec.trainingSet().label();
    return project.features().labels().stream()
        .filter(l -> l.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new ModelException("label " + name + " is not declared"));
  }

  /** The population's spine as SQL over the label's silver source (pinned by the build). */
  static String populationSql(LabelSpec label, EntitySpec entity, LocalDate date) {
    String table = Layer.SILVER.database() + "." + label.source();
    String ts = "`" + label.eventTime() + "`";
    String events = label.events().orElse("TRUE");
    String keysNotNull =
        entity.keyNames().stream()
            .map(k -> "`" + k + "` IS NOT NULL")
            .collect(Collectors.joining(" AND "));
    String start = "CAST(DATE'" + date + "' AS TIMESTAMP)";
    String end = "CAST(DATE'" + date.plusDays(1) + "' AS TIMESTAMP)";
    if (label.kind() == LabelSpec.Kind.MATCHING_EVENT_WITHIN) {
      String matchNotNull =
          label.match().stream()
              .map(k -> " AND `" + k + "` IS NOT NULL")
              .collect(Collectors.joining());
      return "SELECT *, "
          + ts
          + " AS event_timestamp FROM "
          + table
          + " WHERE "
          + keysNotNull
          + matchNotNull
          + " AND NOT ("
          + events
          + ") AND "
          + ts
          + " >= "
          + start
          + " AND "
          + ts
          + " < "
          + end;
    }
    String keys =
        entity.keyNames().stream().map(k -> "`" + k + "`").collect(Collectors.joining(", "));
    return "SELECT "
        + keys
        + ", "
        + end
        + " AS event_timestamp FROM "
        + table
        + " WHERE "
        + keysNotNull
        + " AND ("
        + events
        + ") AND "
        + ts
        + " >= "
        + end
        + " - INTERVAL "
        + label.window().toSeconds()
        + " SECONDS AND "
        + ts
        + " < "
        + end
        + " GROUP BY "
        + keys;
  }

  private Dataset<Row> classify(
      ModelSpec spec, ModelRegistry.Version v, LabelSpec label, EntitySpec entity, LocalDate date) {
    TrainingSetJob.Result built =
        new TrainingSetJob(project, lakehouse, clock, log)
            .build(
                "predict_" + spec.name(),
                new TrainingSetJob.Spine.FromSql(
                    populationSql(label, entity, date), "event_timestamp"),
                spec.trainingSet().views(),
                false);
    Dataset<Row> rows =
        lakehouse.readAt(
            lakehouse.location(Layer.TRAINING_SETS, "predict_" + spec.name()),
            built.outputVersion());
    List<String> inputs = v.inputs().stream().map(ModelRegistry.Input::name).toList();
    List<String> missing =
        inputs.stream().filter(i -> !List.of(rows.columns()).contains(i)).toList();
    if (!missing.isEmpty()) {
      throw new ModelException(
          "version "
              + v.version()
              + " of "
              + spec.name()
              + " reads "
              + missing
              + ", which the prediction input lacks (columns: "
              + List.of(rows.columns())
              + ")");
    }
    Dataset<Row> input =
        ModelInputs.modelInput(
            rows, inputs, null, Algorithm.parse(v.algorithm()), entity.keyNames());
    return Fitted.load(v)
        .withP1(input)
        .withColumn("as_of", col("event_timestamp"))
        .withColumn("score", col("_p1"));
  }

  private Dataset<Row> recommend(ModelSpec spec, ModelRegistry.Version v) {
    PipelineModel model = RecommendJob.load(v);
    StringIndexerModel users = (StringIndexerModel) model.stages()[0];
    StringIndexerModel items = (StringIndexerModel) model.stages()[1];
    ALSModel als = (ALSModel) model.stages()[2];
    String[] userLabels = users.labelsArray()[0];
    String[] itemLabels = items.labelsArray()[0];
    List<Row> ids = new ArrayList<>();
    for (int i = 0; i < userLabels.length; i++) {
      ids.add(org.apache.spark.sql.RowFactory.create((double) i, userLabels[i]));
    }
    Dataset<Row> known =
        spark.createDataFrame(
            ids,
            new org.apache.spark.sql.types.StructType()
                .add(RecommendJob.USER_IX, "double")
                .add(spec.interactions().user(), "string"));
    return als.recommendForUserSubset(known, spec.topK())
        .join(known, RecommendJob.USER_IX)
        .withColumn("_labels", lit(itemLabels))
        .select(
            col(spec.interactions().user()),
            expr("transform(recommendations, r -> element_at(_labels, CAST(r."
                    + RecommendJob.ITEM_IX
                    + " AS INT) + 1))")
                .as("items"),
            expr("transform(recommendations, r -> CAST(r.rating AS DOUBLE))").as("scores"))
        .withColumn("as_of", lit(Timestamp.valueOf(v.validateTo().plusDays(1).atStartOfDay())));
  }

  private String userType(ModelSpec spec) {
    String location = lakehouse.location(Layer.SILVER, spec.interactions().source());
    DataType t =
        spark
            .read()
            .format("delta")
            .load(location)
            .schema()
            .apply(spec.interactions().user())
            .dataType();
    return t.sql();
  }
}
