package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.Layer;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.RankingEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Trains a recommender ({@code task: recommendation}, {@code algorithm: als}): implicit-feedback
 * ALS from MLlib on the declared interactions before {@code validate_from}, judged by how many of
 * the items each known user touches from then on its top-k list holds (precision@k, recall@k,
 * MAP@k), next to the same metrics of a popularity baseline (everyone gets the k most popular
 * items), so that "better than nothing" is a number.
 */
final class RecommendJob {
  static final String USER = "user_key";
  static final String ITEM = "item_key";
  static final String USER_IX = "user_ix";
  static final String ITEM_IX = "item_ix";
  static final String RATING = "rating";

  private final Lakehouse lakehouse;
  private final SparkSession spark;
  private final Clock clock;
  private final Consumer<String> log;

  RecommendJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
    this.clock = clock;
    this.log = log;
  }

  /** The declared interactions, split at validate_from, over a pinned source version. */
  record Data(
      String table,
      long version,
      Dataset<Row> train,
      Dataset<Row> truth,
      long trainUsers,
      long coldUsers) {}

  Data data(ModelSpec spec, Long pinned) {
    ModelSpec.Interactions in = spec.interactions();
    String table = Layer.SILVER.database() + "." + in.source();
    String location = lakehouse.location(Layer.SILVER, in.source());
    long version;
    try {
      version = pinned != null ? pinned : lakehouse.currentVersion(location);
    } catch (LakehouseException e) {
      throw new ModelException(
          "model "
              + spec.name()
              + ": its interactions come from "
              + table
              + ", which does not exist at "
              + location
              + "; ingest first: lakeml ingest --source "
              + in.source());
    }
    Dataset<Row> events;
    try {
      events =
          lakehouse
              .readAt(location, version)
              .where(expr(in.where()))
              .select(
                  expr("CAST(" + in.user() + " AS STRING)").as(USER),
                  expr("CAST(" + in.item() + " AS STRING)").as(ITEM),
                  expr("CAST(" + in.time() + " AS TIMESTAMP)").as("ts"),
                  expr("CAST(" + in.weight() + " AS DOUBLE)").as("w"))
              .where(
                  col("ts")
                      .geq(Timestamp.valueOf(in.from().atStartOfDay()))
                      .and(col("ts").lt(Timestamp.valueOf(in.to().plusDays(1).atStartOfDay())))
                      .and(col(USER).isNotNull())
                      .and(col(ITEM).isNotNull()));
      events.schema();
    } catch (LakehouseException e) {
      throw e;
    } catch (Exception e) {
      throw new ModelException(
          "model "
              + spec.name()
              + ": the interactions (user, item, time, weight, where) do not fit "
              + table
              + ": "
              + firstLine(e.getMessage()));
    }
    Timestamp cut = Timestamp.valueOf(spec.validateFrom().atStartOfDay());
    Dataset<Row> train =
        events
            .where(col("ts").lt(cut))
            .groupBy(USER, ITEM)
            .agg(expr("sum(w)").as(RATING))
            .where(col(RATING).gt(0))
            .localCheckpoint(true);
    Dataset<Row> known = train.select(USER).distinct();
    Dataset<Row> future =
        events.where(col("ts").geq(cut)).groupBy(USER).agg(expr("collect_set(" + ITEM + ")"));
    Dataset<Row> truth =
        future.join(known, USER).toDF(USER, "items").localCheckpoint(true); // users seen before
    long trainUsers = known.count();
    long coldUsers = future.count() - truth.count();
    return new Data(table, version, train, truth, trainUsers, coldUsers);
  }

  TrainJob.Result train(ModelSpec spec, String runId, Instant started) {
    long t0 = System.nanoTime();
    Data d = data(spec, null);
    long trainRows = d.train().count();
    long evalUsers = d.truth().count();
    if (trainRows < 20 || evalUsers < 5) {
      throw new ModelException(
          "model "
              + spec.name()
              + ": "
              + trainRows
              + " user-item pairs before "
              + spec.validateFrom()
              + " and "
              + evalUsers
              + " known users with interactions from then on; it needs at least 20 pairs and 5"
              + " users. Move split.validate_from or widen interactions.from/to.");
    }
    log.accept(
        String.format(
            "  %d user-item pairs from %d users train; %d known users validate (%d new users"
                + " from %s are left out: ALS knows nothing of them)",
            trainRows, d.trainUsers(), evalUsers, d.coldUsers(), spec.validateFrom()));
    int k = spec.topK();
    Map<String, Double> baseline = popularity(d, k);
    log.accept("  popularity baseline: " + baseline);

    List<Map<String, Number>> candidates = Algorithm.combinations(spec.grid());
    List<PipelineModel> models =
        new ArrayList<>(java.util.Collections.nCopies(candidates.size(), null));
    List<RunRecorder.Candidate> tried =
        Tuning.run(
            candidates.size(),
            Tuning.parallelism(spark, candidates.size()),
            i -> {
              long f0 = System.nanoTime();
              PipelineModel fitted = pipeline(spec, candidates.get(i)).fit(d.train());
              double seconds = (System.nanoTime() - f0) / 1e9;
              models.set(i, fitted);
              return new RunRecorder.Candidate(
                  candidates.get(i), evaluate(fitted, d.truth(), k), seconds);
            });
    RunRecorder recorder = new RunRecorder(lakehouse, clock, log);
    int chosen = recorder.choose(spec, tried);
    Map<String, Double> recorded = new LinkedHashMap<>(tried.get(chosen).metrics());
    baseline.forEach((m, v) -> recorded.put("popularity_" + m, v));

    String artifacts = lakehouse.artifacts(spec.name(), runId);
    String pipeline = artifacts + "/spark-pipeline";
    try {
      models.get(chosen).write().overwrite().save(pipeline);
    } catch (Exception e) {
      throw new ModelException("could not save the model to " + pipeline + ": " + e, e);
    }
    Map<String, Long> inputs = Map.of(d.table(), d.version());
    ModelSpec.Interactions in = spec.interactions();
    ModelRegistry.Version unnumbered =
        ModelRegistry.Version.builder()
            .model(spec.name())
            .runId(runId)
            .algorithm(spec.algorithm().yamlName())
            .task("recommendation")
            .format("spark-als")
            .artifact(pipeline)
            .sparkPipeline(pipeline)
            .inputs(List.of(new ModelRegistry.Input(in.user(), "string")))
            .output(
                "items ARRAY<STRING>: the top " + k + " " + in.item() + " values per " + in.user())
            .metric(spec.metric().key(k))
            .metrics(recorded)
            .inputTables(inputs)
            .validateFrom(spec.validateFrom())
            .validateTo(in.to())
            .specHash(RunRecorder.specHash(spec))
            .build();
    return recorder.finish(
        RunRecorder.Finished.builder()
            .spec(spec)
            .runId(runId)
            .started(started)
            .startNanos(t0)
            .candidates(tried)
            .chosen(chosen)
            .metrics(recorded)
            .trainingSet(d.table() + "@v" + d.version())
            .inputs(inputs)
            .features(List.of(in.user(), in.item()))
            .trainRows(trainRows)
            .validationRows(evalUsers)
            .artifacts(artifacts)
            .unnumbered(unnumbered)
            .build(),
        incumbent -> evaluate(load(incumbent), d.truth(), k));
  }

  static PipelineModel load(ModelRegistry.Version v) {
    try {
      return PipelineModel.load(v.sparkPipeline());
    } catch (RuntimeException e) {
      throw new ModelException(
          "version "
              + v.version()
              + " of "
              + v.model()
              + ": cannot load its pipeline "
              + v.sparkPipeline()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  static Pipeline pipeline(ModelSpec spec, Map<String, Number> p) {
    ALS als =
        new ALS()
            .setImplicitPrefs(true)
            .setUserCol(USER_IX)
            .setItemCol(ITEM_IX)
            .setRatingCol(RATING)
            .setRank(p.getOrDefault("rank", 10).intValue())
            .setRegParam(p.getOrDefault("reg_param", 0.1).doubleValue())
            .setAlpha(p.getOrDefault("alpha", 1.0).doubleValue())
            .setMaxIter(p.getOrDefault("max_iter", 10).intValue())
            .setSeed(spec.seed())
            .setColdStartStrategy("drop");
    return new Pipeline()
        .setStages(
            new PipelineStage[] {
              // Ordered by frequency, ties by value: the same indices on every run.
              new StringIndexer()
                  .setInputCol(USER)
                  .setOutputCol(USER_IX)
                  .setStringOrderType("frequencyDesc")
                  .setHandleInvalid("skip"),
              new StringIndexer()
                  .setInputCol(ITEM)
                  .setOutputCol(ITEM_IX)
                  .setStringOrderType("frequencyDesc")
                  .setHandleInvalid("keep"),
              als
            });
  }

  /**
   * Precision, recall and MAP at k of a fitted pipeline's top-k lists against each known user's
   * later items. Items the model never saw stay in the truth (they count against recall).
   */
  static Map<String, Double> evaluate(PipelineModel model, Dataset<Row> truth, int k) {
    Transformer[] stages = model.stages();
    org.apache.spark.ml.feature.StringIndexerModel users =
        (org.apache.spark.ml.feature.StringIndexerModel) stages[0];
    org.apache.spark.ml.feature.StringIndexerModel items =
        (org.apache.spark.ml.feature.StringIndexerModel) stages[1];
    ALSModel als = (ALSModel) stages[2];
    Dataset<Row> known = users.transform(truth.select(USER));
    Dataset<Row> recs =
        als.recommendForUserSubset(known, k)
            .join(known, USER_IX)
            .select(
                col(USER),
                expr("transform(recommendations, r -> CAST(r." + ITEM_IX + " AS DOUBLE))")
                    .as("prediction"));
    // Items the model never saw get the indexer's extra index (handleInvalid "keep"); they are
    // never recommended but stay true, each as its own negative id (RankingMetrics takes the
    // labels as a set: one shared id would count many unseen items as one and inflate recall).
    int seen = items.labelsArray()[0].length;
    Dataset<Row> truthIx =
        items
            .transform(
                truth
                    .select(col(USER), org.apache.spark.sql.functions.posexplode(col("items")))
                    .withColumnRenamed("col", ITEM))
            .groupBy(USER)
            .agg(
                expr("collect_list(CASE WHEN "
                        + ITEM_IX
                        + " >= "
                        + seen
                        + " THEN -1.0 - pos ELSE CAST("
                        + ITEM_IX
                        + " AS DOUBLE) END)")
                    .as("label"));
    Dataset<Row> joined =
        truthIx
            .join(recs, seq(USER), "left")
            .select(
                expr("coalesce(prediction, CAST(array() AS ARRAY<DOUBLE>))").as("prediction"),
                col("label"))
            .localCheckpoint(true);
    return ranking(joined, k);
  }

  private static scala.collection.immutable.Seq<String> seq(String column) {
    return scala.collection.JavaConverters.asScalaBuffer(List.of(column)).toList();
  }

  /** Everyone gets the k items with the most training interactions. */
  Map<String, Double> popularity(Data d, int k) {
    List<Row> top =
        d.train()
            .groupBy(ITEM)
            .agg(expr("count(*)").as("n"), expr("sum(" + RATING + ")").as("w"))
            .orderBy(col("n").desc(), col("w").desc(), col(ITEM))
            .limit(k)
            .collectAsList();
    // Items as positions in the popular list, 0..k-1; any other item its own negative id.
    List<Row> positions = new ArrayList<>();
    for (int i = 0; i < top.size(); i++) {
      positions.add(RowFactory.create(top.get(i).getString(0), (double) i));
    }
    Dataset<Row> popular =
        spark.createDataFrame(
            positions,
            new org.apache.spark.sql.types.StructType().add(ITEM, "string").add("pos", "double"));
    String prediction =
        "array("
            + String.join(
                ", ",
                java.util.stream.IntStream.range(0, top.size())
                    .mapToObj(i -> "CAST(" + i + " AS DOUBLE)")
                    .toList())
            + ")";
    Dataset<Row> joined =
        d.truth()
            .select(col(USER), org.apache.spark.sql.functions.posexplode(col("items")))
            .withColumnRenamed("col", ITEM)
            .withColumnRenamed("pos", "n")
            .join(popular, seq(ITEM), "left")
            .groupBy(USER)
            .agg(expr("collect_list(coalesce(pos, -1.0 - n))").as("label"))
            .select(expr(prediction).as("prediction"), col("label"))
            .localCheckpoint(true);
    return ranking(joined, k);
  }

  static Map<String, Double> ranking(Dataset<Row> joined, int k) {
    RankingEvaluator e =
        new RankingEvaluator().setPredictionCol("prediction").setLabelCol("label").setK(k);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("precision_at_" + k, e.setMetricName("precisionAtK").evaluate(joined));
    out.put("recall_at_" + k, e.setMetricName("recallAtK").evaluate(joined));
    out.put("map_at_" + k, e.setMetricName("meanAveragePrecisionAtK").evaluate(joined));
    return out;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
