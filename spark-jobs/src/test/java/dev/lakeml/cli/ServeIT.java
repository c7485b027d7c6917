package dev.lakeml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.ExampleLake;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lakeml serve}: the real serving jar started as a child JVM on loopback, its options passed
 * through, a local key file made, and the child stopped with the command.
 */
class ServeIT {
  @TempDir Path dir;

  @BeforeAll
  static void servingJar() throws IOException {
    Path target =
        Path.of(System.getProperty("lakeml.repo.root", "..")).resolve("serving-api/target");
    Path jar = null;
    if (Files.isDirectory(target)) {
      try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "serving-api-*-app.jar")) {
        for (Path p : jars) {
          jar = p;
        }
      }
    }
    assertThat(jar)
        .as("the serving jar (built before spark-jobs in the reactor) under " + target)
        .isNotNull();
    System.setProperty(ServingProcess.JAR_PROPERTY, jar.toAbsolutePath().toString());
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  /** {@code lakeml serve} on the bundled project and {@code lake}, with the serving options. */
  private static CliRun serve(Path lake, String... servingOptions) {
    String[] serve = {
      "serve", "--project", ExampleLake.EXAMPLE.toString(), "--lakehouse", lake.toString()
    };
    return CliRun.of(serve, servingOptions);
  }

  @Test
  void helpListsTheServingApisOwnOptions() {
    CliRun help = run("serve", "--help");
    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out()).contains("--poll-interval", "--port", "--models", "LAKEML_API_KEYS");
    CliRun top = run("--help");
    assertThat(top.out()).contains("serve ");
  }

  @Test
  void helpAfterOtherOptionsWritesNoKeyFile() throws IOException {
    Path lake = Files.createTempDirectory("lakeml-serve-help");
    CliRun help =
        run(
            "serve",
            "--project",
            ExampleLake.EXAMPLE.toString(),
            "--lakehouse",
            lake.toString(),
            "--port",
            "1",
            "--help");
    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out()).contains("--head-timeout", "--body-timeout", "--idle-timeout");
    assertThat(lake.resolve("_serving")).doesNotExist();
  }

  @Test
  void servesOnTheGivenPortWithALocalKeyFileUntilStopped() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path lake = dir.resolve("lake");
    CompletableFuture<CliRun> serve =
        CompletableFuture.supplyAsync(() -> serve(lake, "--port", Integer.toString(port)));
    HttpClient http = HttpClient.newHttpClient();
    URI live = URI.create("http://127.0.0.1:" + port + "/health/live");
    int status = 0;
    for (int i = 0; i < 240 && status != 200 && !serve.isDone(); i++) {
      try {
        status =
            http.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
      } catch (IOException notYet) {
        Thread.sleep(250);
      }
    }
    assertThat(serve.isDone()).as("serve ended early: %s", serve.getNow(null)).isFalse();
    assertThat(status).isEqualTo(200);

    Path keys = lake.resolve("_serving/api-keys");
    assertThat(Files.getPosixFilePermissions(keys))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    List<String> lines = Files.readAllLines(keys);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).matches("local-reader:[0-9a-f]{48}:read");
    assertThat(lines.get(1)).matches("local-admin:[0-9a-f]{48}:admin");
    // The key file is the one the API reads: a request without a key is refused, with one it is
    // let through (to "nothing published yet").
    URI lookup = URI.create("http://127.0.0.1:" + port + "/v1/predictions/customer_churn/12347");
    assertThat(
            http.send(
                    HttpRequest.newBuilder(lookup).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode())
        .isEqualTo(401);
    String key = lines.get(0).split(":")[1];
    assertThat(
            http.send(
                    HttpRequest.newBuilder(lookup).header("X-API-Key", key).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode())
        .isNotIn(401, 403);

    // Stop the child as a service manager would (SIGTERM): the command ends with it.
    List<ProcessHandle> children =
        ProcessHandle.current()
            .children()
            .filter(p -> p.info().commandLine().orElse("").contains("serving-api"))
            .toList();
    assertThat(children).hasSize(1);
    children.get(0).destroy();
    CliRun ended = serve.get(60, TimeUnit.SECONDS);
    assertThat(ended.out()).contains("\"path\":\"/health/live\"", "\"key_name\":\"local-reader\"");
    assertThat(ended.err())
        .contains("API keys written to " + keys, "listening on 127.0.0.1:" + port);
    assertThat(children.get(0).isAlive()).isFalse();
  }

  @Test
  void aBadServingOptionIsTheServingApisUsageError() {
    CliRun bad = serve(dir, "--port", "eighty");
    assertThat(bad.code()).isEqualTo(LakemlCli.USAGE);
    assertThat(bad.err()).contains("--port").contains("eighty");
  }

  @Test
  void keysGivenOnTheCommandLineAreTheOnlyOnesNoLocalFileIsMade() {
    CliRun bad = serve(dir, "--api-keys", dir.resolve("no-such-keys").toString(), "--port", "0");
    assertThat(bad.code()).isEqualTo(LakemlCli.USAGE);
    assertThat(bad.err()).contains("no-such-keys");
    assertThat(dir.resolve("_serving/api-keys")).doesNotExist();
  }

  @Test
  void sparkOptionsAreRefused() {
    CliRun bad = run("serve", "--conf", "spark.ui.enabled=false");
    assertThat(bad.code()).isEqualTo(LakemlCli.USAGE);
    assertThat(bad.err()).contains("lakeml serve runs without Spark");
  }
}
