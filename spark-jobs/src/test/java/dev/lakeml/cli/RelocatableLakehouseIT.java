package dev.lakeml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.ExampleLake;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.SmallExample;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lakehouse is relocatable: a pipeline runs with the root given as a {@code file://} URI of a
 * folder whose path holds spaces, every location it stores (the serving pointer, the registry, the
 * runs, the training-set manifests, the prediction log) is relative to the root, and after the
 * folder is moved, the jobs and the serving API work from the new place without a rewrite.
 */
class RelocatableLakehouseIT {
  @TempDir static Path dir;
  static Path project;

  /** The bundled project with a small churn model that the prepared lake's two months can train. */
  @BeforeAll
  static void projectAndServingJar() throws IOException {
    SharedSpark.session();
    project =
        SmallExample.write(
                dir.resolve("project"),
                """
                  - name: relocatable
                    start_date: 2011-03-01
                    steps:
                      - {name: train, job: train, args: [customer_churn]}
                      - {name: predict, job: predict, args: [customer_churn, --date, "{{ ds }}"], after: [train]}
                      - {name: publish, job: publish, after: [predict]}
                """)
            .getParent();
    ServeIT.servingJar();
  }

  private static CliRun lakeml(String root, String... args) {
    return CliRun.of(args, "--project", project.toString(), "--lakehouse", root, "-q");
  }

  @Test
  void aPipelineStoresRootRelativeLocationsAndTheMovedLakehouseServesFromItsNewPlace()
      throws Exception {
    Path first = dir.resolve("old home/with spaces/lake");
    Files.createDirectories(first);
    ExampleLake.copyTo(first); // ingested to 2011-03-31, features from 2011-02-01
    String firstRoot = "file://" + first; // unencoded, as a person writes it
    CliRun run = lakeml(firstRoot, "run", "relocatable", "--date", "2011-03-31");
    assertThat(run.code()).as(run.err()).isZero();

    // Everything stored names places relative to the root.
    String pointer =
        Files.readString(
            first.resolve("ml/serving/customer_churn/aliases.yaml"), StandardCharsets.UTF_8);
    assertThat(pointer)
        .contains("artifact: ml/artifacts/customer_churn/")
        .doesNotContain(dir.toString());
    SparkSession spark = SharedSpark.session();
    Row version = spark.read().format("delta").load(first + "/ml/model_versions").first();
    assertThat(List.of(version.<String>getAs("artifact"), version.<String>getAs("report")))
        .allMatch(p -> p.startsWith("ml/artifacts/customer_churn/"));
    assertThat(
            spark
                .read()
                .format("delta")
                .load(first + "/ml/runs")
                .first()
                .<String>getAs("artifacts"))
        .startsWith("ml/artifacts/customer_churn/");
    Map<String, String> inputs =
        spark
            .read()
            .format("delta")
            .load(first + "/ops/training_sets")
            .first()
            .getJavaMap(
                spark
                    .read()
                    .format("delta")
                    .load(first + "/ops/training_sets")
                    .first()
                    .fieldIndex("input_locations"));
    assertThat(inputs.values()).isNotEmpty().allMatch(l -> !l.startsWith("/") && !l.contains(":"));
    try (Stream<Path> files = Files.walk(first)) {
      List<Path> naming =
          files
              .filter(Files::isRegularFile)
              .filter(
                  f -> !f.toString().contains("_delta_log") && !f.toString().endsWith(".parquet"))
              .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".json"))
              .filter(f -> read(f).contains(first.toString()))
              .toList();
      assertThat(naming).as("files that name the old place").isEmpty();
    }

    // Move it (a restore elsewhere); the jobs and the API use the new place.
    Path moved = dir.resolve("new home/lake two");
    Files.createDirectories(moved.getParent());
    Files.move(first.getParent().getParent(), dir.resolve("new home/x"));
    Files.move(dir.resolve("new home/x/with spaces/lake"), moved);
    assertThat(first).doesNotExist();
    String movedRoot = "file://" + moved;
    CliRun predict = lakeml(movedRoot, "predict", "customer_churn", "--date", "2011-03-30");
    assertThat(predict.code()).as(predict.err()).isZero();
    CliRun publish = lakeml(movedRoot, "publish");
    assertThat(publish.code()).as(publish.err()).isZero();
    // The snapshot holds each model's newest date: 2011-03-31, scored before the move.
    Row newest =
        spark
            .read()
            .format("delta")
            .load(moved + "/predictions/customer_churn")
            .where("prediction_date = DATE'2011-03-31'")
            .orderBy("customer_id")
            .first();
    long customer = newest.getLong(newest.fieldIndex("customer_id"));
    double score = newest.getDouble(newest.fieldIndex("score"));

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path keys = dir.resolve("keys");
    Files.writeString(keys, "reader:reader-key-0123456789abcdef:read\n");
    CompletableFuture<CliRun> serve =
        CompletableFuture.supplyAsync(
            () ->
                CliRun.of(
                    new String[] {
                      "serve", "--project", project.toString(), "--lakehouse", movedRoot
                    },
                    "--port",
                    Integer.toString(port),
                    "--api-keys",
                    keys.toString(),
                    "--models",
                    "customer_churn"));
    HttpClient http = HttpClient.newHttpClient();
    try {
      URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
      int status = 0;
      for (int i = 0; i < 480 && status != 200 && !serve.isDone(); i++) {
        try {
          status =
              http.send(
                      HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                  .statusCode();
        } catch (IOException notYet) {
          // not listening yet
        }
        if (status != 200) {
          Thread.sleep(250);
        }
      }
      assertThat(serve.isDone()).as("serve ended early: %s", serve.getNow(null)).isFalse();
      assertThat(status)
          .as("ready: the snapshot and the champion loaded from the new place")
          .isEqualTo(200);
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + port
                              + "/v1/predictions/customer_churn/"
                              + customer))
                  .header("X-API-Key", "reader-key-0123456789abcdef")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.body())
          .contains("\"prediction_date\":\"2011-03-31\"", "\"score\":" + score)
          .contains("\"snapshot_version\":2"); // published after the move
    } finally {
      ProcessHandle.current()
          .children()
          .filter(p -> p.info().commandLine().orElse("").contains("serving-api"))
          .forEach(ProcessHandle::destroy);
      serve.get(60, TimeUnit.SECONDS);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
