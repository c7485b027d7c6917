package dev.lakeml.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.lakeml.features.PointInTimeJoin;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.online.RedisServer;
import dev.lakeml.publish.PublishJob;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.snapshot.FeatureColumn;
import dev.lakeml.schemas.snapshot.FeatureRowCodec;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redis.clients.jedis.Jedis;

/**
 * Feature-store benchmarks (a program, not a test). Prints inputs, machine, every run and medians.
 *
 * <ul>
 *   <li>{@code pit [runs] [spineRows] [scale]}: the real feature tables of a lakehouse where {@code
 *       lakeml demo} and {@code lakeml features --all} ran, scaled up by copying entities under new
 *       keys into 3 views (~10M rows at scale 5), against a random spine; lakeml's PIT join vs the
 *       naive join + row_number() plan, in the same session.
 *   <li>{@code publish [runs] [entities] [features]}: synthetic entities × features published to a
 *       RocksDB snapshot (SST bulk load) and to Redis (pipelined), and the same rows written to
 *       Redis row by row, one SET per key and round trip, as a naive materializer does.
 * </ul>
 */
public final class FeatureStoreBenchmark {
  private FeatureStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "pit";
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    Project project = ProjectLoader.load(repo.resolve("examples/online-retail"));
    Path work = Files.createTempDirectory("lakeml-fs-bench");
    Map<String, String> conf = new LinkedHashMap<>(project.spark().conf());
    conf.remove("spark.driver.memory");
    conf.put("spark.sql.warehouse.dir", work.resolve("warehouse").toString());
    if (System.getenv("BENCH_CONF") != null) {
      for (String kv : System.getenv("BENCH_CONF").split(";")) {
        conf.put(kv.split("=")[0], kv.split("=")[1]);
      }
    }
    SparkSession spark = SparkSessions.create("lakeml-bench", project.spark().master(), conf);
    spark.sparkContext().setLogLevel("ERROR");
    System.out.printf(
        "machine: %d cores, java %s, max heap %d MB, spark %s%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20,
        spark.version());
    if (mode.equals("pit")) {
      long spineRows = args.length > 2 ? Long.parseLong(args[2]) : 1_000_000L;
      int scale = args.length > 3 ? Integer.parseInt(args[3]) : 5;
      pit(spark, repo, work, runs, spineRows, scale);
    } else {
      int entities = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
      int features = args.length > 3 ? Integer.parseInt(args[3]) : 20;
      publish(spark, project, work, runs, entities, features);
    }
    spark.stop();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  // ---------------------------------------------------------------------------------------------
  // Point-in-time join

  private static void pit(
      SparkSession spark, Path repo, Path work, int runs, long spineRows, int scale) {
    String lake =
        System.getenv().getOrDefault("LAKEML_LAKEHOUSE", repo.resolve("lakehouse").toString());
    Dataset<Row> customers =
        spark.read().format("delta").load(lake + "/features/customer_activity");
    Dataset<Row> products = spark.read().format("delta").load(lake + "/features/product_stats");
    // Scaled copies: copy k of a customer is customer_id + k * 1e6; of a product, stock_code +
    // '#k'.
    String copies = "explode(sequence(0, " + (scale - 1) + "))";
    Dataset<Row> c =
        customers
            .withColumn("_k", expr(copies))
            .withColumn("customer_id", expr("customer_id + _k * 1000000"))
            .drop("_k");
    Dataset<Row> p =
        products
            .withColumn("_k", expr(copies))
            .withColumn("stock_code", expr("concat(stock_code, '#', _k)"))
            .drop("_k");
    // A third view: the customers' 7-day features, as a separate, shorter-lived view.
    Dataset<Row> recent =
        c.select(
            col("customer_id"),
            col("event_timestamp"),
            col("created_timestamp"),
            col("invoices_7d").as("recent_invoices_7d"),
            col("spend_7d").as("recent_spend_7d"));
    String cPath = work.resolve("customer_activity").toString();
    String pPath = work.resolve("product_stats").toString();
    String rPath = work.resolve("customer_recent").toString();
    c.write().format("delta").save(cPath);
    p.write().format("delta").save(pPath);
    recent.write().format("delta").save(rPath);
    Dataset<Row> cv = spark.read().format("delta").load(cPath);
    Dataset<Row> pv = spark.read().format("delta").load(pPath);
    Dataset<Row> rv = spark.read().format("delta").load(rPath);
    long featureRows = cv.count() + pv.count() + rv.count();

    // Spine: random (customer, product, time) drawn from the scaled key space, through 2011.
    Dataset<Row> customerKeys =
        cv.select("customer_id")
            .distinct()
            .withColumn("_i", expr("row_number() OVER (ORDER BY customer_id) - 1"));
    Dataset<Row> productKeys =
        pv.select("stock_code")
            .distinct()
            .withColumn("_j", expr("row_number() OVER (ORDER BY stock_code) - 1"));
    long nc = customerKeys.count();
    long np = productKeys.count();
    Dataset<Row> spine =
        spark
            .range(spineRows)
            .selectExpr(
                "pmod(xxhash64(id, 1), " + nc + ") AS _i",
                "pmod(xxhash64(id, 2), " + np + ") AS _j",
                "TIMESTAMP'2010-12-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0,"
                    + " CAST(pmod(xxhash64(id, 3), 26000000) AS DECIMAL(18, 6))) AS event_timestamp",
                "CAST(pmod(xxhash64(id, 4), 2) AS INT) AS label")
            .join(org.apache.spark.sql.functions.broadcast(customerKeys), "_i")
            .join(org.apache.spark.sql.functions.broadcast(productKeys), "_j")
            .drop("_i", "_j");
    String sPath = work.resolve("spine").toString();
    spine.write().format("delta").save(sPath);
    Dataset<Row> s = spark.read().format("delta").load(sPath);
    System.out.printf(
        "inputs: %,d spine rows; 3 views with %,d feature rows (%,d customers, %,d products;"
            + " real features from %s scaled x%d)%n",
        s.count(), featureRows, nc, np, lake, scale);

    List<String> cf = new ArrayList<>(List.of(customers.columns()));
    cf.removeAll(
        List.of(
            "customer_id",
            "event_timestamp",
            "created_timestamp",
            "_definition_hash",
            "_run_id",
            "_logical_date",
            "_logical_month"));
    List<String> pf = new ArrayList<>(List.of(products.columns()));
    pf.removeAll(
        List.of(
            "stock_code",
            "event_timestamp",
            "created_timestamp",
            "_definition_hash",
            "_run_id",
            "_logical_date",
            "_logical_month"));
    List<PointInTimeJoin.ViewInput> views =
        List.of(
            new PointInTimeJoin.ViewInput(
                "customer_activity", cv, List.of("customer_id"), cf, Duration.ZERO),
            new PointInTimeJoin.ViewInput(
                "product_stats", pv, List.of("stock_code"), pf, Duration.ZERO),
            new PointInTimeJoin.ViewInput(
                "customer_recent",
                rv,
                List.of("customer_id"),
                List.of("recent_invoices_7d", "recent_spend_7d"),
                Duration.ZERO));

    List<Double> ours = new ArrayList<>();
    List<Double> naive = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      PointInTimeJoin.join(s, "event_timestamp", views, false)
          .write()
          .format("noop")
          .mode("overwrite")
          .save();
      ours.add(seconds(t0));
      System.out.printf("run %d: lakeml PIT join %.1f s%n", r + 1, ours.get(r));
      t0 = System.nanoTime();
      Dataset<Row> out = s;
      for (PointInTimeJoin.ViewInput v : views) {
        out = PointInTimeJoin.naive(out, "event_timestamp", v);
      }
      out.write().format("noop").mode("overwrite").save();
      naive.add(seconds(t0));
      System.out.printf("run %d: naive join + row_number %.1f s%n", r + 1, naive.get(r));
    }
    System.out.printf(
        "median: lakeml %.1f s, naive %.1f s, naive/lakeml %.2fx (runs %d)%n",
        median(ours), median(naive), median(naive) / median(ours), runs);
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing

  private static void publish(
      SparkSession spark, Project project, Path work, int runs, int entities, int features)
      throws Exception {
    Lakehouse lakehouse =
        new Lakehouse(
            spark, work.resolve("lake").toString(), project.lakehouse().schemaEvolution());
    PublishJob job = new PublishJob(project, lakehouse, Clock.systemUTC(), m -> {});
    List<String> cols = new ArrayList<>();
    cols.add("id AS customer_id");
    cols.add("TIMESTAMP'2011-10-01 00:00:00' AS event_timestamp");
    cols.add("TIMESTAMP'2026-11-28 00:00:00' AS created_timestamp");
    List<FeatureColumn> fc = new ArrayList<>();
    for (int i = 0; i < features; i++) {
      if (i % 2 == 0) {
        cols.add("CAST(pmod(xxhash64(id, " + i + "), 1000) AS BIGINT) AS f" + i);
        fc.add(new FeatureColumn("f" + i, FeatureType.LONG));
      } else {
        cols.add("CAST(pmod(xxhash64(id, " + i + "), 100000) AS DOUBLE) / 7 AS f" + i);
        fc.add(new FeatureColumn("f" + i, FeatureType.DOUBLE));
      }
    }
    Dataset<Row> rows = spark.range(entities).selectExpr(cols.toArray(String[]::new));
    rows.write().format("delta").save(work.resolve("features").toString());
    Dataset<Row> table = spark.read().format("delta").load(work.resolve("features").toString());
    SnapshotManifest.ViewEntry entry =
        new SnapshotManifest.ViewEntry(
            "bench_view",
            1,
            "customer",
            List.of(new KeyColumn("customer_id", FeatureType.LONG)),
            fc,
            0,
            "0000000000000000",
            "bench",
            0,
            0,
            Instant.parse("2011-10-01T00:00:00Z"));
    List<PublishJob.ViewData> data = List.of(new PublishJob.ViewData(entry, table));
    int partitions = Math.max(2, spark.sparkContext().defaultParallelism());
    System.out.printf(
        "inputs: %,d entities x %d features (half BIGINT, half DOUBLE), %d partitions%n",
        entities, features, partitions);

    List<Double> rocks = new ArrayList<>();
    List<Double> pipelined = new ArrayList<>();
    Path online = work.resolve("online");
    try (RedisServer redis = RedisServer.start()) {
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        job.publishRocksDb(data, online, partitions, 2);
        rocks.add(seconds(t0));
        t0 = System.nanoTime();
        job.publishRedis(data, redis.host(), redis.port(), "bench", partitions, 2);
        pipelined.add(seconds(t0));
        System.out.printf(
            "run %d: RocksDB snapshot %.1f s, Redis pipelined %.1f s%n",
            r + 1, rocks.get(r), pipelined.get(r));
      }
      // The naive materializer: rows collected to one client, one SET (one round trip) per key.
      KeyColumn key = new KeyColumn("customer_id", FeatureType.LONG);
      FeatureRowCodec codec = new FeatureRowCodec(fc);
      long t0 = System.nanoTime();
      long n = 0;
      try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
        java.util.Iterator<Row> it = table.toLocalIterator();
        while (it.hasNext()) {
          Row row = it.next();
          Object[] values = new Object[features];
          for (int i = 0; i < features; i++) {
            values[i] = row.get(3 + i);
          }
          byte[] k = KeyCodec.encode(1, List.of(key), List.of(row.getLong(0)));
          byte[] v =
              codec.encode(
                  row.getTimestamp(1).toInstant(), row.getTimestamp(2).toInstant(), values);
          jedis.set(concat("naive:".getBytes(java.nio.charset.StandardCharsets.UTF_8), k), v);
          n++;
        }
      }
      double rowByRow = seconds(t0);
      System.out.printf(
          "Redis row by row (one SET per key): %,d keys in %.1f s (%,.0f keys/s)%n",
          n, rowByRow, n / rowByRow);
      System.out.printf(
          "median: RocksDB snapshot %.1f s, Redis pipelined %.1f s; row-by-row/RocksDB %.1fx, row-by-row/pipelined %.1fx (runs %d)%n",
          median(rocks),
          median(pipelined),
          rowByRow / median(rocks),
          rowByRow / median(pipelined),
          runs);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
