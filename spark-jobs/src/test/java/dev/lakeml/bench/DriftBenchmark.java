package dev.lakeml.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.randn;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.monitoring.DriftColumn;
import dev.lakeml.monitoring.DriftMeasure;
import dev.lakeml.monitoring.DriftProfiler;
import dev.lakeml.schemas.monitoring.MonitoringSpec;
import dev.lakeml.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Drift benchmark (a program, not a test): generated Delta tables of N current rows and a
 * 1,000,000-row reference, F columns (four in five numeric: normal, log-normal, small integers,
 * normal with 2% NULLs; one in five categorical with 20 skewed categories; every fifth column
 * shifted in the current rows). Times the reference's profile, the current comparison and, for
 * scale, one plain aggregate pass over the current table. Prints inputs, machine and times.
 *
 * <p>Usage: {@code spark-jobs/bench/drift-benchmark.sh [current rows, comma-separated] [reference
 * rows] [columns]} (default 10000000 1000000 50). The tables are generated once into {@code
 * spark-jobs/target/drift-bench/} and reused.
 */
public final class DriftBenchmark {
  private DriftBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<Long> sizes = new ArrayList<>();
    for (String s : (args.length > 0 ? args[0] : "10000000").split(",")) {
      sizes.add(Long.parseLong(s.trim()));
    }
    long referenceRows = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
    int columns = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    Path data = repo.resolve("spark-jobs/target/drift-bench");
    Files.createDirectories(data);

    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.shuffle.partitions", "4");
    conf.put("spark.sql.warehouse.dir", data.resolve("warehouse").toString());
    SparkSession spark = SparkSessions.create("lakeml-drift-bench", "local[2]", conf);
    spark.sparkContext().setLogLevel("ERROR");

    System.out.printf(
        "machine: %d cores, max heap %.1f GB, Java %s, Spark %s, local[2]%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() / 1e9,
        System.getProperty("java.version"),
        spark.version());
    System.out.printf(
        "inputs: %d columns (%d numeric, %d categorical), reference %,d rows%n",
        columns, columns - columns / 5, columns / 5, referenceRows);

    List<DriftColumn> drift = new ArrayList<>();
    for (int i = 0; i < columns; i++) {
      drift.add(
          i % 5 == 4
              ? DriftColumn.categorical("f" + i, DriftColumn.Role.INPUT)
              : DriftColumn.numeric("f" + i, DriftColumn.Role.INPUT));
    }
    String reference = table(spark, data, "reference", referenceRows, columns, 1L, false);
    for (long rows : sizes) {
      String current = table(spark, data, "current", rows, columns, 2L, true);
      Dataset<Row> cur = spark.read().format("delta").load(current);
      Dataset<Row> ref = spark.read().format("delta").load(reference);

      List<Column> sums = new ArrayList<>();
      for (DriftColumn c : drift) {
        sums.add(
            c.numeric()
                ? sum(col(c.name())).as(c.name())
                : sum(org.apache.spark.sql.functions.length(col(c.name()))).as(c.name()));
      }
      // Twice: the first pass also warms the JVM up and reads the Delta log; the second is timed.
      cur.agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new)).first();
      long t0 = System.nanoTime();
      cur.agg(sums.get(0), sums.subList(1, sums.size()).toArray(Column[]::new)).first();
      double scan = seconds(t0);

      long t1 = System.nanoTime();
      DriftProfiler.Reference profile = DriftProfiler.reference(ref, drift);
      double referenceSeconds = seconds(t1);
      long t2 = System.nanoTime();
      List<DriftMeasure> measures =
          DriftProfiler.compare(profile, cur, drift, MonitoringSpec.DEFAULTS);
      double compareSeconds = seconds(t2);
      Runtime rt = Runtime.getRuntime();
      System.gc();
      System.out.printf(
          "heap after the run: %.2f GB used of %.2f GB%n",
          (rt.totalMemory() - rt.freeMemory()) / 1e9, rt.maxMemory() / 1e9);
      long breached = measures.stream().filter(DriftMeasure::breached).count();
      long breachedColumns =
          measures.stream()
              .filter(DriftMeasure::breached)
              .map(m -> m.column().name())
              .distinct()
              .count();
      System.out.printf(
          "current %,d rows: one plain aggregate pass %.1f s; drift: reference profile %.1f s,"
              + " comparison %.1f s, total %.1f s (%.2f x the plain pass); %d measures, %d"
              + " breached in %d columns (%d shifted)%n",
          rows,
          scan,
          referenceSeconds,
          compareSeconds,
          referenceSeconds + compareSeconds,
          compareSeconds / scan,
          measures.size(),
          breached,
          breachedColumns,
          (columns + 4) / 5);
    }
    spark.stop();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** The generated table, written once: built-in random functions, seeded per column. */
  private static String table(
      SparkSession spark,
      Path data,
      String name,
      long rows,
      int columns,
      long seed,
      boolean shifted) {
    Path location = data.resolve(name + "-" + rows + "x" + columns + "-seed" + seed);
    if (Files.exists(location.resolve("_delta_log"))) {
      return location.toString();
    }
    long t0 = System.nanoTime();
    List<Column> cols = new ArrayList<>();
    for (int i = 0; i < columns; i++) {
      long s = seed * 1000 + i;
      double shift = shifted && i % 5 == 0 ? 0.3 : 0.0;
      Column c =
          switch (i % 5) {
            case 0 -> randn(s).plus(lit(shift));
            case 1 -> exp(randn(s).multiply(lit(0.8)).plus(lit(2 + shift)));
            case 2 -> floor(rand(s).multiply(lit(10 + shift * 10))).cast("double");
            case 3 -> when(rand(s + 500).lt(lit(0.02)), lit(null)).otherwise(randn(s));
            default ->
                concat(lit("c"), floor(pow(rand(s), lit(2 - shift)).multiply(lit(20))).cast("int"));
          };
      cols.add(c.as("f" + i));
    }
    spark
        .range(0, rows, 1, (int) Math.max(2, rows / 1_000_000))
        .select(cols.toArray(Column[]::new))
        .write()
        .format("delta")
        .save(location.toString());
    System.out.printf(
        "generated %s: %,d rows in %.1f s%n", location.getFileName(), rows, seconds(t0));
    return location.toString();
  }
}
