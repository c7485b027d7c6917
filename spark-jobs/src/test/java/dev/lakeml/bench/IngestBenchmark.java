package dev.lakeml.bench;

import dev.lakeml.ingest.IngestJob;
import dev.lakeml.ingest.IngestRun;
import dev.lakeml.ingest.RawFiles;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Backfill benchmark (a program, not a test): ingests every bundled day from raw CSV to silver in
 * one run, and in the same JVM and session measures the ceiling, a plain {@code
 * spark.read.csv(...).write.format("delta")} of the same files. Prints the inputs, the machine,
 * each run and the medians.
 *
 * <p>Usage: {@code spark-jobs/bench/ingest-benchmark.sh [runs]}.
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    Project project = ProjectLoader.load(repo.resolve("examples/online-retail"));
    SourceSpec source = project.source("invoice_lines").orElseThrow();
    Path work = Files.createTempDirectory("lakeml-bench");

    Map<String, String> conf = new LinkedHashMap<>(project.spark().conf());
    conf.remove("spark.driver.memory");
    if (System.getenv("BENCH_CONF") != null) {
      for (String kv : System.getenv("BENCH_CONF").split(";")) {
        conf.put(kv.split("=")[0], kv.split("=")[1]);
      }
    }
    conf.put("spark.sql.warehouse.dir", work.resolve("warehouse").toString());
    SparkSession spark = SparkSessions.create("lakeml-bench", project.spark().master(), conf);

    if (System.getenv("STAGES") != null) spark.sparkContext().addSparkListener(new StageTimes());
    RawFiles rawFiles = new RawFiles(spark.sparkContext().hadoopConfiguration());
    List<LocalDate> dates = rawFiles.discoverDates(project, source);
    LocalDate from = dates.get(0);
    LocalDate to = dates.get(dates.size() - 1);
    List<String> files =
        rawFiles.list(project, source, from, to).files().stream()
            .map(RawFiles.RawFile::path)
            .toList();

    System.out.printf(
        "input:   %d files, %s..%s, %s%n",
        files.size(), from, to, repo.resolve("examples/online-retail/data/by-day"));
    System.out.printf(
        "machine: %d cores, Java %s, max heap %d MB, %s %s; Spark %s, master %s, shuffle partitions %s%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        spark.version(),
        spark.sparkContext().master(),
        spark.conf().get("spark.sql.shuffle.partitions"));

    List<Double> plain = new ArrayList<>();
    List<Double> partitioned = new ArrayList<>();
    List<Double> lakeml = new ArrayList<>();
    long rows = 0;
    // Run 0 warms up the JVM and Spark and is not counted.
    for (int i = 0; i <= runs; i++) {
      Path plainDir = work.resolve("plain-" + i);
      long t0 = System.nanoTime();
      spark
          .read()
          .option("header", "true")
          .option("escape", "\"")
          .csv(files.toArray(String[]::new))
          .write()
          .format("delta")
          .mode("overwrite")
          .save(plainDir.toString());
      double plainSeconds = (System.nanoTime() - t0) / 1e9;

      Path partitionedDir = work.resolve("partitioned-" + i);
      long tp = System.nanoTime();
      spark
          .read()
          .option("header", "true")
          .option("escape", "\"")
          .csv(files.toArray(String[]::new))
          .withColumn(
              "_logical_month",
              org.apache.spark.sql.functions.trunc(
                  org.apache.spark.sql.functions.to_date(
                      org.apache.spark.sql.functions.regexp_extract(
                          org.apache.spark.sql.functions.col("_metadata.file_path"),
                          "([0-9]{4}-[0-9]{2}-[0-9]{2})\\.csv",
                          1)),
                  "month"))
          .write()
          .format("delta")
          .mode("overwrite")
          .partitionBy("_logical_month")
          .save(partitionedDir.toString());
      double partitionedSeconds = (System.nanoTime() - tp) / 1e9;

      Lakehouse lakehouse =
          new Lakehouse(
              spark, work.resolve("lake-" + i).toString(), project.lakehouse().schemaEvolution());
      long t1 = System.nanoTime();
      IngestRun run =
          new IngestJob(project, lakehouse, Clock.systemUTC(), System.out::println)
              .run(source, from, to)
              .run();
      double lakemlSeconds = (System.nanoTime() - t1) / 1e9;
      rows = run.counts().read();
      System.out.printf(
          "run %d%s: plain copy %.2f s, plain copy partitioned by month %.2f s, lakeml backfill %.2f s (%s)%n",
          i,
          i == 0 ? " (warm-up)" : "",
          plainSeconds,
          partitionedSeconds,
          lakemlSeconds,
          run.counts());
      if (i > 0) {
        partitioned.add(partitionedSeconds);
        plain.add(plainSeconds);
        lakeml.add(lakemlSeconds);
      }
      delete(plainDir);
      delete(partitionedDir);
      delete(work.resolve("lake-" + i));
    }
    double plainMedian = median(plain);
    double lakemlMedian = median(lakeml);
    System.out.printf(
        "median of %d runs: plain copy %.2f s (%.0f rows/s); lakeml backfill %.2f s (%.0f rows/s); ratio %.2fx%n",
        runs,
        plainMedian,
        rows / plainMedian,
        lakemlMedian,
        rows / lakemlMedian,
        lakemlMedian / plainMedian);
    System.out.printf(
        "median plain copy partitioned by month (the lakeml tables' layout): %.2f s; lakeml / partitioned copy %.2fx%n",
        median(partitioned), lakemlMedian / median(partitioned));
    spark.stop();
    delete(work);
  }

  /** The median of the values (the mean of the middle two for an even count). */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
