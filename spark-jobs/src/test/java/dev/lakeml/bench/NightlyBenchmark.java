package dev.lakeml.bench;

import dev.lakeml.cli.LakemlCli;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The nightly increment (a program, not a test): after the {@code bootstrap} pipeline has built
 * everything up to a date, {@code lakeml run nightly --date D} for each of the following bundled
 * days, each in its own JVM as a scheduler would start it. Prints the inputs, the machine, each
 * run's wall time, each step's time from {@code ops.pipeline_runs}, and the medians.
 *
 * <p>Usage: {@code spark-jobs/bench/nightly-benchmark.sh [days]} (default 3: the last three bundled
 * days, after a bootstrap up to the day before them).
 */
public final class NightlyBenchmark {
  private NightlyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int days = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    Path projectDir = repo.resolve("examples/online-retail");
    Project project = ProjectLoader.load(projectDir);
    LocalDate last = LocalDate.parse("2011-09-30");
    LocalDate first = last.minusDays(days - 1);
    Path lake = Files.createTempDirectory("lakeml-nightly-bench");
    List<String> common =
        List.of("-q", "--project", projectDir.toString(), "--lakehouse", lake.toString());

    System.out.printf(
        "input:   examples/online-retail, bootstrap up to %s, then nightly for %s..%s%n",
        first.minusDays(1), first, last);
    System.out.printf(
        "machine: %d cores, Java %s, max heap %d MB, %s %s; master %s%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        project.spark().master());

    long b0 = System.nanoTime();
    int code = child(repo, common, "run", "bootstrap", "--date", first.minusDays(1).toString());
    System.out.printf("bootstrap: exit %d in %.1f s%n", code, (System.nanoTime() - b0) / 1e9);
    if (code != 0) {
      System.exit(code);
    }

    List<Double> walls = new ArrayList<>();
    for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
      long t0 = System.nanoTime();
      code = child(repo, common, "run", "nightly", "--date", d.toString());
      double wall = (System.nanoTime() - t0) / 1e9;
      walls.add(wall);
      System.out.printf(
          "nightly %s: exit %d, wall %.1f s (JVM and Spark start included)%n", d, code, wall);
    }

    SparkSession spark =
        SparkSessions.create(
            "lakeml-bench", "local[1]", Map.of("spark.sql.warehouse.dir", lake + "/_bench_wh"));
    Map<String, List<Double>> perStep = new LinkedHashMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lake + "/ops/pipeline_runs")
            .where("pipeline = 'nightly' AND state = 'SUCCEEDED'")
            .selectExpr(
                "step",
                "logical_date",
                "(unix_micros(finished_at) - unix_micros(started_at)) / 1e6 AS seconds")
            .orderBy("logical_date", "started_at")
            .collectAsList()) {
      perStep.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getDouble(2));
    }
    System.out.println();
    System.out.println("| step | median s | runs |");
    System.out.println("| --- | ---: | --- |");
    double sum = 0;
    for (Map.Entry<String, List<Double>> e : perStep.entrySet()) {
      double m = IngestBenchmark.median(e.getValue());
      sum += m;
      System.out.printf("| %s | %.1f | %s |%n", e.getKey(), m, e.getValue());
    }
    System.out.printf("| steps together | %.1f | |%n", sum);
    System.out.printf(
        "| whole run, wall (one JVM per night) | %.1f | %s |%n",
        IngestBenchmark.median(walls), walls);
    spark.stop();
  }

  /** Runs the CLI in its own JVM with this JVM's classpath and flags; returns its exit code. */
  private static int child(Path repo, List<String> common, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx3g");
    command.addAll(dev.lakeml.testing.JavaFlags.SPARK_MODULE_FLAGS);
    command.add("-Dlakeml.repo.root=" + repo);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LakemlCli.class.getName());
    command.addAll(List.of(args));
    command.addAll(common);
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start().waitFor();
  }
}
