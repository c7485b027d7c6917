package dev.lakeml.bench;

import dev.lakeml.testing.JavaFlags;
import dev.lakeml.testing.SqlServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The JDBC endpoint (a program, not a test): {@code lakeml sql-server} on a lakehouse with nightly
 * predictions, a JDBC client (the Hive driver, in its own JVM) sending point queries by key over
 * {@code predictions.<model>_latest} on one connection (a prepared statement, keys drawn at random
 * from the table), then full scans of the view; and the same point query through {@code lakeml
 * sql}, one JVM per query as a person would run it. Prints the inputs, the machine, p50/p99 and
 * medians.
 *
 * <p>Usage: {@code spark-jobs/bench/sql-server-benchmark.sh LAKEHOUSE [model] [queries]} (defaults
 * customer_churn, 1000), on a lakehouse made by {@code ./lakeml demo --lakehouse LAKEHOUSE}.
 */
public final class SqlServerBenchmark {
  private SqlServerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path lake = Path.of(args[0]).toAbsolutePath();
    String model = args.length > 1 ? args[1] : "customer_churn";
    int queries = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    Path project = repo.resolve("examples/online-retail");
    String view = "predictions." + model + "_latest";
    System.setProperty(
        "lakeml.hive.jdbc.jar",
        System.getProperty(
            "lakeml.hive.jdbc.jar",
            repo.resolve("spark-jobs/target/hive-jdbc/hive-jdbc-standalone.jar").toString()));
    Path work = Files.createTempDirectory("lakeml-sql-bench");
    Path keys = work.resolve("keys");
    String key = "bench-key-" + Long.toHexString(new Random().nextLong()) + "0123456789";
    Files.writeString(keys, "bench:" + key + ":read\n");

    System.out.printf("input:   %s over %s; %d point queries by key%n", view, lake, queries);
    System.out.printf(
        "machine: %d cores, Java %s, %s %s; server: local[2] (the project's master), -Xmx1g%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        System.getProperty("os.name"),
        System.getProperty("os.arch"));

    long s0 = System.nanoTime();
    try (SqlServerProcess server = SqlServerProcess.start(project, lake, keys, work)) {
      System.out.printf("start:   %.1f s until it served%n", (System.nanoTime() - s0) / 1e9);
      List<String[]> ids =
          SqlServerProcess.lines(
              server.probe("bench", key, "query:SELECT customer_id FROM " + view), "row");
      List<String> pool = new ArrayList<>();
      ids.forEach(r -> pool.add(r[0]));
      Collections.shuffle(pool, new Random(42));
      String sample = String.join(",", pool.subList(0, Math.min(pool.size(), queries)));
      String point = "SELECT * FROM " + view + " WHERE customer_id = ?";
      List<String[]> out =
          server.probe(
              "bench",
              key,
              "repeat:50:" + point + ":" + sample, // warm-up, not counted
              "repeat:" + queries + ":" + point + ":" + sample,
              "query:SELECT * FROM " + view,
              "query:SELECT * FROM " + view,
              "query:SELECT * FROM " + view,
              "query:SELECT * FROM " + view,
              "query:SELECT * FROM " + view);
      List<String[]> latencies = SqlServerProcess.lines(out, "latency");
      List<Double> ms = new ArrayList<>();
      long empty = 0;
      for (String[] l : latencies.subList(50, latencies.size())) {
        ms.add(Long.parseLong(l[0]) / 1000.0);
        empty += l[1].equals("1") ? 0 : 1;
      }
      Collections.sort(ms);
      System.out.printf(
          "jdbc point query: n=%d  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  (%d"
              + " answers without exactly one row)%n",
          ms.size(), pct(ms, 50), pct(ms, 90), pct(ms, 99), ms.get(ms.size() - 1), empty);
      List<Double> scans = new ArrayList<>();
      long rows = 0;
      for (String[] d : SqlServerProcess.lines(out, "done")) {
        scans.add(Double.parseDouble(d[1]));
        rows = Long.parseLong(d[0]);
      }
      System.out.printf(
          "jdbc full scan of %s: %d rows, %s ms, median %.0f ms%n",
          view, rows, scans, median(scans));
    }

    List<Double> cli = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> command = JavaFlags.sparkJava("1g");
      command.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              "dev.lakeml.cli.LakemlCli",
              "sql",
              "-q",
              "--project",
              project.toString(),
              "--lakehouse",
              lake.toString(),
              "SELECT * FROM " + view + " WHERE customer_id = 12347"));
      long t0 = System.nanoTime();
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      int code = p.waitFor();
      cli.add((System.nanoTime() - t0) / 1e6);
      if (code != 0) {
        System.out.println("lakeml sql failed with exit " + code);
      }
    }
    System.out.printf(
        "lakeml sql, the same point query (a JVM each): %s ms, median %.0f ms%n", cli, median(cli));
  }

  private static double pct(List<Double> sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
