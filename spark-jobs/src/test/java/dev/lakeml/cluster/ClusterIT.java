package dev.lakeml.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.ExampleLake;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.SmallExample;
import dev.lakeml.testing.SparkStandalone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar on a real Spark standalone cluster: a master and two workers on loopback
 * (each a JVM, executors launched by the workers), the jar submitted in client mode, nothing on the
 * cluster's class path but what a Spark distribution has. Two nightly runs (ingest, features,
 * predict, publish) on the cluster, the second with a worker and its executor killed while it runs,
 * write the same rows as the same runs in local mode. This is what catches state kept on the
 * driver, closures that do not serialize, and classes missing from the application jar.
 */
class ClusterIT {
  static final List<String> DAYS = List.of("2011-04-01", "2011-04-04");

  /** Columns that say when or by which run a row was written: they differ between any two runs. */
  static final Set<String> RUN_COLUMNS =
      Set.of("_ingested_at", "_run_id", "created_timestamp", "scored_at");

  @TempDir static Path dir;
  static Path project;
  static Path localLake;
  static Path clusterLake;

  /** The prepared lake with the small churn model trained (local mode), copied twice. */
  @BeforeAll
  static void lakes() throws IOException {
    SharedSpark.session();
    project = SmallExample.write(dir.resolve("project"), SmallExample.CLUSTER_NIGHTLY);
    Path base = dir.resolve("base");
    Files.createDirectories(base);
    ExampleLake.copyTo(base);
    CliRun train = lakeml(base, "train", "customer_churn");
    assertThat(train.code()).as(train.err()).isZero();
    localLake = dir.resolve("local");
    clusterLake = dir.resolve("cluster");
    ExampleLake.copy(base, localLake);
    ExampleLake.copy(base, clusterLake);
  }

  private static CliRun lakeml(Path lake, String... args) {
    return CliRun.of(args, "--project", project.toString(), "--lakehouse", lake.toString(), "-q");
  }

  @Test
  void nightlyRunsOnAStandaloneClusterWriteWhatLocalModeWritesEvenWhenAWorkerDies()
      throws Exception {
    for (String day : DAYS) {
      CliRun local = lakeml(localLake, "run", "cluster_nightly", "--date", day);
      assertThat(local.code()).as(local.err()).isZero();
    }

    Path appJar = appJar();
    try (SparkStandalone cluster = SparkStandalone.start(dir.resolve("cluster-work"), 2, 1)) {
      List<String> conf = SparkStandalone.SMALL_APPLICATION;
      for (int i = 0; i < DAYS.size(); i++) {
        String day = DAYS.get(i);
        Path log = dir.resolve("submit-" + day + ".log");
        Set<Path> earlierApps = apps(cluster.work().resolve("worker-1"));
        Process driver =
            cluster.submit(
                appJar,
                conf,
                List.of(
                    "run",
                    "cluster_nightly",
                    "--date",
                    day,
                    "--project",
                    project.toString(),
                    "--lakehouse",
                    clusterLake.toString()),
                log);
        boolean killed = false;
        if (i == DAYS.size() - 1) {
          // A worker lost mid-run: wait until the application has run tasks, then kill worker 1
          // and its executor. Its tasks are run again on the other worker.
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while (driver.isAlive()
              && System.nanoTime() < deadline
              && !executorRanTasks(cluster.work().resolve("worker-1"), earlierApps)) {
            Thread.sleep(200);
          }
          assertThat(driver.isAlive()).as("the run was still going when the worker died").isTrue();
          cluster.killWorker(1);
          killed = true;
        }
        assertThat(driver.waitFor(10, TimeUnit.MINUTES)).as("the run finished").isTrue();
        String output = Files.readString(log);
        assertThat(driver.exitValue()).as(output).isZero();
        assertThat(output).contains("cluster_nightly " + day + ": SUCCEEDED");
        if (killed) {
          assertThat(output).contains("Lost executor");
        }
      }
    }

    SparkSession spark = SharedSpark.session();
    String dates = "('" + String.join("','", DAYS) + "')";
    assertSameRows(spark, "silver/invoice_lines", "_logical_date IN " + dates);
    assertSameRows(spark, "quarantine/invoice_lines", "_logical_date IN " + dates);
    assertSameRows(spark, "features/customer_activity", "_logical_date IN " + dates);
    assertSameRows(spark, "features/product_stats", "_logical_date IN " + dates);
    assertSameRows(spark, "predictions/customer_churn", "prediction_date IN " + dates);
  }

  /**
   * Rows of {@code table} in both lakes, without run columns: the same rows, keyed by their
   * non-floating columns, with floating values equal within 1e-9 relative (sums of doubles may add
   * up in another order on other partitions). Not empty.
   */
  private static void assertSameRows(SparkSession spark, String table, String where) {
    Map<String, double[]> local = rows(spark, localLake, table, where);
    Map<String, double[]> cluster = rows(spark, clusterLake, table, where);
    assertThat(local).as(table).isNotEmpty();
    assertThat(cluster.keySet())
        .as(table + " on the cluster vs local mode")
        .isEqualTo(local.keySet());
    for (Map.Entry<String, double[]> e : local.entrySet()) {
      double[] a = e.getValue();
      double[] b = cluster.get(e.getKey());
      for (int i = 0; i < a.length; i++) {
        boolean same =
            (Double.isNaN(a[i]) && Double.isNaN(b[i]))
                || Math.abs(a[i] - b[i])
                    <= 1e-9 * Math.max(1, Math.max(Math.abs(a[i]), Math.abs(b[i])));
        assertThat(same).as("%s %s: %s vs %s", table, e.getKey(), a[i], b[i]).isTrue();
      }
    }
  }

  /**
   * Each row as its non-floating columns (the key, as text) and its floating values (NULL = NaN).
   */
  private static Map<String, double[]> rows(
      SparkSession spark, Path lake, String table, String where) {
    Dataset<Row> t = spark.read().format("delta").load(lake.resolve(table).toString()).where(where);
    List<String> text = new ArrayList<>();
    List<String> floating = new ArrayList<>();
    for (StructField f : t.schema().fields()) {
      if (RUN_COLUMNS.contains(f.name())) {
        continue;
      }
      if (f.dataType().equals(DataTypes.DoubleType) || f.dataType().equals(DataTypes.FloatType)) {
        floating.add(f.name());
      } else {
        text.add(f.name());
      }
    }
    List<String> columns = new ArrayList<>(text);
    columns.addAll(floating);
    Map<String, double[]> out = new TreeMap<>();
    for (Row r :
        t.selectExpr(columns.stream().map(c -> "`" + c + "`").toArray(String[]::new))
            .collectAsList()) {
      StringBuilder key = new StringBuilder();
      for (int i = 0; i < text.size(); i++) {
        key.append(text.get(i))
            .append('=')
            .append(r.isNullAt(i) ? "NULL" : r.get(i).toString())
            .append(' ');
      }
      double[] values = new double[floating.size()];
      for (int j = 0; j < floating.size(); j++) {
        int i = text.size() + j;
        values[j] = r.isNullAt(i) ? Double.NaN : ((Number) r.get(i)).doubleValue();
      }
      assertThat(out.put(key.toString(), values)).as("%s: one row per key %s", table, key).isNull();
    }
    return out;
  }

  /** The application folders a worker has made so far. */
  private static Set<Path> apps(Path workDir) throws IOException {
    if (!Files.isDirectory(workDir)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(workDir)) {
      return files.collect(java.util.stream.Collectors.toSet());
    }
  }

  /**
   * Whether this application's executor on the worker at {@code workDir} (in a folder not among
   * {@code earlier}) has started running tasks.
   */
  private static boolean executorRanTasks(Path workDir, Set<Path> earlier) throws IOException {
    for (Path app : apps(workDir)) {
      if (earlier.contains(app)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(app)) {
        boolean running =
            files
                .filter(p -> p.getFileName().toString().equals("stderr"))
                .anyMatch(
                    p -> {
                      try {
                        return Files.readString(p).contains("Running task");
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    });
        if (running) {
          return true;
        }
      }
    }
    return false;
  }

  private static Path appJar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith("-app.jar"))
          .findFirst()
          .orElseThrow(
              () -> new AssertionError("no -app.jar in target: failsafe runs after package"));
    }
  }
}
