package dev.lakeml.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code lakeml sql-server} as a user runs it: a JVM of its own on loopback, started from the
 * module's class path, stopped (SIGTERM, then its shutdown hook) by {@link #close()}. Clients are
 * {@link JdbcProbe} JVMs with the Hive JDBC driver alone.
 */
public final class SqlServerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int port;

  private SqlServerProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts the server on a free port and waits until it says it serves, at most 3 minutes. */
  public static SqlServerProcess start(Path project, Path lake, Path keys, Path logDir)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> command = JavaFlags.sparkJava("1g");
    command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.lakeml.cli.LakemlCli",
            "sql-server",
            "--project",
            project.toString(),
            "--lakehouse",
            lake.toString(),
            "--port",
            Integer.toString(port),
            "--api-keys",
            keys.toString()));
    Path log = logDir.resolve("sql-server-" + port + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    SqlServerProcess server = new SqlServerProcess(pb.start(), log, port);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!server.log().contains(" serves ")) {
      if (!server.process.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IllegalStateException("lakeml sql-server did not start:\n" + server.log());
      }
      Thread.sleep(250);
    }
    return server;
  }

  public String url() {
    return "jdbc:hive2://127.0.0.1:" + port + "/default";
  }

  /** What the server printed so far. */
  public String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** Runs {@link JdbcProbe} with {@code actions} as {@code user}/{@code password}. */
  public List<String[]> probe(String user, String password, String... actions)
      throws IOException, InterruptedException {
    return JdbcProbe.run(url(), user, password, actions);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  /** The lines of a probe's output that start with {@code kind}, without it. */
  public static List<String[]> lines(List<String[]> output, String kind) {
    return output.stream()
        .filter(l -> l[0].equals(kind))
        .map(l -> Arrays.copyOfRange(l, 1, l.length))
        .toList();
  }
}
