package dev.lakeml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.JavaFlags;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.TestProject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's commands, output and exit codes, in-process against a temporary lakehouse. */
class LakemlCliIT {
  @TempDir Path dir;

  @BeforeAll
  static void sharedSession() {
    SharedSpark.session(); // commands use it and leave it running
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private String projectFile() {
    TestProject p = TestProject.create(dir, "none");
    p.csv(
        "2011-01-10",
        List.of("O1,1,1,10.00,2011-01-10 09:00:00,NEW", "O2,1,1,-1,2011-01-10 09:00:00,NEW"));
    return dir.resolve("lakeml.yaml").toString();
  }

  @Test
  void ingestsQueriesAndDescribesTables() {
    String project = projectFile();
    CliRun ingest = run("ingest", "--project", project, "--date", "2011-01-10", "--quiet");
    assertThat(ingest.code()).as(ingest.err()).isZero();
    assertThat(ingest.out())
        .contains(
            "orders 2011-01-10..2011-01-10: read 2 = accepted 1 + quarantined 1 + duplicate 0");
    assertThat(ingest.out()).contains("rule failures: {amount_positive=1}");

    CliRun sql =
        run("sql", "--project", project, "-q", "SELECT order_id, amount FROM silver.orders");
    assertThat(sql.code()).as(sql.err()).isZero();
    assertThat(sql.out())
        .contains("| order_id | amount |")
        .contains("| O1       | 10.00  |")
        .contains("1 row");

    CliRun list = run("tables", "list", "--project", project, "-q");
    assertThat(list.out())
        .contains("bronze.orders")
        .contains("quarantine.orders")
        .contains("ops.ingest_runs");

    CliRun describe = run("tables", "describe", "silver.orders", "--project", project, "-q");
    assertThat(describe.code()).as(describe.err()).isZero();
    assertThat(describe.out())
        .contains("amount")
        .contains("DECIMAL(10,2)")
        .contains("key:          [order_id, line]");

    CliRun history = run("tables", "history", "silver.orders", "--project", project, "-q");
    assertThat(history.code()).as(history.err()).isZero();
    assertThat(history.out()).contains("WRITE");
  }

  @Test
  void sqlPrintsWholeValuesAsCsvOrJsonForScripts() {
    String project = projectFile();
    assertThat(run("ingest", "--project", project, "--date", "2011-01-10", "-q").code()).isZero();
    String query =
        "SELECT order_id, amount, 'a, \"quoted\"\nvalue' AS note, CAST(NULL AS STRING) AS none,"
            + " repeat('x', 200) AS long_text FROM silver.orders";
    CliRun csv = run("sql", "--project", project, "-q", "--format", "csv", query);
    assertThat(csv.code()).as(csv.err()).isZero();
    assertThat(csv.out())
        .isEqualTo(
            "order_id,amount,note,none,long_text\r\n"
                + "O1,10.00,\"a, \"\"quoted\"\"\nvalue\",,"
                + "x".repeat(200)
                + "\r\n");
    CliRun json = run("sql", "--project", project, "-q", "--format", "JSON", query);
    assertThat(json.code()).as(json.err()).isZero();
    assertThat(json.out())
        .isEqualTo(
            "{\"order_id\":\"O1\",\"amount\":10.00,\"note\":\"a, \\\"quoted\\\"\\nvalue\","
                + "\"long_text\":\""
                + "x".repeat(200)
                + "\"}\n");
  }

  @Test
  void gpuConfigTakesTheGlobalOptionsLikeEveryCommand() {
    CliRun r = run("gpu-config", "--project", projectFile(), "-q", "--device", "cpu");
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void ingestPredictionsHasNothingToLoadBeforeAnyApiLoggedButRefusesAMissingLogDir() {
    String project = projectFile();
    CliRun none = run("ingest-predictions", "--project", project, "-q");
    assertThat(none.code()).as(none.err()).isZero();
    assertThat(none.out()).contains("no prediction log at").contains("nothing to load");

    CliRun wrong =
        run("ingest-predictions", "--project", project, "-q", "--log-dir", dir + "/nope");
    assertThat(wrong.code()).isEqualTo(LakemlCli.FAILED);
    assertThat(wrong.err()).contains(dir + "/nope does not exist (the API's --log-dir)");
  }

  @Test
  void usageErrorsExitWithTwo() {
    String project = projectFile();
    CliRun none = run();
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err())
        .contains("Missing subcommand: one of ingest, stream, features")
        .contains(
            "predict, ingest-predictions, monitor, tables, sql, sql-server, run, airflow, serve, demo, gpu-config");

    CliRun badDate = run("ingest", "--project", project, "--date", "10/01/2011");
    assertThat(badDate.code()).isEqualTo(2);
    assertThat(badDate.err())
        .contains("--date")
        .contains("'10/01/2011' is not a date; expected yyyy-MM-dd");

    CliRun backwards =
        run("ingest", "--project", project, "--from", "2011-01-12", "--to", "2011-01-10");
    assertThat(backwards.code()).isEqualTo(2);
    assertThat(backwards.err())
        .contains("--to 2011-01-10 is before --from 2011-01-12; give the dates in order");

    CliRun badFormat = run("sql", "--project", project, "--format", "xml", "SELECT 1");
    assertThat(badFormat.code()).isEqualTo(2);
    assertThat(badFormat.err()).contains("--format").contains("TABLE, CSV, JSON");

    CliRun unknownSource =
        run("ingest", "--project", project, "--source", "invoices", "--date", "2011-01-10");
    assertThat(unknownSource.code()).isEqualTo(2);
    assertThat(unknownSource.err())
        .contains("unknown source 'invoices'; the project declares [orders]");

    CliRun badSql = run("sql", "--project", project, "SELEC 1");
    assertThat(badSql.code()).isEqualTo(2);
    assertThat(badSql.err()).contains("the query is not valid");
  }

  @Test
  void aConfigurationErrorIsOneMessageWithoutAStackTrace() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "name: x\nsources:\n  - name: orders\n    format: xml\n");
    CliRun r = run("ingest", "--project", bad.toString(), "--date", "2011-01-10");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "lakeml: configuration error: "
                + bad
                + ":4: at 'sources[0].format': 'xml' is not a format")
        .doesNotContain("\tat ");
  }

  @Test
  void aFailedJobExitsWithOneAndNamesTheFile() {
    String project = projectFile();
    CliRun r = run("ingest", "--project", project, "--date", "2011-01-12");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "No file for 2011-01-12 (source orders): expected " + dir.resolve("raw/2011-01-12.csv"))
        .doesNotContain("\tat ");
  }

  @Test
  void anObjectStoreRootWithoutItsConnectorIsOneMessageNamingWhatToAdd() {
    String project = projectFile();
    for (String[] store :
        List.of(
            new String[] {"s3a://lakeml-test-bucket/lake", "hadoop-aws"},
            new String[] {"gs://lakeml-test-bucket/lake", "gcs-connector-hadoop3"})) {
      CliRun r = run("tables", "list", "--project", project, "--lakehouse", store[0]);
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .contains("the lakehouse root " + store[0])
          .contains("no Hadoop connector for '" + store[0].substring(0, store[0].indexOf(':')))
          .contains(store[1], "docs/deployment.md#object-storage", "Nothing was read or written")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void aTruncatedGzipIsOneMessageWithoutSparksStackTrace() throws Exception {
    // Its own JVM: the CLI quiets Spark's task-failure logs only in a session it owns.
    TestProject.withTruncatedGzip(dir, "2011-01-10");
    Path file = dir.resolve("raw/2011-01-10.csv.gz");
    List<String> command = JavaFlags.sparkJava("1g");
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.lakeml.cli.LakemlCli",
            "ingest",
            "--project",
            dir.resolve("lakeml.yaml").toString(),
            "--date",
            "2011-01-10"));
    Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(err).isEqualTo(1);
    assertThat(err)
        .contains(
            "lakeml: Reading the raw data of orders failed: "
                + file.toUri().toString().replace("file:///", "file:/")
                + " (Unexpected end of input stream) cannot be read to the end. Nothing was"
                + " written")
        .doesNotContain("\tat ")
        .doesNotContain("ERROR Executor")
        .doesNotContain("Job aborted");
  }
}
