package dev.lakeml.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The serving API as a child process: its own JVM, without Spark, started from the serving jar
 * ({@code serving-api-<version>-app.jar}) with the project and lakehouse of the command line. Used
 * by {@code lakeml serve} and by the demo; a JVM that hosts Spark cannot host the API (their Jetty
 * and Jackson versions differ).
 */
final class ServingProcess implements AutoCloseable {
  /** Where the launcher says the serving jar is; else {@link #JAR_ENV}, else the build folder. */
  static final String JAR_PROPERTY = "lakeml.serving.jar";

  static final String JAR_ENV = "LAKEML_SERVING_JAR";

  private final Process process;
  private final String keysFile;
  private final List<Thread> copies;

  private ServingProcess(Process process, String keysFile, List<Thread> copies) {
    this.process = process;
    this.keysFile = keysFile;
    this.copies = copies;
  }

  /**
   * Starts the API.
   *
   * @param project the project folder or file
   * @param lakehouse the lakehouse root (a local folder; the API reads snapshots from disk)
   * @param args the serving API's own options, passed as given
   * @param log where its output goes; empty to copy it to lakeml's standard output and error
   */
  static ServingProcess start(Path project, Path lakehouse, List<String> args, Optional<Path> log)
      throws IOException {
    return start(project, Optional.of(lakehouse), args, log);
  }

  /** The serving API's usage text, on lakeml's standard output; its exit code. */
  static int help() throws IOException, InterruptedException {
    try (ServingProcess api =
        start(Path.of("."), Optional.empty(), List.of("--help"), Optional.empty())) {
      return api.waitFor();
    }
  }

  private static ServingProcess start(
      Path project, Optional<Path> lakehouseOrNone, List<String> args, Optional<Path> log)
      throws IOException {
    Path jar = jar();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv().getOrDefault("LAKEML_SERVING_JAVA_OPTS", "-Xmx1g");
    for (String o : opts.trim().split("\\s+")) {
      if (!o.isEmpty()) {
        command.add(o);
      }
    }
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("LAKEML_PROJECT", project.toAbsolutePath().toString());
    String keys = null;
    if (lakehouseOrNone.isPresent()) {
      Path lakehouse = lakehouseOrNone.get();
      env.put("LAKEML_LAKEHOUSE", lakehouse.toAbsolutePath().toString());
      // Keys on the command line win; then the environment's; else a local file, made once.
      if (args.stream().noneMatch(a -> a.startsWith("--api-keys"))) {
        if (!isBlank(env.get("LAKEML_API_KEYS_FILE"))) {
          keys = env.get("LAKEML_API_KEYS_FILE");
        } else if (isBlank(env.get("LAKEML_API_KEYS"))) {
          keys = localKeys(lakehouse).toString();
          env.put("LAKEML_API_KEYS_FILE", keys);
        }
      }
    }
    if (log.isPresent()) {
      Files.createDirectories(log.get().toAbsolutePath().getParent());
      builder.redirectErrorStream(true).redirectOutput(log.get().toFile());
      return new ServingProcess(builder.start(), keys, List.of());
    }
    Process process = builder.start();
    return new ServingProcess(
        process,
        keys,
        List.of(
            copy(process.getInputStream(), LakemlCli.out(), "lakeml-serve-out"),
            copy(process.getErrorStream(), LakemlCli.err(), "lakeml-serve-err")));
  }

  /** Copies the child's output as it comes, line by line, on a daemon thread. */
  private static Thread copy(InputStream from, PrintStream to, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  to.println(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The serving jar: {@value #JAR_PROPERTY}, then {@value #JAR_ENV}, then the build folder. */
  static Path jar() throws IOException {
    String given = System.getProperty(JAR_PROPERTY, System.getenv(JAR_ENV));
    if (!isBlank(given)) {
      Path p = Path.of(given);
      if (!Files.isRegularFile(p)) {
        throw new LakemlCli.UsageException("the serving jar " + p + " does not exist");
      }
      return p;
    }
    Path target = Path.of("serving-api", "target");
    if (Files.isDirectory(target)) {
      try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "serving-api-*-app.jar")) {
        for (Path p : jars) {
          return p;
        }
      }
    }
    throw new LakemlCli.UsageException(
        "no serving jar: ./lakeml builds it; otherwise build it with `mvn -pl serving-api -am"
            + " package` and set "
            + JAR_ENV
            + " to serving-api/target/serving-api-<version>-app.jar");
  }

  /**
   * A local key file, made once with a read key and an admin key ({@code name:key:role} lines,
   * readable by its owner only), used when no keys are configured.
   */
  static Path localKeys(Path lakehouse) throws IOException {
    Path keys = lakehouse.toAbsolutePath().resolve("_serving").resolve("api-keys");
    if (Files.isRegularFile(keys)) {
      return keys;
    }
    Files.createDirectories(keys.getParent());
    SecureRandom random = new SecureRandom();
    String text =
        "local-reader:" + secret(random) + ":read\nlocal-admin:" + secret(random) + ":admin\n";
    Path tmp = Files.createTempFile(keys.getParent(), "api-keys", ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      tmp.toFile().setReadable(false, false);
      tmp.toFile().setReadable(true, true);
    }
    Files.writeString(tmp, text);
    Files.move(tmp, keys, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    LakemlCli.err().println("lakeml: API keys written to " + keys + " (name:key:role)");
    return keys;
  }

  private static String secret(SecureRandom random) {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The key file the API reads, if it is the local one or the environment's. */
  Optional<String> keysFile() {
    return Optional.ofNullable(keysFile);
  }

  /** The first key of {@code role} in the key file, for example requests. */
  Optional<String> key(String role) throws IOException {
    if (keysFile == null) {
      return Optional.empty();
    }
    for (String line : Files.readAllLines(Path.of(keysFile))) {
      String[] parts = line.trim().split(":");
      if (parts.length == 3 && parts[2].equals(role)) {
        return Optional.of(parts[1]);
      }
    }
    return Optional.empty();
  }

  /**
   * Waits until {@code base}/health/ready answers 200.
   *
   * @throws IOException when the process ends first or {@code timeout} passes
   */
  void awaitReady(HttpClient http, URI base, Duration timeout, String whereToLook)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest ready =
        HttpRequest.newBuilder(base.resolve("/health/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "the serving API ended with exit code " + process.exitValue() + "; see " + whereToLook);
      }
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IOException(
        "the serving API was not ready at " + base + " after " + timeout + "; see " + whereToLook);
  }

  /** Waits for the process to end and returns its exit code. */
  int waitFor() throws InterruptedException {
    int code = process.waitFor();
    for (Thread t : copies) {
      t.join(5_000);
    }
    return code;
  }

  /** Stops the API gracefully (SIGTERM; it drains requests in flight), then forcibly. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
