package dev.lakeml.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.cli.LakemlCli;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.PipelineTables;
import dev.lakeml.testing.CliRun;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.TestProject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lakeml run} on a small project with real Delta tables: steps in order, every attempt in
 * {@code ops.pipeline_runs}, a rerun that skips what succeeded, retries, a timeout, and a run
 * killed with SIGKILL that the next run resumes without losing or doubling a row.
 */
class PipelineRunIT {
  @TempDir Path dir;

  static final String PIPELINE_YAML =
      """
      entities:
        - name: customer
          keys: [{name: customer, type: long}]
      feature_views:
        - name: customer_orders
          entity: customer
          source: orders
          event_time: ordered_at
          filter: "customer IS NOT NULL"
          ttl: 30d
          owner: test
          features:
            - {name: orders_7d, agg: count, window: 7d}
            - {name: amount_7d, agg: sum, of: amount, window: 7d}
      pipelines:
        - name: nightly
          start_date: 2011-01-10
          retries: 1
          retry_delay: 1s
          steps:
            - {name: ingest, job: ingest, args: [--date, "{{ ds }}"]}
            - {name: features, job: features, args: [--date, "{{ ds }}"], after: [ingest]}
        - name: slow
          start_date: 2011-01-10
          steps:
            - {name: features, job: features, args: [--from, "{{ macros.ds_add(ds, -3) }}", --to, "{{ ds }}"], timeout: 1s}
      """;

  @BeforeAll
  static void sharedSession() {
    SharedSpark.session();
  }

  private TestProject project() {
    TestProject p =
        TestProject.create(dir, "none", TestProject.SOURCE_YAML.formatted("") + PIPELINE_YAML);
    p.csv(
        "2011-01-10",
        List.of("O1,1,7,10.00,2011-01-10 09:00:00,NEW", "O2,1,8,5.00,2011-01-10 10:00:00,PAID"));
    p.csv(
        "2011-01-11",
        List.of("O3,1,7,20.00,2011-01-11 09:00:00,PAID", "O3,1,7,20.00,2011-01-11 09:00:00,PAID"));
    return p;
  }

  private CliRun run(String... args) {
    return CliRun.of(args, "--project", dir.resolve("lakeml.yaml").toString());
  }

  private List<String> attempts(TestProject p) {
    Project project = p.load();
    Lakehouse lakehouse = p.lakehouse(project);
    List<String> out = new ArrayList<>();
    if (!lakehouse.exists(PipelineTables.PIPELINE_RUNS)) {
      return out;
    }
    for (Row r :
        lakehouse
            .read(PipelineTables.PIPELINE_RUNS)
            .orderBy("pipeline", "logical_date", "started_at", "attempt")
            .collectAsList()) {
      out.add(
          r.getAs("pipeline")
              + " "
              + r.getAs("logical_date")
              + " "
              + r.getAs("step")
              + " #"
              + r.getAs("attempt")
              + " "
              + r.getAs("state"));
    }
    return out;
  }

  private long count(TestProject p, String sql) {
    return SharedSpark.session()
        .sql(sql.replace("LAKE", p.dir.resolve("lake").toString()))
        .first()
        .getLong(0);
  }

  @Test
  void runsStepsInOrderRecordsEveryAttemptAndARerunSkipsThemAll() {
    TestProject p = project();

    CliRun first = run("run", "nightly", "--from", "2011-01-10", "--to", "2011-01-11");

    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("nightly 2011-01-10: SUCCEEDED")
        .contains("nightly 2011-01-11: SUCCEEDED")
        .containsPattern("ingest +SUCCEEDED \\(attempt 1 in [0-9.]+ s\\)");
    assertThat(first.err())
        .contains("[nightly 2011-01-10] ingest attempt 1: lakeml ingest --date 2011-01-10");
    assertThat(attempts(p))
        .containsExactly(
            "nightly 2011-01-10 ingest #1 SUCCEEDED",
            "nightly 2011-01-10 features #1 SUCCEEDED",
            "nightly 2011-01-11 ingest #1 SUCCEEDED",
            "nightly 2011-01-11 features #1 SUCCEEDED");
    assertThat(count(p, "SELECT count(*) FROM delta.`LAKE/silver/orders`")).isEqualTo(3);

    CliRun again = run("run", "nightly", "--from", "2011-01-10", "--to", "2011-01-11");

    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out().lines().filter(l -> l.contains("skipped: succeeded earlier")).count())
        .isEqualTo(4);
    assertThat(attempts(p)).hasSize(4);

    CliRun forced = run("run", "nightly", "--date", "2011-01-11", "--rerun", "ingest", "-q");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(attempts(p))
        .as("--rerun ingest runs ingest and the features after it again")
        .contains(
            "nightly 2011-01-11 ingest #2 SUCCEEDED", "nightly 2011-01-11 features #2 SUCCEEDED");
    assertThat(count(p, "SELECT count(*) FROM delta.`LAKE/silver/orders`"))
        .as("ingestion is idempotent, so a rerun adds nothing")
        .isEqualTo(3);
  }

  @Test
  void aFailedStepIsRetriedStopsTheStepsAfterItAndTheNextRunResumesFromIt() {
    TestProject p = project();

    CliRun failed = run("run", "nightly", "--from", "2011-01-11", "--to", "2011-01-13", "-q");

    assertThat(failed.code()).isEqualTo(LakemlCli.FAILED);
    assertThat(failed.err())
        .contains("pipeline nightly failed at step ingest for 2011-01-12")
        .contains("2011-01-12.csv")
        .contains("it resumes at ingest");
    assertThat(failed.out()).contains("features                 not run: ingest did not succeed");
    assertThat(attempts(p))
        .as("one retry, then the date stops and 2011-01-13 is not started")
        .containsExactly(
            "nightly 2011-01-11 ingest #1 SUCCEEDED",
            "nightly 2011-01-11 features #1 SUCCEEDED",
            "nightly 2011-01-12 ingest #1 FAILED",
            "nightly 2011-01-12 ingest #2 FAILED");

    p.csv("2011-01-12", List.of("O4,1,8,7.00,2011-01-12 09:00:00,NEW"));
    p.csv("2011-01-13", List.of("O5,1,8,9.00,2011-01-13 09:00:00,NEW"));
    CliRun resumed = run("run", "nightly", "--from", "2011-01-11", "--to", "2011-01-13", "-q");

    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(attempts(p))
        .contains(
            "nightly 2011-01-12 ingest #3 SUCCEEDED",
            "nightly 2011-01-12 features #1 SUCCEEDED",
            "nightly 2011-01-13 features #1 SUCCEEDED")
        .hasSize(8);
  }

  @Test
  void aStepPastItsTimeoutIsCancelledAndRecordedAsFailed() {
    TestProject p = project();
    assertThat(run("ingest", "--all", "-q").code()).isZero();

    CliRun slow = run("run", "slow", "--date", "2011-01-11", "-q");

    assertThat(slow.code()).isEqualTo(LakemlCli.FAILED);
    assertThat(slow.err()).contains("timed out after 1s");
    assertThat(attempts(p)).containsExactly("slow 2011-01-11 features #1 FAILED");
    assertThat(run("sql", "-q", "SELECT 1 AS one").code())
        .as("the session still works after the cancelled step")
        .isZero();
  }

  @Test
  void aRunKilledDuringAStepIsResumedAtThatStepAndLosesNothing() throws Exception {
    TestProject p = project();
    Process process = startRun(p);
    boolean sawStart = false;
    List<String> seen = new ArrayList<>();
    try (BufferedReader err =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = err.readLine()) != null) {
        seen.add(line);
        if (line.contains("[nightly 2011-01-10] ingest attempt 1")) {
          sawStart = true;
          Thread.sleep(2000); // into the step's Spark work
          process.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
          break;
        }
      }
    }
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(sawStart).as(String.join("\n", seen)).isTrue();
    Path marker = p.dir.resolve("lake/ops/_pipeline_attempts/nightly/2011-01-10/ingest/1");
    assertThat(attempts(p)).as("the killed attempt has no row: nobody recorded its end").isEmpty();
    assertThat(marker).as("but its marker says it started").exists();

    CliRun resumed = run("run", "nightly", "--date", "2011-01-10");

    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.err())
        .contains("[nightly 2011-01-10] ingest: attempt 1 (run ")
        .contains(") never finished: the process ended during it");
    assertThat(attempts(p))
        .containsExactly(
            "nightly 2011-01-10 ingest #1 FAILED",
            "nightly 2011-01-10 ingest #2 SUCCEEDED",
            "nightly 2011-01-10 features #1 SUCCEEDED");
    assertThat(marker).doesNotExist();
    assertThat(
            count(
                p,
                "SELECT count(*) FROM delta.`LAKE/ops/pipeline_runs` WHERE attempt = 1 AND step ="
                    + " 'ingest' AND error LIKE 'the process ended during this attempt%'"))
        .isEqualTo(1);
    assertThat(count(p, "SELECT count(*) FROM delta.`LAKE/silver/orders`")).isEqualTo(2);
    assertThat(
            count(
                p,
                "SELECT sum(rows_read) - sum(rows_accepted + rows_quarantined + rows_duplicate)"
                    + " FROM delta.`LAKE/ops/ingest_runs`"))
        .as("counts reconcile")
        .isZero();
    assertThat(count(p, "SELECT count(*) FROM delta.`LAKE/features/customer_orders`"))
        .as("one row for each of the date's two customers, written once")
        .isEqualTo(2);
  }

  /** {@code lakeml run nightly} in its own JVM, as a scheduler would start it. */
  private static Process startRun(TestProject p) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.addAll(dev.lakeml.testing.JavaFlags.SPARK_MODULE_FLAGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.lakeml.cli.LakemlCli");
    command.addAll(
        List.of(
            "run",
            "nightly",
            "--date",
            "2011-01-10",
            "--project",
            p.dir.resolve("lakeml.yaml").toString(),
            "--conf",
            "spark.sql.shuffle.partitions=2"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return pb.start();
  }
}
