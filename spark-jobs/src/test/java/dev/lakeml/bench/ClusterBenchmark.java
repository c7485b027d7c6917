package dev.lakeml.bench;

import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.ExampleLake;
import dev.lakeml.testing.JavaFlags;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.SmallExample;
import dev.lakeml.testing.SparkStandalone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;

/**
 * The nightly steps on a Spark standalone cluster against local mode (a program, not a test): the
 * same lake (the bundled data ingested to 2011-03-31, features, a small churn model), then {@code
 * lakeml run cluster_nightly --date D} (ingest, features, predict, publish) for each day, once as a
 * local-mode JVM ({@code local[2]}) and once spark-submitted in client mode to a master and two
 * one-core workers on the same machine. Prints the inputs, the machine, each run's wall time and
 * each step's time from {@code ops.pipeline_runs}, and the medians.
 *
 * <p>Usage: {@code spark-jobs/bench/cluster-benchmark.sh [days]} (default 3: 2011-04-01, 04-04,
 * 04-05).
 */
public final class ClusterBenchmark {
  private ClusterBenchmark() {}

  static final String SECONDS =
      "CAST(finished_at AS DOUBLE) - CAST(started_at AS DOUBLE) AS seconds";

  static final List<String> ALL_DAYS =
      List.of("2011-04-01", "2011-04-04", "2011-04-05", "2011-04-06", "2011-04-07");

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<String> days = ALL_DAYS.subList(0, n);
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    System.setProperty(
        "lakeml.spark.cluster.classpath",
        repo.resolve("spark-jobs/spark-test-cluster/target/classpath.txt").toString());
    Path work = Files.createTempDirectory("lakeml-cluster-bench");
    Path project = SmallExample.write(work.resolve("project"), SmallExample.CLUSTER_NIGHTLY);
    Path base = Files.createDirectories(work.resolve("base"));
    ExampleLake.copyTo(base);
    CliRun train =
        CliRun.of(
            new String[] {"train", "customer_churn"},
            "--project",
            project.toString(),
            "--lakehouse",
            base.toString(),
            "-q");
    if (train.code() != 0) {
      throw new IllegalStateException(train.err());
    }
    Path local = work.resolve("local");
    Path cluster = work.resolve("cluster");
    ExampleLake.copy(base, local);
    ExampleLake.copy(base, cluster);

    System.out.printf(
        "input:   examples/online-retail ingested to 2011-03-31, features from 2011-02-01, a small"
            + " churn model; pipeline cluster_nightly for %s%n",
        days);
    System.out.printf(
        "machine: %d cores, Java %s, %s %s; local[2] vs standalone master + 2 workers x 1 core,"
            + " 1 GiB executors, client mode, same machine%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));

    List<Double> localWalls = new ArrayList<>();
    for (String day : days) {
      List<String> command = JavaFlags.sparkJava("2g");
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              "dev.lakeml.cli.LakemlCli",
              "run",
              "cluster_nightly",
              "--date",
              day,
              "-q",
              "--project",
              project.toString(),
              "--lakehouse",
              local.toString()));
      long t0 = System.nanoTime();
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("local-" + day + ".log").toFile())
              .start();
      int code = p.waitFor();
      double s = (System.nanoTime() - t0) / 1e9;
      localWalls.add(s);
      System.out.printf("local   %s: exit %d in %.1f s%n", day, code, s);
    }

    List<Double> clusterWalls = new ArrayList<>();
    Path appJar;
    try (Stream<Path> files = Files.list(repo.resolve("spark-jobs/target"))) {
      appJar = files.filter(p -> p.toString().endsWith("-app.jar")).findFirst().orElseThrow();
    }
    long c0 = System.nanoTime();
    try (SparkStandalone sc = SparkStandalone.start(work.resolve("cluster-work"), 2, 1)) {
      System.out.printf("cluster start: %.1f s%n", (System.nanoTime() - c0) / 1e9);
      for (String day : days) {
        long t0 = System.nanoTime();
        Process p =
            sc.submit(
                appJar,
                SparkStandalone.SMALL_APPLICATION,
                List.of(
                    "run",
                    "cluster_nightly",
                    "--date",
                    day,
                    "-q",
                    "--project",
                    project.toString(),
                    "--lakehouse",
                    cluster.toString()),
                work.resolve("cluster-" + day + ".log"));
        boolean done = p.waitFor(20, TimeUnit.MINUTES);
        double s = (System.nanoTime() - t0) / 1e9;
        clusterWalls.add(s);
        System.out.printf(
            "cluster %s: exit %s in %.1f s%n", day, done ? p.exitValue() : "timeout", s);
      }
    }

    System.out.println("steps (seconds, from ops.pipeline_runs): day, step, local, cluster");
    for (String day : days) {
      for (Row r :
          SharedSpark.session()
              .read()
              .format("delta")
              .load(local.resolve("ops/pipeline_runs").toString())
              .where("logical_date = DATE'" + day + "' AND state = 'SUCCEEDED'")
              .selectExpr("step", SECONDS)
              .orderBy("started_at")
              .collectAsList()) {
        Row c =
            SharedSpark.session()
                .read()
                .format("delta")
                .load(cluster.resolve("ops/pipeline_runs").toString())
                .where(
                    "logical_date = DATE'"
                        + day
                        + "' AND state = 'SUCCEEDED' AND step = '"
                        + r.getString(0)
                        + "'")
                .selectExpr(SECONDS)
                .first();
        System.out.printf(
            "  %s %-9s %6.1f %6.1f%n", day, r.getString(0), r.getDouble(1), c.getDouble(0));
      }
    }
    System.out.printf(
        "median wall per night: local %.1f s, cluster %.1f s (ratio %.2f)%n",
        median(localWalls), median(clusterWalls), median(clusterWalls) / median(localWalls));
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(Double::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
