package dev.lakeml.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.ingest.IngestJob;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.scoring.Scorer;
import dev.lakeml.scoring.Scorers;
import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.ExampleLake;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.SqlServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training, tracking, the registry and its promotion gate, the DJL network in and outside Spark,
 * and the ALS recommender, on two months of the bundled retail data.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingIT {
  static final Path EXAMPLE = ExampleLake.EXAMPLE;
  static final LocalDate FROM = ExampleLake.FROM;
  static final LocalDate TO = ExampleLake.TO;
  static final String MODEL = "repurchase_model";

  @TempDir static Path lake;

  static SparkSession spark;
  static Project project;
  static Lakehouse lakehouse;
  static ModelRegistry registry;

  @BeforeAll
  static void ingestAndCompute() {
    spark = SharedSpark.session();
    project = ProjectLoader.load(EXAMPLE);
    // Ingested from 2010-12-01 to TO, every view computed from FROM to TO.
    ExampleLake.copyTo(lake);
    lakehouse = new Lakehouse(spark, lake.toString(), project.lakehouse().schemaEvolution());
    new IngestJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(
            project.source("invoice_lines").orElseThrow(),
            TO.plusDays(1),
            LocalDate.parse("2011-04-15")); // labels of spine dates up to 2011-03-16 are known
    registry = new ModelRegistry(lakehouse, Clock.systemUTC());
  }

  static ModelSpec repurchase(
      Algorithm algorithm, Map<String, List<Number>> grid, LocalDate validateFrom) {
    return new ModelSpec(
        MODEL,
        Algorithm.Task.BINARY_CLASSIFICATION,
        new ModelSpec.TrainingSetSpec(
            "repurchase_30d",
            LocalDate.parse("2011-02-05"),
            LocalDate.parse("2011-03-12"),
            7,
            List.of("customer_activity"),
            false),
        null,
        List.of(),
        algorithm,
        grid,
        validateFrom,
        ModelSpec.Metric.AUC_PR,
        10,
        0.01,
        42L,
        "",
        Map.of(),
        null);
  }

  static final LocalDate SPLIT = LocalDate.parse("2011-03-05");
  static final Map<String, List<Number>> WEAK =
      Map.of("max_depth", List.of(1L), "num_round", List.of(1L));
  static final Map<String, List<Number>> STRONG =
      Map.of("max_depth", List.of(2L, 4L), "num_round", List.of(30L));

  static TrainJob job() {
    return new TrainJob(project, lakehouse, Clock.systemUTC(), m -> {});
  }

  static TrainJob.Result weak;
  static TrainJob.Result strong;

  @Test
  @Order(1)
  void theFirstVersionIsChampionAndABetterOneReplacesItThroughTheGate() throws Exception {
    weak = job().run(repurchase(Algorithm.XGBOOST, WEAK, SPLIT));
    assertThat(weak.version()).isEqualTo(1);
    assertThat(weak.champion()).isTrue();
    assertThat(weak.gate()).startsWith("first version: no champion to beat");

    strong = job().run(repurchase(Algorithm.XGBOOST, STRONG, SPLIT));
    assertThat(strong.version()).isEqualTo(2);
    double champ = weak.metrics().get("auc_pr");
    double chall = strong.metrics().get("auc_pr");
    assertThat(chall).as("depth 4 x 30 trees vs one stump").isGreaterThan(champ + 0.01);
    assertThat(strong.champion()).isTrue();
    assertThat(strong.gate())
        .contains(String.format("auc_pr %.4f vs champion version 1 %.4f", chall, champ));

    Map<String, ModelRegistry.Alias> aliases = registry.aliases(MODEL);
    assertThat(aliases.get(ModelRegistry.CHAMPION).version()).isEqualTo(2);
    assertThat(aliases.get(ModelRegistry.PREVIOUS_CHAMPION).version()).isEqualTo(1);
    assertThat(aliases).doesNotContainKey(ModelRegistry.CHALLENGER);
    Row promotion = registry.history(MODEL).where("alias = 'champion' AND version = 2").first();
    assertThat(promotion.<String>getAs("action")).isEqualTo("promote");
    assertThat(promotion.<Integer>getAs("previous_version")).isEqualTo(1);
    Map<String, Double> evidence = promotion.getJavaMap(promotion.fieldIndex("evidence"));
    assertThat(evidence.get("champion")).isCloseTo(champ, Offset.offset(1e-9));
    assertThat(evidence.get("candidate")).isCloseTo(chall, Offset.offset(1e-9));

    // The serving pointer names the champion's sealed artifact, relative to the lakehouse root.
    String pointer = Files.readString(registry.servingPointer(MODEL));
    assertThat(pointer)
        .contains("champion:\n    version: 2\n    format: xgboost")
        .contains("artifact: " + lake.relativize(Path.of(strong.artifacts())) + "/model")
        .doesNotContain(lake.toString());
  }

  @Test
  @Order(2)
  void theSameSpecSeedAndInputsReproduceTheModelAndAnEqualOneStaysChallenger() throws Exception {
    TrainJob.Result again = job().run(repurchase(Algorithm.XGBOOST, STRONG, SPLIT));
    assertThat(again.version()).isEqualTo(3);
    assertThat(again.params()).isEqualTo(strong.params());
    assertThat(Files.readAllBytes(Path.of(again.artifacts(), "model", "xgboost-model.ubj")))
        .isEqualTo(Files.readAllBytes(Path.of(strong.artifacts(), "model", "xgboost-model.ubj")));
    for (Map.Entry<String, Double> m : strong.metrics().entrySet()) {
      assertThat(again.metrics().get(m.getKey()))
          .as(m.getKey())
          .isCloseTo(m.getValue(), Offset.offset(1e-12));
    }
    // Equal is not better by min_improvement 0.01: version 3 stays challenger.
    assertThat(again.champion()).isFalse();
    assertThat(again.gate()).contains("does not meet min_improvement 0.0100");
    assertThat(registry.aliases(MODEL).get(ModelRegistry.CHALLENGER).version()).isEqualTo(3);
    assertThat(registry.aliases(MODEL).get(ModelRegistry.CHAMPION).version()).isEqualTo(2);
    // A new version becomes challenger first; the gate's verdict follows, with its numbers.
    assertThat(
            registry
                .history(MODEL)
                .where("alias = 'challenger' AND version = 3")
                .select("action")
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList())
        .containsExactly("register", "retain");

    // The run, its candidates and the version's lineage are in Delta.
    Row run =
        spark
            .read()
            .format("delta")
            .load(lake + "/ml/runs")
            .where("run_id = '" + again.runId() + "'")
            .first();
    assertThat(run.<String>getAs("status")).isEqualTo("SUCCEEDED");
    Map<String, Long> inputs = run.getJavaMap(run.fieldIndex("input_tables"));
    assertThat(inputs).containsKeys("silver.invoice_lines", "features.customer_activity");
    assertThat(
            spark
                .read()
                .format("delta")
                .load(lake + "/ml/run_metrics")
                .where("run_id = '" + again.runId() + "' AND chosen")
                .count())
        .isEqualTo(3);
    ModelRegistry.Version v3 = registry.version(MODEL, 3).orElseThrow();
    assertThat(v3.inputTables()).isEqualTo(inputs);
    assertThat(v3.inputs())
        .extracting(ModelRegistry.Input::name)
        .isEqualTo(run.getList(run.fieldIndex("features")));
    assertThat(v3.inputs()).extracting(ModelRegistry.Input::type).contains("double", "days_before");

    // Forcing needs a reason, which the history keeps.
    PromotionGate gate = new PromotionGate(registry, "test");
    assertThatThrownBy(() -> gate.force(MODEL, 3, " "))
        .hasMessageContaining("--force needs --reason");
    gate.force(MODEL, 3, "rollout drill");
    assertThat(registry.aliases(MODEL).get(ModelRegistry.CHAMPION).version()).isEqualTo(3);
    assertThat(
            registry.history(MODEL).where("action = 'force' AND reason = 'rollout drill'").count())
        .isEqualTo(1);
  }

  @Test
  @Order(3)
  void theBoosterScoresOutsideSparkAsThePipelineDidAndTheReportHasItsCharts() throws Exception {
    ModelRegistry.Version v = registry.version(MODEL, 2).orElseThrow();
    List<String> names = v.inputs().stream().map(ModelRegistry.Input::name).toList();
    Dataset<Row> rows =
        ModelInputs.modelInput(
                job().trainingSet(MODEL, v.trainingSetVersion()),
                names,
                "repurchase_30d",
                Algorithm.XGBOOST)
            .limit(200);
    // The Spark pipeline XGBoost4J-Spark trained, against the sealed booster outside Spark.
    List<Row> spark =
        Evaluation.withP1(org.apache.spark.ml.PipelineModel.load(v.sparkPipeline()).transform(rows))
            .collectAsList();
    try (Scorer scorer = Scorers.open(Path.of(v.artifact()))) {
      double[][] x = matrix(spark, names);
      double[] outside = scorer.scoreBatch(x);
      for (int i = 0; i < spark.size(); i++) {
        assertThat(outside[i]).isCloseTo(spark.get(i).<Double>getAs("_p1"), Offset.offset(1e-6));
      }
    }
    String html = Files.readString(Path.of(v.report()));
    assertThat(html).contains("<svg").contains("auc_pr").contains("calibration");
    assertThat(html).contains("last_purchase_ts"); // feature importance names features
  }

  @Test
  @Order(4)
  void anMlpVariantTrainsOnTheDriverAndScoresTheSameInsideAndOutsideSpark() throws Exception {
    TrainJob.Result mlp =
        job()
            .run(
                repurchase(
                    Algorithm.MLP, Map.of("hidden", List.of(16L), "epochs", List.of(5L)), SPLIT));
    ModelRegistry.Version v = registry.version(MODEL, mlp.version()).orElseThrow();
    assertThat(v.format()).isEqualTo("djl-mlp");
    assertThat(mlp.metrics().get("auc_roc")).isBetween(0.55, 1.0);
    // The gate rescored the XGBoost champion (version 3) on the same rows.
    assertThat(mlp.gate()).contains("vs champion version 3");

    List<String> names = v.inputs().stream().map(ModelRegistry.Input::name).toList();
    Dataset<Row> rows =
        ModelInputs.modelInput(
                job().trainingSet(MODEL, v.trainingSetVersion()),
                names,
                "repurchase_30d",
                Algorithm.MLP)
            .repartition(3);
    List<Row> inSpark = Fitted.load(v).withP1(rows).collectAsList();
    assertThat(inSpark).hasSizeGreaterThan(1000);
    try (Scorer scorer = Scorers.open(Path.of(v.artifact()))) {
      double[] outside = scorer.scoreBatch(matrix(inSpark, names));
      for (int i = 0; i < inSpark.size(); i++) {
        assertThat(outside[i]).isCloseTo(inSpark.get(i).<Double>getAs("_p1"), Offset.offset(1e-6));
      }
    }
  }

  @Test
  @Order(5)
  void aCorruptOrMissingArtifactIsRefusedWithItsPath() throws Exception {
    ModelRegistry.Version v = registry.version(MODEL, 1).orElseThrow();
    Path file = Path.of(v.artifact(), "xgboost-model.ubj");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);
    assertThatThrownBy(() -> Scorers.open(Path.of(v.artifact())))
        .isInstanceOf(ModelArtifactException.class)
        .hasMessageContaining(file.toString());

    ModelRegistry.Version mlp =
        registry.versions(MODEL).stream()
            .filter(x -> x.format().equals("djl-mlp"))
            .findFirst()
            .orElseThrow();
    Path params = Path.of(mlp.artifact(), "mlp-0000.params");
    Files.delete(params);
    assertThatThrownBy(() -> Fitted.load(mlp))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining(params.toString());
    // The gate cannot rescore a broken champion: the candidate stays challenger, with why.
    new PromotionGate(registry, "test").force(MODEL, mlp.version(), "test a broken champion");
    TrainJob.Result next = job().run(repurchase(Algorithm.XGBOOST, WEAK, SPLIT));
    assertThat(next.champion()).isFalse();
    assertThat(next.gate()).contains("could not be rescored").contains(params.toString());
  }

  @Test
  @Order(6)
  void aRunThatFailsIsRecordedAsFailedWithItsMessage() {
    assertThatThrownBy(
            () -> job().run(repurchase(Algorithm.XGBOOST, WEAK, LocalDate.parse("2011-04-01"))))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("the validation window has 0 rows (0 negative, 0 positive)");
    Row failed =
        spark.read().format("delta").load(lake + "/ml/runs").where("status = 'FAILED'").first();
    assertThat(failed.<String>getAs("model")).isEqualTo(MODEL);
    assertThat(failed.<String>getAs("message")).contains("the validation window has 0 rows");
  }

  @Test
  @Order(7)
  void alsRecommendsProductsAndIsJudgedAtKAgainstPopularity() {
    ModelSpec recs = smallRecs();
    TrainJob.Result r = job().run(recs);
    assertThat(r.version()).isEqualTo(1);
    assertThat(r.champion()).isTrue();
    for (String m : List.of("precision_at_5", "recall_at_5", "map_at_5")) {
      assertThat(r.metrics().get(m)).as(m).isBetween(0.0, 1.0);
      assertThat(r.metrics().get("popularity_" + m)).as(m).isBetween(0.0, 1.0);
    }
    assertThat(r.metrics().get("precision_at_5"))
        .as("some recommended items are bought")
        .isPositive();
    assertThat(registry.version("recs", 1).orElseThrow().format()).isEqualTo("spark-als");

    // Rescoring the same version on the same window gives the recorded metric again.
    RecommendJob.Data d =
        new RecommendJob(project, lakehouse, Clock.systemUTC(), m -> {})
            .data(
                recs,
                registry
                    .version("recs", 1)
                    .orElseThrow()
                    .inputTables()
                    .get("silver.invoice_lines"));
    Map<String, Double> again =
        RecommendJob.evaluate(
            RecommendJob.load(registry.version("recs", 1).orElseThrow()), d.truth(), 5);
    assertThat(again.get("map_at_5")).isCloseTo(r.metrics().get("map_at_5"), Offset.offset(1e-12));

    // Unseen items count one by one: 1 hit among 3 true items is recall 1/3, not 1/2.
    Dataset<Row> oneUser =
        spark.sql(
            "SELECT array(1.0D, 2.0D, 3.0D) AS prediction, array(1.0D, -1.0D, -2.0D) AS label");
    Map<String, Double> m = RecommendJob.ranking(oneUser, 3);
    assertThat(m.get("precision_at_3")).isCloseTo(1.0 / 3, Offset.offset(1e-12));
    assertThat(m.get("recall_at_3")).isCloseTo(1.0 / 3, Offset.offset(1e-12));
    assertThat(m.get("map_at_3")).isCloseTo(1.0 / 3, Offset.offset(1e-12));
  }

  @Test
  @Order(8)
  void theModelsCommandsShowAndPromote() {
    CliRun list = cli("models", "list", MODEL);
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).contains("djl-mlp").contains("xgboost").contains("previous_champion");
    CliRun show = cli("models", "show", MODEL, "2");
    assertThat(show.out()).contains("format:         xgboost").contains("days_before");
    CliRun noReason = cli("models", "promote", MODEL, "2", "--force");
    assertThat(noReason.code()).isNotZero();
    assertThat(noReason.err()).contains("--force needs --reason");
    CliRun forced = cli("models", "promote", MODEL, "2", "--force", "--reason", "back to v2");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(registry.aliases(MODEL).get(ModelRegistry.CHAMPION).version()).isEqualTo(2);
    CliRun history = cli("models", "history", MODEL);
    assertThat(history.out()).contains("back to v2").contains("rollout drill");
    CliRun unknown = cli("models", "show", MODEL, "99");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("has no version 99");
  }

  @Test
  @Order(9)
  void nightlyPredictionsScoreThePopulationIdempotentlyAndArePublished() throws Exception {
    LocalDate date = LocalDate.parse("2011-03-10");
    ModelSpec spec = repurchase(Algorithm.XGBOOST, STRONG, SPLIT);
    PredictJob job = new PredictJob(project, lakehouse, Clock.systemUTC(), m -> {});
    PredictJob.Result first = job.run(spec, "champion", date);
    int champion = registry.aliases(MODEL).get(ModelRegistry.CHAMPION).version();
    assertThat(first.version()).isEqualTo(champion);
    // The population: customers with a purchase in the 30 days before the end of the date.
    long population =
        spark
            .read()
            .format("delta")
            .load(lake + "/silver/invoice_lines")
            .where(
                "NOT is_cancellation AND customer_id IS NOT NULL"
                    + " AND invoice_ts >= TIMESTAMP'2011-02-09 00:00:00'"
                    + " AND invoice_ts < TIMESTAMP'2011-03-11 00:00:00'")
            .select("customer_id")
            .distinct()
            .count();
    assertThat(first.rows()).isEqualTo(population).isPositive();
    Dataset<Row> table = spark.read().format("delta").load(lake + "/predictions/" + MODEL);
    assertThat(table.where("score < 0 OR score > 1 OR score IS NULL").count()).isZero();
    assertThat(table.where("model_version = " + champion).count()).isEqualTo(population);

    // Re-running the date replaces it; another date adds its own partition.
    job.run(spec, "champion", date);
    job.run(spec, "3", date.plusDays(1)); // a named version (version 1's artifact is corrupt)
    table = spark.read().format("delta").load(lake + "/predictions/" + MODEL);
    assertThat(table.where("prediction_date = DATE'2011-03-10'").count()).isEqualTo(population);
    assertThat(
            table
                .where("prediction_date = DATE'2011-03-11'")
                .select("model_version")
                .first()
                .getInt(0))
        .isEqualTo(3);
    assertThat(
            spark
                .sql("SELECT DISTINCT prediction_date FROM predictions." + MODEL + "_latest")
                .collectAsList())
        .extracting(r -> r.getDate(0).toLocalDate())
        .containsExactly(date.plusDays(1));

    // Published beside the features, the newest date answers lookups by key.
    dev.lakeml.publish.PublishJob publish =
        new dev.lakeml.publish.PublishJob(project, lakehouse, Clock.systemUTC(), m -> {});
    List<dev.lakeml.publish.PublishJob.ViewData> views = publish.latestPredictions(1);
    Path online = lake.resolve("_online_predictions");
    publish.publishRocksDb(views, online, 2, 2);
    Row one = table.where("prediction_date = DATE'2011-03-11'").orderBy("customer_id").first();
    try (dev.lakeml.online.RocksDbOnlineStore store =
        dev.lakeml.online.RocksDbOnlineStore.open(online)) {
      dev.lakeml.schemas.snapshot.FeatureVector v =
          store.get(
              "predictions." + MODEL,
              List.of(one.<Long>getAs("customer_id")),
              java.time.Instant.parse("2011-03-12T00:00:00Z"));
      assertThat(v.found()).isTrue();
      assertThat((Double) v.values().get("score")).isEqualTo(one.<Double>getAs("score"));
      assertThat(v.values().get("model_version")).isEqualTo(3L);
    }
    // Predicting with the corrupt version 1 is refused with the artifact's path.
    assertThatThrownBy(() -> job.run(spec, "1", date))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("xgboost-model.ubj")
        .hasMessageContaining("the artifact is corrupt");
  }

  @Test
  @Order(10)
  void aRecommenderPredictsTopNForEveryKnownUser() {
    ModelSpec small = smallRecs();
    PredictJob.Result r =
        new PredictJob(project, lakehouse, Clock.systemUTC(), m -> {})
            .run(small, "champion", LocalDate.parse("2011-03-31"));
    Dataset<Row> table = spark.read().format("delta").load(lake + "/predictions/recs");
    long users =
        spark
            .read()
            .format("delta")
            .load(lake + "/silver/invoice_lines")
            .where(
                "NOT is_cancellation AND customer_id IS NOT NULL AND quantity > 0"
                    + " AND invoice_ts < TIMESTAMP'2011-03-01 00:00:00'")
            .select("customer_id")
            .distinct()
            .count();
    assertThat(r.rows()).isEqualTo(users);
    assertThat(table.where("size(items) <> 5 OR size(scores) <> 5").count()).isZero();
    assertThat(table.schema().apply("customer_id").dataType())
        .isEqualTo(org.apache.spark.sql.types.DataTypes.LongType);
    // Items are product codes the customers bought in the training window.
    long unknown =
        table
            .selectExpr("explode(items) AS stock_code")
            .join(
                spark.read().format("delta").load(lake + "/silver/invoice_lines"),
                "stock_code",
                "left_anti")
            .count();
    assertThat(unknown).isZero();
  }

  @Test
  @Order(11)
  void driftComparesTheChampionsDayWithItsTrainingSetAndARerunReplacesIt() {
    ModelSpec spec = repurchase(Algorithm.XGBOOST, STRONG, SPLIT);
    ModelRegistry.Version champion = registry.resolve(MODEL, ModelRegistry.CHAMPION);
    LocalDate date = LocalDate.parse("2011-03-10"); // scored by the champion in @Order(9)
    dev.lakeml.monitoring.DriftJob job =
        new dev.lakeml.monitoring.DriftJob(project, lakehouse, Clock.systemUTC(), m -> {});
    dev.lakeml.monitoring.DriftJob.Result first = job.run(spec, date);
    assertThat(first.version()).isEqualTo(champion.version());
    assertThat(first.referenceRows())
        .isEqualTo(
            lakehouse
                .readAt(lake + "/training_sets/" + MODEL, champion.trainingSetVersion())
                .count());
    Dataset<Row> drift = spark.read().format("delta").load(lake + "/monitoring/drift");
    // Every input and the score, for the batch population, compared with values on both sides.
    List<String> columns =
        drift
            .where("population = 'batch' AND statistic = 'psi' AND status = 'ok'")
            .select("feature")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    List<String> expected =
        new java.util.ArrayList<>(
            champion.inputs().stream().map(ModelRegistry.Input::name).toList());
    expected.add("score");
    assertThat(columns).containsExactlyInAnyOrderElementsOf(expected);
    long predicted =
        spark
            .read()
            .format("delta")
            .load(lake + "/predictions/" + MODEL)
            .where("prediction_date = DATE'2011-03-10'")
            .count();
    assertThat(
            drift
                .where("population = 'batch' AND feature = 'score' AND statistic = 'null_share'")
                .first()
                .<Long>getAs("current_rows"))
        .isEqualTo(predicted);
    assertThat(drift.where("value IS NOT NULL AND NOT (value = value)").count()).isZero();
    // No request is logged that day yet: the online population says so, with no value.
    assertThat(drift.where("population = 'online'").select("status").distinct().collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("no data");
    // Two requests answered that day, and one shadow score (not an answer), are logged: a rerun
    // replaces the day's rows, and the online population holds the two, their logged text encoded
    // as the model reads it (a timestamp as days before the request's reference time).
    List<Row> logged = new java.util.ArrayList<>();
    for (String variant : List.of("champion", "champion", "shadow")) {
      Map<String, String> features = new java.util.LinkedHashMap<>();
      for (ModelRegistry.Input in : champion.inputs()) {
        features.put(in.name(), in.type().equals("days_before") ? "2011-03-05T00:00:00Z" : "2.0");
      }
      java.sql.Timestamp at =
          java.sql.Timestamp.from(java.time.Instant.parse("2011-03-10T12:00:00Z"));
      logged.add(
          dev.lakeml.lakehouse.TableRow.of(dev.lakeml.schemas.tables.ServingTables.PREDICTION_LOG)
              .set("time", at)
              .set("request_id", "request-" + logged.size())
              .set("model", MODEL)
              .set("version", champion.version())
              .set("run_id", champion.runId())
              .set("variant", variant)
              .set("returned", !variant.equals("shadow"))
              .set("entities", Map.of("customer_id", "12347"))
              .set("features", features)
              .set("reference_time", at)
              .set("score", 0.25)
              .set("latency_ms", 1.0)
              .set("log_date", java.sql.Date.valueOf(date))
              .set("_source_file", "test.jsonl")
              .set("_ingested_at", at)
              .build());
    }
    lakehouse.ensure(List.of(dev.lakeml.schemas.tables.ServingTables.PREDICTION_LOG));
    lakehouse.append(dev.lakeml.schemas.tables.ServingTables.PREDICTION_LOG, logged);
    long rows = drift.count();
    job.run(spec, date);
    Dataset<Row> rerun = spark.read().format("delta").load(lake + "/monitoring/drift");
    assertThat(rerun.count()).isEqualTo(rows);
    List<Row> online =
        rerun
            .where("population = 'online' AND statistic = 'null_share'")
            .select("feature", "value", "current_rows", "status")
            .collectAsList();
    assertThat(online).hasSize(expected.size());
    assertThat(online)
        .allSatisfy(
            r -> {
              assertThat(r.getString(3)).isEqualTo("ok");
              assertThat(r.getLong(2)).as(r.getString(0)).isEqualTo(2);
              assertThat(r.getDouble(1)).as(r.getString(0) + " parsed").isZero();
            });
    assertThat(
            rerun.where("population = 'online' AND statistic = 'psi' AND status <> 'ok'").count())
        .isZero();
    job.run(spec, LocalDate.parse("2011-03-20")); // never predicted: no batch data
    Dataset<Row> after = spark.read().format("delta").load(lake + "/monitoring/drift");
    assertThat(after.count()).isEqualTo(2 * rows);
    assertThat(
            after
                .where("logical_date = DATE'2011-03-20'")
                .select("status")
                .distinct()
                .collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("no data");

    // The command prints the breaches; a model without a champion is refused with the fix.
    CliRun run = cli("monitor", "drift", "line_cancellation", "--date", "2011-03-10");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err())
        .contains("Model line_cancellation has no champion")
        .contains("lakeml models promote line_cancellation VERSION")
        .doesNotContain("Exception");
  }

  @Test
  @Order(12)
  void performanceJudgesMatureDatesMarksTheOthersAndFillsThemInAsLabelsArrive() {
    ModelSpec spec = repurchase(Algorithm.XGBOOST, STRONG, SPLIT);
    // Scored on 2011-03-10 and 03-11 (@Order(9)); the lake holds events up to 2011-04-15, so
    // their 30-day labels are known. A prediction for 03-31 waits until 2011-05-01.
    new PredictJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(spec, "champion", LocalDate.parse("2011-03-31"));
    dev.lakeml.monitoring.PerformanceJob job =
        new dev.lakeml.monitoring.PerformanceJob(project, lakehouse, Clock.systemUTC(), m -> {});
    dev.lakeml.monitoring.PerformanceJob.Result first = job.run(spec);
    Map<LocalDate, dev.lakeml.monitoring.PerformanceTable.DatePerformance> byDate =
        new java.util.TreeMap<>();
    first.dates().forEach(d -> byDate.put(d.date(), d));
    assertThat(byDate.keySet())
        .containsExactly(
            LocalDate.parse("2011-03-10"),
            LocalDate.parse("2011-03-11"),
            LocalDate.parse("2011-03-31"));
    var march10 = byDate.get(LocalDate.parse("2011-03-10"));
    long predicted =
        spark
            .read()
            .format("delta")
            .load(lake + "/predictions/" + MODEL)
            .where("prediction_date = DATE'2011-03-10'")
            .count();
    assertThat(march10.status()).isEqualTo("ok");
    // The label's population is the prediction's: every prediction judged, no label left over.
    assertThat(march10.rows()).isEqualTo(predicted);
    assertThat(march10.unmatchedLabels()).isZero();
    assertThat(march10.unlabelledPredictions()).isZero();
    assertThat(march10.positives()).isPositive().isLessThan(predicted);
    assertThat(march10.metrics().get("auc_roc")).isBetween(0.5, 1.0);
    assertThat(march10.metrics().get("log_loss")).isPositive();
    assertThat(march10.validation()).containsKey("auc_pr");
    var march31 = byDate.get(LocalDate.parse("2011-03-31"));
    assertThat(march31.status()).isEqualTo("immature");
    assertThat(march31.labelsKnownAt()).isEqualTo(java.time.Instant.parse("2011-05-01T00:00:00Z"));
    Dataset<Row> table = spark.read().format("delta").load(lake + "/monitoring/performance");
    assertThat(table.where("prediction_date = DATE'2011-03-31' AND value IS NOT NULL").count())
        .isZero();
    List<Row> before =
        table
            .where("prediction_date < DATE'2011-03-31'")
            .select("prediction_date", "metric", "value", "rows")
            .orderBy("prediction_date", "metric")
            .collectAsList();

    // A rerun on the same data gives the same rows; a label for a prediction that does not exist
    // (its prediction deleted) is counted, not dropped silently.
    job.run(spec);
    assertThat(
            spark
                .read()
                .format("delta")
                .load(lake + "/monitoring/performance")
                .where("prediction_date < DATE'2011-03-31'")
                .select("prediction_date", "metric", "value", "rows")
                .orderBy("prediction_date", "metric")
                .collectAsList())
        .isEqualTo(before);
    long deleted =
        spark
            .read()
            .format("delta")
            .load(lake + "/predictions/" + MODEL)
            .where("prediction_date = DATE'2011-03-11' AND customer_id < 13000")
            .count();
    assertThat(deleted).isPositive();
    spark.sql(
        "DELETE FROM delta.`"
            + lake
            + "/predictions/"
            + MODEL
            + "` WHERE prediction_date = DATE'2011-03-11' AND customer_id < 13000");
    var afterDelete =
        job.run(spec).dates().stream()
            .filter(d -> d.date().equals(LocalDate.parse("2011-03-11")))
            .findFirst()
            .orElseThrow();
    assertThat(afterDelete.unmatchedLabels()).isEqualTo(deleted);

    // The labels of 03-31 mature once the events up to 2011-05-01 are in: the date fills in.
    new IngestJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(
            project.source("invoice_lines").orElseThrow(),
            LocalDate.parse("2011-04-16"),
            LocalDate.parse("2011-05-02"));
    var filled =
        job.run(spec).dates().stream()
            .filter(d -> d.date().equals(LocalDate.parse("2011-03-31")))
            .findFirst()
            .orElseThrow();
    assertThat(filled.status()).isEqualTo("ok");
    assertThat(filled.rows()).isPositive();
    assertThat(filled.metrics().get("auc_roc")).isBetween(0.5, 1.0);

    // A model never predicted is refused with what to run first.
    CliRun recs = cli("monitor", "performance", "product_recs");
    assertThat(recs.code()).isEqualTo(1);
    assertThat(recs.err())
        .contains("has no predictions to judge", "lakeml predict product_recs")
        .doesNotContain("Exception");
  }

  @Test
  @Order(13)
  void skewRecomputesLoggedRequestsOfflineAndFindsATamperedValue() throws Exception {
    // The features as the API reads them: customer_activity published to a RocksDB snapshot, read
    // back with the serving API's own store at a request time an hour after the snapshot's as-of.
    dev.lakeml.publish.PublishJob publish =
        new dev.lakeml.publish.PublishJob(project, lakehouse, Clock.systemUTC(), m -> {});
    List<dev.lakeml.publish.PublishJob.ViewData> views =
        publish.latest(
            List.of(project.features().view("customer_activity").orElseThrow()),
            java.util.Optional.empty());
    Path online = lake.resolve("_online_skew");
    publish.publishRocksDb(views, online, 2, 2);
    java.time.Instant at = views.get(0).entry().featuresAsOf().plusSeconds(3600);
    LocalDate day = LocalDate.ofInstant(at, java.time.ZoneOffset.UTC);
    ModelRegistry.Version champion = registry.resolve(MODEL, ModelRegistry.CHAMPION);
    List<Long> customers =
        spark
            .read()
            .format("delta")
            .load(lake + "/features/customer_activity")
            .select("customer_id")
            .distinct()
            .orderBy("customer_id")
            .limit(40)
            .as(org.apache.spark.sql.Encoders.LONG())
            .collectAsList();
    // Each request logged as the API logs it (one JSON line, inputs as text), loaded with
    // lakeml ingest-predictions' job. One request's first number is tampered with.
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    String tampered =
        champion.inputs().stream()
            .filter(i -> i.type().equals("double"))
            .findFirst()
            .orElseThrow()
            .name();
    List<String> lines = new java.util.ArrayList<>();
    try (dev.lakeml.online.RocksDbOnlineStore store =
        dev.lakeml.online.RocksDbOnlineStore.open(online)) {
      for (Long c : customers) {
        dev.lakeml.schemas.snapshot.FeatureVector v =
            store.get("customer_activity", List.of(c), at);
        if (!v.found()) {
          continue; // the API would refuse the request: nothing logged
        }
        Map<String, Object> features = new java.util.LinkedHashMap<>();
        for (ModelRegistry.Input in : champion.inputs()) {
          Object value = v.values().get(in.name());
          features.put(in.name(), value instanceof java.time.Instant t ? t.toString() : value);
        }
        if (lines.size() == 3) {
          Object was = features.get(tampered);
          features.put(tampered, was == null ? 1.0 : ((Number) was).doubleValue() * 2 + 1);
        }
        Map<String, Object> record = new java.util.LinkedHashMap<>();
        record.put("time", at.toString());
        record.put("request_id", "req-" + c);
        record.put("model", MODEL);
        record.put("version", champion.version());
        record.put("run_id", champion.runId());
        record.put("variant", "champion");
        record.put("returned", true);
        record.put("entities", Map.of("customer_id", c));
        record.put("features", features);
        record.put("reference_time", at.toString());
        record.put("score", 0.5);
        record.put("latency_ms", 1.0);
        lines.add(json.writeValueAsString(record));
      }
    }
    assertThat(lines).hasSizeGreaterThan(10);
    String odd = json.readTree(lines.get(3)).get("request_id").asText();
    Path logs = java.nio.file.Files.createDirectories(lake.resolve("_skew_logs"));
    java.nio.file.Files.write(logs.resolve("predictions-skew-1.jsonl"), lines);
    new dev.lakeml.feedback.PredictionLogJob(lakehouse, m -> {}).run(logs);

    dev.lakeml.monitoring.SkewJob job =
        new dev.lakeml.monitoring.SkewJob(project, lakehouse, Clock.systemUTC(), m -> {});
    dev.lakeml.monitoring.SkewJob.Result r = job.run(day, java.util.Optional.empty(), 10_000);
    var ours = r.versions().stream().filter(v -> v.model().equals(MODEL)).findFirst().orElseThrow();
    assertThat(ours.version()).isEqualTo(champion.version());
    assertThat(ours.measures()).hasSize(champion.inputs().size());
    for (dev.lakeml.monitoring.SkewMeasure m : ours.measures()) {
      assertThat(m.status()).as(m.feature()).isEqualTo("ok");
      assertThat(m.source()).isEqualTo("view customer_activity");
      assertThat(m.sampled()).isEqualTo(lines.size());
      if (m.feature().equals(tampered)) {
        assertThat(m.mismatched() + m.missingOffline()).isEqualTo(1);
        assertThat(m.example()).startsWith(odd + ": online ");
      } else {
        // Online = offline: the snapshot's value is the point-in-time value at the request.
        assertThat(m.matched()).as(m.feature() + ": " + m.example()).isEqualTo(lines.size());
        assertThat(m.mismatchRate()).isZero();
      }
    }
    // A rerun replaces the day's rows; a smaller sample compares fewer requests.
    Dataset<Row> table = spark.read().format("delta").load(lake + "/monitoring/skew");
    long rows = table.count();
    assertThat(rows).isEqualTo(champion.inputs().size());
    job.run(day, java.util.Optional.empty(), 5);
    Dataset<Row> again = spark.read().format("delta").load(lake + "/monitoring/skew");
    assertThat(again.count()).isEqualTo(rows);
    assertThat(again.select("sampled").distinct().first().getLong(0)).isEqualTo(5);
    assertThat(again.select("requests").distinct().first().getLong(0)).isEqualTo(lines.size());

    // Requests of a version the registry does not know are refused, naming it.
    java.nio.file.Files.write(
        logs.resolve("predictions-skew-2.jsonl"),
        List.of(
            lines
                .get(0)
                .replace("\"req-", "\"other-")
                .replace("\"version\":" + champion.version(), "\"version\":99")));
    new dev.lakeml.feedback.PredictionLogJob(lakehouse, m -> {}).run(logs);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> job.run(day, java.util.Optional.empty(), 10))
        .hasMessageContaining(MODEL + " version 99")
        .hasMessageContaining("registry does not know");
    CliRun zero = cli("monitor", "skew", "--date", day.toString(), "--sample", "0");
    assertThat(zero.code()).isEqualTo(1);
    assertThat(zero.err()).contains("--sample 0").doesNotContain("Exception");
    CliRun recs = cli("monitor", "skew", "--date", day.toString(), "--model", "product_recs");
    assertThat(recs.code()).isEqualTo(1);
    assertThat(recs.err())
        .contains("product_recs is a recommendation model", "only classifiers")
        .doesNotContain("Exception");
  }

  @Test
  @Order(14)
  void pricesScaledForDaysRaiseADriftAlertAndExactlyOneRetrainAndThePageShowsIt() throws Exception {
    // The raw files of four days with every unit price ten times too high (a unit error upstream),
    // in a copy of the project whose source reads them; the rest of the lake is as it was.
    List<LocalDate> days =
        List.of(
            LocalDate.parse("2011-05-03"),
            LocalDate.parse("2011-05-04"),
            LocalDate.parse("2011-05-05"),
            LocalDate.parse("2011-05-06"));
    Path shifted = lake.resolve("_shifted_project");
    Files.createDirectories(shifted.resolve("data/by-day"));
    Files.copy(EXAMPLE.resolve("lakeml.yaml"), shifted.resolve("lakeml.yaml"));
    for (LocalDate d : days) {
      scalePrices(
          EXAMPLE.resolve("data/by-day/" + d + ".csv.gz"),
          shifted.resolve("data/by-day/" + d + ".csv.gz"),
          10);
    }
    Project scaled = ProjectLoader.load(shifted);
    new IngestJob(scaled, lakehouse, Clock.systemUTC(), m -> {})
        .run(scaled.source("invoice_lines").orElseThrow(), days.get(0), days.get(3));
    // Features for every day since the lake's last (2011-03-31): April as it was, May scaled.
    new dev.lakeml.features.FeatureJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(
            project.features().view("customer_activity").orElseThrow(),
            LocalDate.parse("2011-04-01"),
            days.get(3));

    // The policy: one column past a normalised Wasserstein distance of 0.25, three days running.
    ModelSpec base = repurchase(Algorithm.XGBOOST, STRONG, SPLIT);
    dev.lakeml.schemas.monitoring.AlertPolicy policy =
        new dev.lakeml.schemas.monitoring.AlertPolicy(
            java.util.Set.of(dev.lakeml.schemas.monitoring.DriftStatistic.WASSERSTEIN_NORMED),
            1,
            3,
            java.util.Optional.empty(),
            1.0,
            java.time.Duration.ofDays(7));
    ModelSpec spec =
        new ModelSpec(
            base.name(),
            base.task(),
            base.trainingSet(),
            base.interactions(),
            base.features(),
            base.algorithm(),
            base.grid(),
            base.validateFrom(),
            base.metric(),
            base.topK(),
            base.minImprovement(),
            base.seed(),
            "",
            Map.of(),
            new dev.lakeml.schemas.monitoring.MonitoringSpec(
                Map.of(dev.lakeml.schemas.monitoring.DriftStatistic.WASSERSTEIN_NORMED, 0.25),
                // Recency already drifts on the control day (May against a February-March
                // training set): switched off, as a team does for a known, accepted cause.
                Map.of(
                    "last_purchase_ts",
                    Map.of(
                        dev.lakeml.schemas.monitoring.DriftStatistic.WASSERSTEIN_NORMED,
                        Double.NaN)),
                policy));
    List<String> asked = new java.util.ArrayList<>();
    dev.lakeml.monitoring.RetrainTrigger trigger =
        new dev.lakeml.monitoring.RetrainTrigger() {
          @Override
          public String via() {
            return "local";
          }

          @Override
          public String retrain(LocalDate date, String reason) {
            asked.add(date + ": " + reason);
            return "retrain-" + date;
          }
        };
    PredictJob predict = new PredictJob(project, lakehouse, Clock.systemUTC(), m -> {});
    dev.lakeml.monitoring.DriftJob drift =
        new dev.lakeml.monitoring.DriftJob(project, lakehouse, Clock.systemUTC(), m -> {});
    dev.lakeml.monitoring.AlertJob alerts =
        new dev.lakeml.monitoring.AlertJob(lakehouse, Clock.systemUTC(), m -> {});
    // The control: the last day before the scaled ones, as it was.
    List<LocalDate> monitored = new java.util.ArrayList<>(List.of(LocalDate.parse("2011-05-01")));
    monitored.addAll(days);
    Map<LocalDate, dev.lakeml.monitoring.AlertJob.Result> results = new java.util.TreeMap<>();
    for (LocalDate d : monitored) {
      predict.run(spec, "champion", d);
      drift.run(spec, d);
      results.put(d, alerts.run(spec, d, trigger));
    }
    Map<LocalDate, List<String>> breached = new java.util.TreeMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lake + "/monitoring/drift")
            .where(
                "logical_date >= DATE'2011-05-01' AND population = 'batch'"
                    + " AND statistic = 'wasserstein_normed' AND breached")
            .select("logical_date", "feature")
            .collectAsList()) {
      breached
          .computeIfAbsent(r.getDate(0).toLocalDate(), k -> new java.util.ArrayList<>())
          .add(r.getString(1));
    }
    // Nothing breaches on the control day; spend over the last 7 days breaches on every scaled
    // day, and the longer spend windows join in as the scaled days add up.
    assertThat(breached.get(LocalDate.parse("2011-05-01"))).as("the control day").isNull();
    for (LocalDate d : days) {
      assertThat(breached.get(d)).as(d.toString()).contains("spend_7d");
    }
    assertThat(breached.get(days.get(3))).contains("spend_30d", "spend_90d");
    // No alert before the third scaled day; on it an alert and one retrain; the fourth day belongs
    // to the same episode and asks for nothing.
    assertThat(results.get(LocalDate.parse("2011-05-01")).alerts()).isEmpty();
    assertThat(results.get(days.get(0)).alerts()).isEmpty();
    assertThat(results.get(days.get(1)).alerts()).isEmpty();
    dev.lakeml.monitoring.AlertTable.Alert raised = results.get(days.get(2)).alerts().get(0);
    assertThat(raised.kind()).isEqualTo("drift");
    assertThat(raised.episode()).endsWith("2011-05-03");
    assertThat(raised.retrain()).isEqualTo("triggered");
    assertThat(raised.retrainRun()).isEqualTo("retrain-2011-05-05");
    assertThat(raised.evidence()).contains("spend_7d");
    assertThat(results.get(days.get(3)).alerts())
        .singleElement()
        .satisfies(a -> assertThat(a.retrain()).isEqualTo("already triggered"));
    assertThat(asked).hasSize(1);
    assertThat(asked.get(0)).startsWith("2011-05-05: ");

    // The monitoring page shows it, with the new dates' performance waiting for their labels,
    // and the champion's report links to the page.
    new dev.lakeml.monitoring.PerformanceJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(spec);
    Path page =
        new dev.lakeml.monitoring.MonitoringPages(lakehouse, Clock.systemUTC()).write(MODEL);
    String html = Files.readString(page);
    assertThat(html)
        .contains("id=\"alerts\"", "retrain-2011-05-05", "id=\"drift-batch\"", "spend_7d")
        .contains("id=\"performance-chart\"", "id=\"skew-table\"", "immature until");
    ModelRegistry.Version champion = registry.resolve(MODEL, ModelRegistry.CHAMPION);
    Path report = Path.of(champion.report());
    assertThat(Files.readString(report)).contains("href=\"../monitoring.html\"");
    assertThat(report.getParent().resolve("../monitoring.html").normalize()).isEqualTo(page);
    assertThat(html).contains("href=\"" + report.getParent().getFileName() + "/report.html\"");
  }

  /** Copies a gzipped raw file with every UnitPrice (the sixth field) multiplied by {@code by}. */
  static void scalePrices(Path from, Path to, int by) throws java.io.IOException {
    List<String> out = new java.util.ArrayList<>();
    try (java.io.BufferedReader in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                new java.util.zip.GZIPInputStream(Files.newInputStream(from)),
                java.nio.charset.StandardCharsets.UTF_8))) {
      out.add(in.readLine());
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        List<Integer> commas = new java.util.ArrayList<>();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
          char c = line.charAt(i);
          if (c == '"') {
            quoted = !quoted;
          } else if (c == ',' && !quoted) {
            commas.add(i);
          }
        }
        String price = line.substring(commas.get(4) + 1, commas.get(5));
        String scaled =
            new java.math.BigDecimal(price)
                .multiply(java.math.BigDecimal.valueOf(by))
                .toPlainString();
        out.add(line.substring(0, commas.get(4) + 1) + scaled + line.substring(commas.get(5)));
      }
    }
    try (java.io.Writer w =
        new java.io.OutputStreamWriter(
            new java.util.zip.GZIPOutputStream(Files.newOutputStream(to)),
            java.nio.charset.StandardCharsets.UTF_8)) {
      for (String line : out) {
        w.write(line);
        w.write('\n');
      }
    }
  }

  @Test
  @Order(15)
  void aRecommendersListsAreJudgedAtKAsSparksRankingMetricsWouldOnceTheHorizonHasPassed() {
    // Predicted for 03-31 (@Order(10)): its 31-day horizon (the model's validation window) ended
    // on 05-02, and the lake now holds events to 05-06. A list for 04-20 waits until 05-22.
    ModelSpec recs = smallRecs();
    new PredictJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(recs, "champion", LocalDate.parse("2011-04-20"));
    dev.lakeml.monitoring.PerformanceJob.Result r =
        new dev.lakeml.monitoring.PerformanceJob(project, lakehouse, Clock.systemUTC(), m -> {})
            .run(recs);
    assertThat(r.dates()).hasSize(2);
    var judged = r.dates().get(0);
    var waiting = r.dates().get(1);
    assertThat(judged.date()).isEqualTo(LocalDate.parse("2011-03-31"));
    assertThat(judged.status()).isEqualTo("ok");
    assertThat(waiting.status()).isEqualTo("immature");
    assertThat(waiting.labelsKnownAt()).isEqualTo(java.time.Instant.parse("2011-05-22T00:00:00Z"));
    assertThat(judged.validation()).containsKey("map_at_5");

    // The same lists and later purchases through Spark's own RankingEvaluator (items as ids).
    Dataset<Row> lists =
        spark
            .read()
            .format("delta")
            .load(lake + "/predictions/recs")
            .where("prediction_date = DATE'2011-03-31'")
            .selectExpr("CAST(customer_id AS STRING) AS user", "items");
    Dataset<Row> truth =
        spark
            .read()
            .format("delta")
            .load(lake + "/silver/invoice_lines")
            .where(
                "NOT is_cancellation AND customer_id IS NOT NULL AND quantity > 0"
                    + " AND invoice_ts >= TIMESTAMP'2011-04-01 00:00:00'"
                    + " AND invoice_ts < TIMESTAMP'2011-05-02 00:00:00'")
            .groupBy(org.apache.spark.sql.functions.expr("CAST(customer_id AS STRING)").as("user"))
            .agg(org.apache.spark.sql.functions.expr("collect_set(stock_code)").as("bought"));
    List<String> items =
        lists
            .selectExpr("explode(items) AS i")
            .union(truth.selectExpr("explode(bought) AS i"))
            .distinct()
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    Double[] ids = new Double[items.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (double) i;
    }
    org.apache.spark.sql.Column map =
        org.apache.spark.sql.functions.map_from_arrays(
            org.apache.spark.sql.functions.lit(items.toArray(String[]::new)),
            org.apache.spark.sql.functions.lit(ids));
    Dataset<Row> both =
        lists
            .join(truth, "user")
            .withColumn("_m", map)
            .selectExpr(
                "transform(items, x -> element_at(_m, x)) AS prediction",
                "transform(bought, x -> element_at(_m, x)) AS label");
    assertThat(judged.rows()).isEqualTo(both.count());
    org.apache.spark.ml.evaluation.RankingEvaluator e =
        new org.apache.spark.ml.evaluation.RankingEvaluator().setK(5);
    assertThat(judged.metrics().get("precision_at_5"))
        .isCloseTo(e.setMetricName("precisionAtK").evaluate(both), Offset.offset(1e-12));
    assertThat(judged.metrics().get("recall_at_5"))
        .isCloseTo(e.setMetricName("recallAtK").evaluate(both), Offset.offset(1e-12));
    assertThat(judged.metrics().get("map_at_5"))
        .isCloseTo(e.setMetricName("meanAveragePrecisionAtK").evaluate(both), Offset.offset(1e-12));
    assertThat(judged.metrics().get("hit_rate_at_5"))
        .isEqualTo((double) judged.positives() / judged.rows());
    // Every list is judged, unlabelled (its user bought nothing) or both sides counted.
    assertThat(judged.rows() + judged.unlabelledPredictions()).isEqualTo(lists.count());
    assertThat(judged.unmatchedLabels()).isEqualTo(truth.join(lists, "user", "left_anti").count());
  }

  /** A small ALS recommender trained on the lake's interactions up to TO, judged at 5. */
  static ModelSpec smallRecs() {
    return new ModelSpec(
        "recs",
        Algorithm.Task.RECOMMENDATION,
        null,
        new ModelSpec.Interactions(
            "invoice_lines",
            "customer_id",
            "stock_code",
            "invoice_ts",
            "quantity",
            "NOT is_cancellation AND customer_id IS NOT NULL AND quantity > 0",
            LocalDate.parse("2010-12-01"),
            TO),
        List.of(),
        Algorithm.ALS,
        Map.of("rank", List.of(8L), "max_iter", List.of(5L), "alpha", List.of(10.0)),
        LocalDate.parse("2011-03-01"),
        ModelSpec.Metric.MAP_AT_K,
        5,
        0.0,
        42L,
        "",
        Map.of(),
        null);
  }

  @Test
  @Order(16)
  void analystsQueryThePredictionTablesOverJdbcReadOnlyAndOnlyWithAKey() throws Exception {
    // lakeml sql-server in its own JVM; the Hive JDBC driver in another, as a BI tool would be.
    String key = "analyst-key-0123456789abcdef";
    Path keys = lake.resolve("jdbc-keys");
    Files.writeString(keys, "analyst:" + key + ":read\n");
    String table = "predictions." + MODEL;
    Dataset<Row> delta = spark.read().format("delta").load(lake + "/predictions/" + MODEL);
    long rowsBefore = delta.count();
    try (SqlServerProcess server = SqlServerProcess.start(EXAMPLE, lake, keys, lake)) {
      List<String[]> out =
          server.probe(
              "analyst",
              key,
              "tables:predictions",
              "columns:predictions:" + MODEL,
              "query:SELECT customer_id, score FROM " + table + "_latest ORDER BY customer_id",
              "query:INSERT INTO " + table + " SELECT * FROM " + table,
              "query:DROP TABLE " + table,
              "query:SELECT * FROM predictions.no_such_model");

      // The table browser lists the table and its _latest view, and the Delta table's columns.
      assertThat(SqlServerProcess.lines(out, "table"))
          .extracting(t -> t[1] + " " + t[2])
          .contains(MODEL + " TABLE", MODEL + "_latest VIEW");
      assertThat(SqlServerProcess.lines(out, "column"))
          .filteredOn(c -> c[0].equals(MODEL))
          .extracting(c -> c[1])
          .containsExactly(delta.columns());

      // The query answers what Spark reads from the Delta table: the newest date's scores.
      String newest = delta.selectExpr("max(prediction_date)").first().get(0).toString();
      List<Row> expected =
          delta
              .where("prediction_date = DATE'" + newest + "'")
              .select("customer_id", "score")
              .orderBy("customer_id")
              .collectAsList();
      List<String[]> rows = SqlServerProcess.lines(out, "row");
      assertThat(rows).hasSize(expected.size()).isNotEmpty();
      for (int i = 0; i < rows.size(); i++) {
        assertThat(Long.parseLong(rows.get(i)[0])).isEqualTo(expected.get(i).getLong(0));
        assertThat(Double.parseDouble(rows.get(i)[1])).isEqualTo(expected.get(i).getDouble(1));
      }

      // A write and a DROP are refused, naming the rule; a missing table is named.
      List<String[]> errors = SqlServerProcess.lines(out, "error");
      assertThat(errors).hasSize(3);
      assertThat(errors.get(0)[0]).contains("read-only").contains("AppendData is refused");
      assertThat(errors.get(1)[0]).contains("read-only").contains("DropTable is refused");
      assertThat(errors.get(2)[0])
          .contains("TABLE_OR_VIEW_NOT_FOUND")
          .contains("`predictions`.`no_such_model`");

      // No key, a wrong key, and a right key under another name are all refused at login.
      for (String[] login :
          List.of(
              new String[] {"analyst", ""},
              new String[] {"analyst", "wrong-key-0123456789abcdef"},
              new String[] {"someone-else", key})) {
        List<String[]> refused = server.probe(login[0], login[1], "query:SELECT 1");
        assertThat(refused).hasSize(1);
        assertThat(refused.get(0)[0])
            .as(String.join("/", refused.get(0)))
            .isEqualTo("connect-error");
      }
      assertThat(server.log()).doesNotContain(key);
    }
    // Nothing was written.
    assertThat(spark.read().format("delta").load(lake + "/predictions/" + MODEL).count())
        .isEqualTo(rowsBefore);
  }

  static double[][] matrix(List<Row> rows, List<String> names) {
    double[][] x = new double[rows.size()][names.size()];
    for (int i = 0; i < rows.size(); i++) {
      for (int j = 0; j < names.size(); j++) {
        Object v = rows.get(i).getAs(names.get(j));
        x[i][j] = v == null ? Double.NaN : ((Number) v).doubleValue();
      }
    }
    return x;
  }

  private static CliRun cli(String... args) {
    return CliRun.of(args, "-p", EXAMPLE.toString(), "--lakehouse", lake.toString(), "-q");
  }
}
