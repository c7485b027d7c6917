package dev.lakeml.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.ingest.IngestJob;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.online.RedisOnlineStore;
import dev.lakeml.online.RedisServer;
import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.publish.PublishJob;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.features.RequestTransform;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.ExampleLake;
import dev.lakeml.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature store on real Online Retail days: feature values against a direct computation,
 * idempotent reruns, training sets rebuilt exactly after new data lands, and online values equal to
 * offline ones.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FeatureStoreIT {
  static final Path EXAMPLE = ExampleLake.EXAMPLE;
  static final LocalDate FROM = ExampleLake.FROM;
  static final LocalDate TO = ExampleLake.TO;

  @TempDir static Path lake;

  static SparkSession spark;
  static Project project;
  static Lakehouse lakehouse;

  @BeforeAll
  static void ingestAndCompute() {
    spark = SharedSpark.session();
    project = ProjectLoader.load(EXAMPLE);
    // Ingested from 2010-12-01 to TO, every view computed from FROM to TO.
    ExampleLake.copyTo(lake);
    lakehouse = new Lakehouse(spark, lake.toString(), project.lakehouse().schemaEvolution());
  }

  private static Dataset<Row> table(String view) {
    return spark.read().format("delta").load(lake + "/features/" + view);
  }

  /** The view computed directly from the events of each window, without the job's two passes. */
  private static Dataset<Row> direct(FeatureViewSpec view, LocalDate date) {
    EntitySpec entity = project.features().entity(view.entity()).orElseThrow();
    String end = "CAST(DATE'" + date.plusDays(1) + "' AS TIMESTAMP)";
    String ts = view.eventTime();
    long longest = FeatureJob.longestWindowDays(view);
    Dataset<Row> events =
        spark
            .read()
            .format("delta")
            .load(lake + "/silver/" + view.source())
            .where(
                ts + " < " + end + " AND " + ts + " >= " + end + " - INTERVAL " + longest + " DAYS")
            .where(
                entity.keyNames().stream()
                    .map(k -> k + " IS NOT NULL")
                    .collect(Collectors.joining(" AND ")));
    if (view.filter().isPresent()) {
      events = events.where(view.filter().get());
    }
    List<Column> aggs = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      if (f instanceof FeatureSpec.Aggregate a) {
        String in =
            "("
                + a.where().orElse("TRUE")
                + ") AND "
                + ts
                + " >= "
                + end
                + " - INTERVAL "
                + a.window().toDays()
                + " DAYS";
        String of = a.of().orElse("1");
        String sql =
            switch (a.function()) {
              case COUNT -> "count_if(" + in + ")";
              case SUM -> "coalesce(sum(CASE WHEN " + in + " THEN " + of + " END), 0)";
              case MEAN -> "avg(CASE WHEN " + in + " THEN " + of + " END)";
              case MIN -> "min(CASE WHEN " + in + " THEN " + of + " END)";
              case MAX -> "max(CASE WHEN " + in + " THEN " + of + " END)";
              case COUNT_DISTINCT -> "count(DISTINCT CASE WHEN " + in + " THEN " + of + " END)";
              case LAST ->
                  "element_at(array_sort(collect_list(CASE WHEN "
                      + in
                      + " AND "
                      + of
                      + " IS NOT NULL THEN struct("
                      + ts
                      + ", "
                      + of
                      + ") END)), -1)['"
                      + of
                      + "']";
            };
        aggs.add(functions.expr(sql).as(a.name()));
      }
    }
    Dataset<Row> out =
        events
            .groupBy(entity.keyNames().stream().map(functions::col).toArray(Column[]::new))
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
    for (FeatureSpec f : view.features()) {
      if (f instanceof FeatureSpec.Ratio r) {
        out =
            out.withColumn(
                r.name(),
                functions.expr(
                    "CAST("
                        + r.numerator()
                        + " AS DOUBLE) / nullif(CAST("
                        + r.denominator()
                        + " AS DOUBLE), 0)"));
      }
    }
    return comparable(out, view);
  }

  /** Keys and features, numbers as doubles, so the two computations can be compared. */
  private static Dataset<Row> comparable(Dataset<Row> df, FeatureViewSpec view) {
    EntitySpec entity = project.features().entity(view.entity()).orElseThrow();
    List<Column> cols = new ArrayList<>();
    entity.keyNames().forEach(k -> cols.add(functions.col(k)));
    for (FeatureSpec f : view.features()) {
      StructField field = df.schema().apply(f.name());
      Column c = functions.col(f.name());
      cols.add(
          field.dataType().equals(DataTypes.TimestampType)
              ? c.as(f.name())
              : c.cast(DataTypes.DoubleType).as(f.name()));
    }
    return df.select(cols.toArray(Column[]::new));
  }

  /**
   * Rows of either side without an equal row on the other: same keys, and every feature equal
   * (numbers within a relative 1e-6: the direct plan's decimal mean keeps only 7 decimal places).
   */
  private static long differences(Dataset<Row> ours, Dataset<Row> expected, FeatureViewSpec view) {
    EntitySpec entity = project.features().entity(view.entity()).orElseThrow();
    Dataset<Row> a = ours.toDF(prefixed(ours.columns(), "a_"));
    Dataset<Row> b = expected.toDF(prefixed(expected.columns(), "b_"));
    Column on = functions.lit(true);
    for (String k : entity.keyNames()) {
      on = on.and(functions.col("a_" + k).equalTo(functions.col("b_" + k)));
    }
    List<String> same = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      String x = "a_" + f.name();
      String y = "b_" + f.name();
      same.add(
          "(("
              + x
              + " IS NULL AND "
              + y
              + " IS NULL) OR coalesce("
              + (ours.schema().apply(f.name()).dataType().equals(DataTypes.TimestampType)
                  ? x + " = " + y
                  : "abs(" + x + " - " + y + ") <= 1e-6 * greatest(1, abs(" + y + "))")
              + ", false))");
    }
    String k0 = entity.keyNames().get(0);
    return a.join(b, on, "full_outer")
        .where(
            "a_"
                + k0
                + " IS NULL OR b_"
                + k0
                + " IS NULL OR NOT ("
                + String.join(" AND ", same)
                + ")")
        .count();
  }

  private static String[] prefixed(String[] names, String prefix) {
    String[] out = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = prefix + names[i];
    }
    return out;
  }

  @Test
  @Order(1)
  void featureValuesEqualADirectComputationOfEachWindow() {
    for (FeatureViewSpec view : project.features().views()) {
      for (LocalDate d : List.of(FROM, LocalDate.parse("2011-03-06"), TO)) {
        Dataset<Row> ours =
            comparable(table(view.name()).where("_logical_date = DATE'" + d + "'"), view)
                .localCheckpoint(true);
        Dataset<Row> expected = direct(view, d).localCheckpoint(true);
        assertThat(ours.count()).as(view.name() + " " + d).isEqualTo(expected.count()).isPositive();
        assertThat(differences(ours, expected, view)).as(view.name() + " " + d).isZero();
      }
    }
    Row row =
        table("customer_activity")
            .where("customer_id = 12347 AND _logical_date = DATE'2011-02-01'")
            .selectExpr("event_timestamp", "invoices_90d", "spend_90d")
            .first();
    // 12347 bought on 2010-12-07 (711.79) and 2011-01-26 (475.39): both inside 90 days of Feb 1.
    assertThat(row.getTimestamp(0).toInstant()).isEqualTo(Instant.parse("2011-02-02T00:00:00Z"));
    assertThat(row.getLong(1)).isEqualTo(2L);
    assertThat(row.getDouble(2)).isEqualTo(1187.18, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  @Order(2)
  void rerunningADateReplacesItsRowsAndTheRegistryFollows() {
    FeatureViewSpec view = project.features().view("product_stats").orElseThrow();
    long before = table(view.name()).count();
    long dayRows = table(view.name()).where("_logical_date = DATE'2011-03-01'").count();
    FeatureJob.Result r =
        new FeatureJob(project, lakehouse, Clock.systemUTC(), m -> {})
            .run(view, LocalDate.parse("2011-03-01"), LocalDate.parse("2011-03-01"));
    assertThat(r.rows()).isEqualTo(dayRows);
    assertThat(table(view.name()).count()).isEqualTo(before);
    assertThat(table(view.name()).where("_run_id = '" + r.runId() + "'").count())
        .isEqualTo(dayRows);
    Row reg =
        spark
            .read()
            .format("delta")
            .load(lake + "/features/registry")
            .where("view = 'product_stats' AND feature = 'last_price'")
            .first();
    assertThat(reg.<String>getAs("definition_hash")).isEqualTo(view.definitionHash());
    assertThat(reg.<Long>getAs("delta_version")).isEqualTo(r.deltaVersion());
    assertThat(reg.<String>getAs("value_type")).isEqualTo("DOUBLE");
    assertThat(reg.<String>getAs("owner")).isEqualTo("merchandising");
  }

  @Test
  @Order(3)
  void aTrainingSetIsRebuiltExactlyAfterNewDataHasLanded() {
    TrainingSetJob job = new TrainingSetJob(project, lakehouse, Clock.systemUTC(), m -> {});
    lakehouse.registerExisting(IngestTables.all(project));
    String spineSql =
        "SELECT DISTINCT customer_id, stock_code, TIMESTAMP'2011-03-20 12:00:00' AS event_timestamp"
            + " FROM silver.invoice_lines WHERE customer_id IS NOT NULL";
    TrainingSetJob.Result fromSql =
        job.build(
            "lines",
            new TrainingSetJob.Spine.FromSql(spineSql, "event_timestamp"),
            List.of(),
            false);
    assertThat(fromSql.views()).containsExactly("customer_activity", "product_stats");
    TrainingSetJob.Result fromLabel =
        job.build(
            "repurchase",
            new TrainingSetJob.Spine.FromLabel(
                "repurchase_30d", LocalDate.parse("2011-02-05"), TO, 7),
            List.of(),
            false);
    Dataset<Row> repurchase = spark.read().format("delta").load(lake + "/training_sets/repurchase");
    // Cutoffs whose 30 days end after the newest event (2011-03-31) are not known yet.
    assertThat(repurchase.selectExpr("max(label_known_at)").first().getTimestamp(0).toInstant())
        .isBeforeOrEqualTo(Instant.parse("2011-03-31T23:59:59Z"));
    assertThat(repurchase.selectExpr("count(DISTINCT event_timestamp)").first().getLong(0))
        .isEqualTo(4);
    assertThat(repurchase.where("repurchase_30d = 1").count()).isPositive();
    assertThat(repurchase.where("repurchase_30d = 0").count()).isPositive();
    assertThat(repurchase.where("invoices_90d IS NULL").count()).isZero();

    // New data lands and the features move on.
    new IngestJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .run(
            project.source("invoice_lines").orElseThrow(),
            LocalDate.parse("2011-04-01"),
            LocalDate.parse("2011-04-15"));
    FeatureJob features = new FeatureJob(project, lakehouse, Clock.systemUTC(), m -> {});
    for (FeatureViewSpec v : project.features().views()) {
      features.run(v, LocalDate.parse("2011-03-15"), LocalDate.parse("2011-04-15"));
    }
    TrainingSetJob.Result fresh =
        job.build(
            "lines_now",
            new TrainingSetJob.Spine.FromSql(spineSql, "event_timestamp"),
            List.of(),
            false);
    assertThat(fresh.rows()).isGreaterThan(fromSql.rows()); // April's new customers and products

    TrainingSetJob.Result again = job.rebuild(fromSql.id(), Optional.empty());
    assertThat(again.rows()).isEqualTo(fromSql.rows());
    assertThat(again.checksum()).isEqualTo(fromSql.checksum());
    TrainingSetJob.Result labelAgain = job.rebuild(fromLabel.id(), Optional.of("repurchase_copy"));
    assertThat(labelAgain.checksum()).isEqualTo(fromLabel.checksum());
    Dataset<Row> copy = spark.read().format("delta").load(lake + "/training_sets/repurchase_copy");
    assertThat(copy.exceptAll(repurchase).count()).isZero();
    assertThat(repurchase.exceptAll(copy).count()).isZero();

    assertThatThrownBy(() -> job.rebuild("nope", Optional.empty()))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("no training set build with id 'nope'");
  }

  @Test
  @Order(4)
  void asKnownAtKeepsValuesComputedAfterTheSpineTimeOut() {
    TrainingSetJob job = new TrainingSetJob(project, lakehouse, Clock.systemUTC(), m -> {});
    // Every feature row was computed today, long after 2011: as known then, nothing existed yet.
    job.build(
        "known",
        new TrainingSetJob.Spine.FromLabel("repurchase_30d", LocalDate.parse("2011-02-05"), TO, 7),
        List.of("customer_activity"),
        true);
    Dataset<Row> known = spark.read().format("delta").load(lake + "/training_sets/known");
    assertThat(known.count()).isPositive();
    assertThat(known.where("invoices_90d IS NOT NULL").count()).isZero();
  }

  @Test
  @Order(5)
  void requestFeaturesAreComputedByTheServingCodeOnALineSpine() {
    TrainingSetJob job = new TrainingSetJob(project, lakehouse, Clock.systemUTC(), m -> {});
    TrainingSetJob.Result r =
        job.build(
            "cancellations",
            new TrainingSetJob.Spine.FromLabel(
                "line_cancelled_30d",
                LocalDate.parse("2011-03-01"),
                LocalDate.parse("2011-03-04"),
                1),
            List.of(),
            false);
    assertThat(r.views()).containsExactly("customer_activity", "product_stats");
    assertThat(r.requestFeatures())
        .containsExactly("price_vs_product_avg", "days_since_last_purchase");
    Dataset<Row> set = spark.read().format("delta").load(lake + "/training_sets/cancellations");
    assertThat(set.where("line_cancelled_30d = 1").count()).isPositive();
    // Every line of those days that is not itself a cancellation, one for one.
    long lines =
        spark
            .read()
            .format("delta")
            .load(lake + "/silver/invoice_lines")
            .where(
                "NOT is_cancellation AND customer_id IS NOT NULL AND invoice_ts >="
                    + " TIMESTAMP'2011-03-01 00:00:00' AND invoice_ts < TIMESTAMP'2011-03-05 00:00:00'")
            .count();
    assertThat(set.count()).isEqualTo(lines);
    RequestTransform ratio = RequestTransform.builtIns().get("ratio");
    RequestTransform days = RequestTransform.builtIns().get("days_between");
    List<Row> sample =
        set.where("avg_price_30d IS NOT NULL AND last_purchase_ts IS NOT NULL")
            .limit(200)
            .collectAsList();
    assertThat(sample).hasSize(200);
    for (Row row : sample) {
      double price = row.<java.math.BigDecimal>getAs("unit_price").doubleValue();
      Optional<Double> expected =
          ratio.apply(
              Map.of("numerator", price, "denominator", row.<Double>getAs("avg_price_30d")));
      assertThat(Optional.ofNullable(row.<Double>getAs("price_vs_product_avg")))
          .isEqualTo(expected);
      double later = row.<Timestamp>getAs("invoice_ts").toInstant().getEpochSecond();
      double earlier = row.<Timestamp>getAs("last_purchase_ts").toInstant().getEpochSecond();
      assertThat(row.<Double>getAs("days_since_last_purchase"))
          .isEqualTo(days.apply(Map.of("later", later, "earlier", earlier)).orElseThrow());
    }
    assertThat(job.rebuild(r.id(), Optional.of("cancellations_again")).checksum())
        .isEqualTo(r.checksum());
  }

  @Test
  @Order(6)
  void onlineValuesEqualOfflineValuesForEveryEntity() throws Exception {
    Path online = Files.createDirectories(lake.resolve("_online"));
    PublishJob publish = new PublishJob(project, lakehouse, Clock.systemUTC(), m -> {});
    List<FeatureViewSpec> views = project.features().views();
    PublishJob.Result r =
        publish.publishRocksDb(publish.latest(views, Optional.empty()), online, 3, 2);
    SnapshotManifest m = r.manifest();
    Instant asOf = m.views().get(0).featuresAsOf();
    assertThat(asOf).isEqualTo(Instant.parse("2011-04-16T00:00:00Z"));

    try (RocksDbOnlineStore store = RocksDbOnlineStore.open(online)) {
      for (FeatureViewSpec v : views) {
        EntitySpec entity = project.features().entity(v.entity()).orElseThrow();
        List<String> names = v.features().stream().map(FeatureSpec::name).toList();
        // Offline: a spine of every entity at the snapshot's instant, joined point in time.
        Dataset<Row> spine =
            table(v.name())
                .select(entity.keyNames().stream().map(functions::col).toArray(Column[]::new))
                .distinct()
                .withColumn("event_timestamp", functions.lit(Timestamp.from(asOf)));
        List<Row> offline =
            PointInTimeJoin.join(
                    spine,
                    "event_timestamp",
                    List.of(
                        new PointInTimeJoin.ViewInput(
                            v.name(), table(v.name()), entity.keyNames(), names, v.ttl())),
                    false)
                .collectAsList();
        long found = 0;
        for (Row o : offline) {
          List<Object> key = new ArrayList<>();
          entity.keyNames().forEach(k -> key.add(o.getAs(k)));
          FeatureVector online1 = store.get(v.name(), key, asOf);
          boolean offlineHasValues = names.stream().anyMatch(n -> o.getAs(n) != null);
          if (online1.status() == FeatureVector.Status.FOUND) {
            found++;
            for (String n : names) {
              Object off = o.getAs(n);
              Object on = online1.values().get(n);
              if (off instanceof Timestamp t) {
                off = t.toInstant();
              }
              assertThat(on).as(v.name() + " " + key + " " + n).isEqualTo(off);
            }
          } else {
            assertThat(offlineHasValues)
                .as(v.name() + " " + key + " offline but not online")
                .isFalse();
          }
        }
        assertThat(found).isEqualTo(m.view(v.name()).orElseThrow().rows()).isPositive();
      }
      // The TTL applies online too: 91 days later, product_stats (90d) has expired.
      FeatureVector later =
          store.get("product_stats", List.of("85123A"), asOf.plus(java.time.Duration.ofDays(91)));
      assertThat(later.status()).isEqualTo(FeatureVector.Status.EXPIRED);
    }
  }

  @Test
  @Order(7)
  void redisServesTheSameValuesAsRocksDb() throws Exception {
    PublishJob publish = new PublishJob(project, lakehouse, Clock.systemUTC(), m -> {});
    List<PublishJob.ViewData> data = publish.latest(project.features().views(), Optional.empty());
    Path online = lake.resolve("_online_redis_check");
    publish.publishRocksDb(data, online, 2, 2);
    try (RedisServer redis = RedisServer.start()) {
      PublishJob.Result r =
          publish.publishRedis(data, redis.host(), redis.port(), "lakeml:test", 2, 2);
      assertThat(r.manifest().backend()).isEqualTo(SnapshotManifest.REDIS);
      try (RocksDbOnlineStore rocks = RocksDbOnlineStore.open(online);
          RedisOnlineStore red = RedisOnlineStore.open(redis.host(), redis.port(), "lakeml:test")) {
        for (SnapshotManifest.ViewEntry v : rocks.manifest().views()) {
          assertThat(red.manifest().view(v.name()).orElseThrow().rows()).isEqualTo(v.rows());
        }
        Instant at = rocks.manifest().views().get(0).featuresAsOf();
        List<Row> customers =
            table("customer_activity").select("customer_id").distinct().collectAsList();
        for (Row c : customers) {
          List<Object> key = List.of(c.getLong(0));
          FeatureVector a = rocks.get("customer_activity", key, at);
          FeatureVector b = red.get("customer_activity", key, at);
          assertThat(b.status()).isEqualTo(a.status());
          assertThat(b.values()).isEqualTo(a.values());
          assertThat(b.eventTime()).isEqualTo(a.eventTime());
        }
      }
      // A second publish moves the pointer; retention 2 keeps both versions.
      PublishJob.Result second =
          publish.publishRedis(data, redis.host(), redis.port(), "lakeml:test", 2, 2);
      assertThat(second.manifest().version()).isEqualTo(r.manifest().version() + 1);
      assertThat(second.collected()).isEmpty();
    }
  }

  @Test
  @Order(8)
  void theCommandsRunOnTheBundledProject() {
    CliRun list = cli("features", "list");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out()).contains("customer_activity").contains("product_stats").contains("180d");
    CliRun describe = cli("features", "describe", "product_stats");
    assertThat(describe.out())
        .contains("last_price")
        .contains("last(unit_price) over 90d where NOT is_cancellation");
    CliRun compute = cli("features", "--view", "customer_activity", "--date", "2011-04-15");
    assertThat(compute.code()).as(compute.err()).isZero();
    assertThat(compute.out()).contains("features.customer_activity 2011-04-15..2011-04-15");
    CliRun build =
        cli(
            "training-set",
            "build",
            "churn_cli",
            "--label",
            "line_cancelled_30d",
            "--from",
            "2011-03-01",
            "--to",
            "2011-03-05");
    assertThat(build.code()).as(build.err()).isZero();
    assertThat(build.out())
        .contains("training_sets.churn_cli")
        .contains("views [customer_activity, product_stats]")
        .contains("request features [price_vs_product_avg, days_since_last_purchase]");
    String id = build.out().replaceAll("(?s).*build id ([0-9a-f]{12}).*", "$1");
    CliRun rebuild = cli("training-set", "rebuild", id);
    assertThat(rebuild.code()).as(rebuild.err()).isZero();
    assertThat(rebuild.out()).contains("identical to the original");
    CliRun builds = cli("training-set", "list");
    assertThat(builds.out()).contains(id).contains("churn_cli");
    CliRun publish = cli("publish", "--online-path", lake.resolve("_online_cli").toString());
    assertThat(publish.code()).as(publish.err()).isZero();
    assertThat(publish.out()).contains("online snapshot v1").contains("customer_activity");
    CliRun bad = cli("features", "--view", "nope", "--date", "2011-04-15");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("unknown feature view 'nope'");
    CliRun badSpine =
        cli(
            "training-set",
            "build",
            "broken",
            "--spine-sql",
            "SELECT customer_id, CAST(NULL AS TIMESTAMP) AS event_timestamp FROM silver.invoice_lines"
                + " WHERE customer_id IS NOT NULL LIMIT 3");
    assertThat(badSpine.code()).isEqualTo(1);
    assertThat(badSpine.err()).contains("3 rows have no event_timestamp");
  }

  @Test
  @Order(9)
  void aViewThatDoesNotFitItsSourceIsRefusedBeforeAnythingIsWritten() {
    FeatureViewSpec good = project.features().view("product_stats").orElseThrow();
    FeatureViewSpec bad =
        new FeatureViewSpec(
            "misspelled",
            good.entity(),
            good.source(),
            good.eventTime(),
            Optional.empty(),
            List.of(
                new FeatureSpec.Aggregate(
                    "lines_7d",
                    FeatureSpec.Function.COUNT,
                    Optional.empty(),
                    Optional.of("NOT is_cancelation"),
                    java.time.Duration.ofDays(7),
                    "")),
            java.time.Duration.ZERO,
            "",
            "");
    assertThatThrownBy(
            () -> new FeatureJob(project, lakehouse, Clock.systemUTC(), m -> {}).run(bad, TO, TO))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("Feature view misspelled does not fit silver.invoice_lines")
        .hasMessageContaining("is_cancelation");
    assertThat(lake.resolve("features/misspelled")).doesNotExist();
  }

  /** Runs lakeml on the bundled project and this test's lakehouse, quietly. */
  private static CliRun cli(String... args) {
    return CliRun.of(args, "-p", EXAMPLE.toString(), "--lakehouse", lake.toString(), "-q");
  }
}
