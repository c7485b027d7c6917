package dev.lakeml.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.testing.TestProject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory stream: files dropped into a landing folder reach bronze, silver and quarantine
 * exactly once, across a stop in the middle and across a killed process.
 */
class StreamIngestIT {
  static final int FILES = 6;
  static final int LINES = 50;

  @TempDir Path dir;

  private TestProject project() {
    String yaml =
        TestProject.SOURCE_YAML.formatted("")
            + "    stream:\n      landing: landing\n      max_files_per_trigger: 1\n";
    return TestProject.create(dir, "none", yaml);
  }

  /**
   * Drops FILES files into the landing folder: each has LINES lines, one of them invalid, and the
   * last line of each file repeats the first line of the previous file (a duplicate across
   * micro-batches).
   */
  private static void land(Path landing) throws Exception {
    Files.createDirectories(landing);
    for (int f = 0; f < FILES; f++) {
      StringBuilder sb = new StringBuilder(TestProject.HEADER).append('\n');
      for (int i = 0; i < LINES - 2; i++) {
        sb.append("O").append(f * 1000 + i).append(",1,1,10.00,2011-01-10 09:00:00,NEW\n");
      }
      sb.append("O").append(f * 1000 + 999).append(",1,1,-5.00,2011-01-10 09:00:00,NEW\n");
      int repeated = f == 0 ? 0 : (f - 1) * 1000;
      sb.append("O").append(repeated).append(",1,1,10.00,2011-01-10 09:00:00,NEW\n");
      // Write beside, then move: the stream must never see a half-written file.
      Path tmp = landing.resolveSibling("part-" + f + ".tmp");
      Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
      Files.move(tmp, landing.resolve("orders-" + f + ".csv"), StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void assertExactlyOnce(Lakehouse lakehouse, SourceSpec source) {
    Dataset<Row> bronze = lakehouse.read(IngestTables.bronze(source));
    Dataset<Row> silver = lakehouse.read(IngestTables.silver(source));
    Dataset<Row> quarantine = lakehouse.read(IngestTables.quarantine(source));
    assertThat(bronze.collectAsList()).hasSize(FILES * LINES);
    assertThat(bronze.select(IngestTables.SOURCE_FILE, IngestTables.ROW_NUMBER).distinct().count())
        .isEqualTo(FILES * LINES);
    // Every file: LINES-2 new valid lines; the first file's last line repeats its own first line.
    assertThat(silver.collectAsList()).hasSize(FILES * (LINES - 2));
    assertThat(silver.select("order_id", "line").distinct().count()).isEqualTo(FILES * (LINES - 2));
    assertThat(quarantine.collectAsList()).hasSize(FILES);
    List<Row> runs =
        lakehouse.read(IngestTables.INGEST_RUNS).where("rows_read > 0").collectAsList();
    long read = runs.stream().mapToLong(r -> r.<Long>getAs("rows_read")).sum();
    long accepted = runs.stream().mapToLong(r -> r.<Long>getAs("rows_accepted")).sum();
    long duplicate = runs.stream().mapToLong(r -> r.<Long>getAs("rows_duplicate")).sum();
    assertThat(read).isEqualTo(FILES * LINES);
    assertThat(accepted).isEqualTo(FILES * (LINES - 2));
    assertThat(duplicate).isEqualTo(FILES);
  }

  @Test
  void aStreamStoppedMidwayResumesWithoutLosingOrRepeatingRows() throws Exception {
    TestProject p = project();
    Project project = p.load();
    SourceSpec source = project.source("orders").orElseThrow();
    Lakehouse lakehouse = p.lakehouse(project);
    land(dir.resolve("landing"));
    List<String> log = new ArrayList<>();
    StreamIngestJob job = new StreamIngestJob(project, lakehouse, Clock.systemUTC(), log::add);

    StreamingQuery first =
        job.start(
            source,
            StreamIngestJob.Kind.DIRECTORY,
            Trigger.ProcessingTime(200, TimeUnit.MILLISECONDS));
    long deadline = System.currentTimeMillis() + 120_000;
    while (lakehouse.read(IngestTables.INGEST_RUNS).count() < 2
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    first.stop();
    long afterStop = lakehouse.read(IngestTables.bronze(source)).count();
    assertThat(afterStop).as("stopped midway").isBetween((long) LINES, (long) (FILES - 1) * LINES);

    StreamingQuery second =
        job.start(source, StreamIngestJob.Kind.DIRECTORY, Trigger.AvailableNow());
    second.awaitTermination(120_000);
    assertExactlyOnce(lakehouse, source);
  }

  @Test
  void aKilledStreamProcessResumesExactlyOnce() throws Exception {
    TestProject p = project();
    Project project = p.load();
    SourceSpec source = project.source("orders").orElseThrow();
    Lakehouse lakehouse = p.lakehouse(project);
    land(dir.resolve("landing"));

    Process child = startStreamProcess(dir.resolve("lakeml.yaml"), dir.resolve("child.log"));
    try {
      long deadline = System.currentTimeMillis() + 180_000;
      while (System.currentTimeMillis() < deadline && child.isAlive()) {
        // The child creates the table while we poll: only a table with a commit can be read.
        if (lakehouse.exists(IngestTables.INGEST_RUNS)
            && lakehouse.read(IngestTables.INGEST_RUNS).where("rows_read > 0").count() >= 2) {
          break;
        }
        Thread.sleep(250);
      }
      assertThat(child.isAlive())
          .as("child still streaming; log: %s", tail(dir.resolve("child.log")))
          .isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hooks, no clean stop
      child.waitFor(30, TimeUnit.SECONDS);
    }
    long afterKill = lakehouse.read(IngestTables.bronze(source)).count();
    assertThat(afterKill).as("killed midway").isLessThan((long) FILES * LINES);

    new StreamIngestJob(project, lakehouse, Clock.systemUTC(), m -> {})
        .start(source, StreamIngestJob.Kind.DIRECTORY, Trigger.AvailableNow())
        .awaitTermination(120_000);
    assertExactlyOnce(lakehouse, source);
  }

  @Test
  void aLandedFileWithAnotherHeaderStopsTheStreamAndIsLogged() throws Exception {
    TestProject p = project();
    Project project = p.load();
    SourceSpec source = project.source("orders").orElseThrow();
    Lakehouse lakehouse = p.lakehouse(project);
    Path landing = dir.resolve("landing");
    Files.createDirectories(landing);
    Files.writeString(
        landing.resolve("renamed.csv"),
        "OrderId,LineNo,Customer,Amount,OrderedAt,Status\nO1,1,1,1,2011-01-10 09:00:00,NEW\n");

    StreamingQuery query =
        new StreamIngestJob(project, lakehouse, Clock.systemUTC(), m -> {})
            .start(source, StreamIngestJob.Kind.DIRECTORY, Trigger.AvailableNow());

    assertThatThrownBy(() -> query.awaitTermination(120_000))
        .isInstanceOf(org.apache.spark.sql.streaming.StreamingQueryException.class)
        .hasMessageContaining("renamed.csv (source orders) has an unexpected header")
        .hasMessageContaining("column 2: expected 'Line', found 'LineNo'");
    Row failed = lakehouse.read(IngestTables.INGEST_RUNS).first();
    assertThat(failed.<String>getAs("status")).isEqualTo("FAILED");
    assertThat(failed.<String>getAs("mode")).isEqualTo("stream-directory");
    assertThat(failed.<String>getAs("message"))
        .contains("renamed.csv (source orders) has an unexpected header");
    assertThat(lakehouse.read(IngestTables.bronze(source)).collectAsList()).isEmpty();
  }

  /** Runs {@code lakeml stream} in its own JVM, as production would. */
  static Process startStreamProcess(Path projectFile, Path logFile) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.addAll(dev.lakeml.testing.JavaFlags.SPARK_MODULE_FLAGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.lakeml.cli.LakemlCli");
    command.addAll(
        List.of(
            "stream",
            "--project",
            projectFile.toString(),
            "--source",
            "orders",
            "--trigger-seconds",
            "1",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--quiet"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.redirectErrorStream(true);
    pb.redirectOutput(logFile.toFile());
    pb.directory(new File(System.getProperty("java.io.tmpdir")));
    return pb.start();
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
