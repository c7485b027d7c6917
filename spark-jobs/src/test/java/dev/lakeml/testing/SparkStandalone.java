package dev.lakeml.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on loopback: a master and workers, each a JVM of its own, from a
 * {@code SPARK_HOME} whose {@code jars/} holds only what a Spark distribution provides (the jars of
 * Spark 3.5.7 with Hive, listed by the module {@code spark-test-cluster}, linked, not copied).
 * Executors are JVMs the workers launch. Applications are submitted with {@code SparkSubmit} in
 * client mode, the driver a JVM of its own too.
 */
public final class SparkStandalone implements AutoCloseable {
  /**
   * The settings of an application on this cluster: one one-core executor per worker, 1 GiB each,
   * and the small-data settings lakeml's base settings give local mode.
   */
  public static final List<String> SMALL_APPLICATION =
      List.of(
          "spark.executor.memory=1g",
          "spark.executor.cores=1",
          "spark.cores.max=2",
          "spark.ui.enabled=false",
          "spark.driver.host=127.0.0.1",
          "spark.sql.shuffle.partitions=4",
          "spark.default.parallelism=4",
          "spark.databricks.delta.snapshotPartitions=2",
          "spark.sql.sources.parallelPartitionDiscovery.parallelism=4");

  private final Path home;
  private final Path work;
  private final int port;
  private final Process master;
  private final List<Process> workers = new ArrayList<>();

  private SparkStandalone(Path home, Path work, int port, Process master) {
    this.home = home;
    this.work = work;
    this.port = port;
    this.master = master;
  }

  /**
   * Starts a master and {@code workers} workers of {@code cores} cores each and waits until every
   * worker has registered.
   */
  public static SparkStandalone start(Path work, int workers, int cores)
      throws IOException, InterruptedException {
    Path home = sparkHome(work.resolve("spark-home"));
    int port = freePort();
    Process master =
        launch(
            home,
            work.resolve("master.log"),
            List.of(
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--webui-port",
                Integer.toString(freePort())));
    SparkStandalone cluster = new SparkStandalone(home, work, port, master);
    try {
      cluster.await(work.resolve("master.log"), "I have been elected leader", master);
      for (int i = 0; i < workers; i++) {
        Path dir = Files.createDirectories(work.resolve("worker-" + i));
        Process w =
            launch(
                home,
                work.resolve("worker-" + i + ".log"),
                List.of(
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--webui-port",
                    Integer.toString(freePort()),
                    "--cores",
                    Integer.toString(cores),
                    "--memory",
                    "1536M",
                    "--work-dir",
                    dir.toString(),
                    cluster.masterUrl()));
        cluster.workers.add(w);
        cluster.await(
            work.resolve("worker-" + i + ".log"), "Successfully registered with master", w);
      }
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  /**
   * The SPARK_HOME: jars/ linking every jar of a Spark distribution (module spark-test-cluster).
   */
  private static Path sparkHome(Path home) throws IOException {
    Path list =
        Path.of(
            System.getProperty(
                "lakeml.spark.cluster.classpath", "spark-test-cluster/target/classpath.txt"));
    if (!Files.isRegularFile(list)) {
      throw new IllegalStateException(
          list.toAbsolutePath() + " is missing: the build of spark-test-cluster writes it");
    }
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : Files.readString(list, StandardCharsets.UTF_8).trim().split(":")) {
      Path jar = Path.of(entry);
      if (entry.endsWith(".jar") && Files.isRegularFile(jar)) {
        Path link = jars.resolve(jar.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
      }
    }
    return home;
  }

  private static Process launch(Path home, Path log, List<String> mainAndArgs) throws IOException {
    List<String> command = JavaFlags.sparkJava("256m");
    command.addAll(List.of("-cp", home.resolve("jars") + "/*"));
    command.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    environment(pb, home);
    return pb.start();
  }

  private static void environment(ProcessBuilder pb, Path home) {
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
  }

  private void await(Path log, String line, Process process)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(log) || !Files.readString(log).contains(line)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the Spark cluster did not start: "
                + log
                + "\n"
                + (Files.exists(log) ? Files.readString(log) : ""));
      }
      Thread.sleep(100);
    }
  }

  /**
   * Starts {@code spark-submit} of {@code appJar} in client mode on this cluster (the driver in a
   * JVM of its own), with {@code conf} and the application's arguments; output to {@code log}.
   */
  public Process submit(Path appJar, List<String> conf, List<String> appArgs, Path log)
      throws IOException {
    List<String> command = JavaFlags.sparkJava("1g");
    command.addAll(
        List.of(
            "-cp",
            home.resolve("jars") + "/*",
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            masterUrl(),
            "--deploy-mode",
            "client",
            "--class",
            "dev.lakeml.cli.LakemlCli"));
    for (String c : conf) {
      command.addAll(List.of("--conf", c));
    }
    command.add(appJar.toAbsolutePath().toString());
    command.addAll(appArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    environment(pb, home);
    return pb.start();
  }

  /** Kills worker {@code i} and the executors it launched, as a lost machine would go. */
  public void killWorker(int i) {
    Process w = workers.get(i);
    w.descendants().forEach(ProcessHandle::destroyForcibly);
    w.destroyForcibly();
  }

  /** The folder of the cluster's logs and work directories. */
  public Path work() {
    return work;
  }

  @Override
  public void close() throws InterruptedException {
    for (Process w : workers) {
      w.descendants().forEach(ProcessHandle::destroyForcibly);
      w.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    master.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
