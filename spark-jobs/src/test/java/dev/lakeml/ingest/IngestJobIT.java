package dev.lakeml.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import dev.lakeml.testing.TestProject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch ingestion against real Delta tables in a temporary lakehouse. */
class IngestJobIT {
  static final LocalDate D1 = LocalDate.parse("2011-01-10");
  static final LocalDate D2 = LocalDate.parse("2011-01-11");

  @TempDir Path dir;
  final List<String> log = new ArrayList<>();

  private IngestJob.Result ingest(TestProject p, LocalDate from, LocalDate to) {
    Project project = p.load();
    Lakehouse lakehouse = p.lakehouse(project);
    return new IngestJob(project, lakehouse, Clock.systemUTC(), log::add)
        .run(project.source("orders").orElseThrow(), from, to);
  }

  private static Dataset<Row> table(TestProject p, TableContract t) {
    Project project = p.load();
    return p.lakehouse(project).read(t);
  }

  private static SourceSpec orders(TestProject p) {
    return p.load().source("orders").orElseThrow();
  }

  /** The rows of a table without the columns that differ between runs, sorted, as text. */
  private static List<String> stableRows(TestProject p, TableContract t) {
    Dataset<Row> df = table(p, t);
    for (String c : IngestTables.RUN_METADATA) {
      df = df.drop(c);
    }
    return df.orderBy(IngestTables.SOURCE_FILE, IngestTables.ROW_NUMBER).collectAsList().stream()
        .map(Row::toString)
        .toList();
  }

  @Test
  void ingestsADateIntoBronzeSilverAndQuarantineAndTheCountsReconcile() {
    TestProject p = TestProject.create(dir, "none");
    p.csv(
        "2011-01-10",
        List.of(
            "O1,1,17850.0,10.00,2011-01-10 09:00:00,NEW",
            "O1,2,17850.0,200.00,2011-01-10 09:00:00,PAID",
            "O1,2,17850.0,200.00,2011-01-10 09:00:00,PAID",
            "O2,1,,5.00,2011-01-10 10:00:00,PAID",
            "O3,x,1,5.00,2011-01-10 10:00:00,NEW",
            "O4,1,1,5.00,2011-01-10 10:00:00,NEW,surplus",
            "O5,1,1"));
    IngestRun run = ingest(p, D1, D1).run();

    assertThat(run.counts().read()).isEqualTo(7);
    assertThat(run.counts().accepted()).isEqualTo(2);
    assertThat(run.counts().duplicate()).isEqualTo(1);
    assertThat(run.counts().quarantined()).isEqualTo(4);
    assertThat(run.counts().ruleFailures())
        .containsEntry("customer_for_paid", 1L)
        .containsEntry("parse:line", 1L)
        .containsEntry("malformed_record", 2L);

    SourceSpec s = orders(p);
    assertThat(table(p, IngestTables.bronze(s)).count()).isEqualTo(7);
    List<Row> silver = table(p, IngestTables.silver(s)).orderBy("order_id", "line").collectAsList();
    assertThat(silver)
        .extracting(r -> r.getAs("order_id") + "/" + r.getAs("line") + "/" + r.getAs("is_big"))
        .containsExactly("O1/1/false", "O1/2/true");
    List<Row> quarantine =
        table(p, IngestTables.quarantine(s)).orderBy(IngestTables.ROW_NUMBER).collectAsList();
    assertThat(quarantine)
        .extracting(r -> r.<Long>getAs(IngestTables.ROW_NUMBER))
        .containsExactly(4L, 5L, 6L, 7L);
    assertThat(quarantine.get(1).<String>getAs(IngestTables.REASON))
        .contains("line: 'x' is not a valid int (column Line)");
    assertThat(quarantine.get(2).<String>getAs(IngestTables.MALFORMED_RECORD)).contains("surplus");
    assertThat(quarantine.get(3).getList(quarantine.get(3).fieldIndex(IngestTables.FAILED_RULES)))
        .contains("malformed_record", "required:amount");

    Row logged = table(p, IngestTables.INGEST_RUNS).first();
    assertThat(logged.<String>getAs("status")).isEqualTo("SUCCEEDED");
    assertThat(logged.<Long>getAs("rows_read")).isEqualTo(7);
    assertThat(logged.<Long>getAs("rows_duplicate")).isEqualTo(1);
  }

  @Test
  void rerunningADateReplacesItsOutputAndLogsBothRuns() {
    TestProject p = TestProject.create(dir, "none");
    p.csv(
        "2011-01-10",
        List.of(
            "O1,1,1,10.00,2011-01-10 09:00:00,NEW",
            "O1,1,1,10.00,2011-01-10 09:00:00,NEW",
            "O9,1,1,-1,2011-01-10 09:00:00,NEW"));
    p.csv("2011-01-11", List.of("O2,1,1,10.00,2011-01-11 09:00:00,NEW"));
    ingest(p, D1, D2);
    SourceSpec s = orders(p);
    List<String> bronze = stableRows(p, IngestTables.bronze(s));
    List<String> silver = stableRows(p, IngestTables.silver(s));
    List<String> quarantine = stableRows(p, IngestTables.quarantine(s));

    IngestRun again = ingest(p, D1, D1).run();

    assertThat(again.counts().read()).isEqualTo(3);
    assertThat(stableRows(p, IngestTables.bronze(s))).isEqualTo(bronze).hasSize(4);
    assertThat(stableRows(p, IngestTables.silver(s))).isEqualTo(silver).hasSize(2);
    assertThat(stableRows(p, IngestTables.quarantine(s))).isEqualTo(quarantine).hasSize(1);
    assertThat(table(p, IngestTables.INGEST_RUNS).count()).isEqualTo(2);
    assertThat(table(p, IngestTables.silver(s)).select(IngestTables.RUN_ID).distinct().count())
        .as("the rerun replaced the first date's rows, the second date keeps the first run's")
        .isEqualTo(2);
  }

  @Test
  void aKeyAlreadyKeptOnAnotherDateIsADuplicate() {
    TestProject p = TestProject.create(dir, "none");
    p.csv("2011-01-10", List.of("O1,1,1,10.00,2011-01-10 09:00:00,NEW"));
    ingest(p, D1, D1);
    p.csv(
        "2011-01-11",
        List.of("O1,1,1,10.00,2011-01-10 09:00:00,NEW", "O2,1,1,10.00,2011-01-11 09:00:00,NEW"));

    IngestRun run = ingest(p, D2, D2).run();

    assertThat(run.counts().duplicate()).isEqualTo(1);
    assertThat(run.counts().accepted()).isEqualTo(1);
    assertThat(table(p, IngestTables.silver(orders(p))).count()).isEqualTo(2);
  }

  @Test
  void refusesAFileWithAnotherHeaderBeforeWritingAnything() {
    TestProject p = TestProject.create(dir, "none");
    Path file =
        p.csv(
            "2011-01-10",
            "OrderId,LineNo,Customer,Amount,OrderedAt",
            List.of("O1,1,1,10.00,2011-01-10 09:00:00"));
    assertThatThrownBy(() -> ingest(p, D1, D1))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining(file.getFileName().toString())
        .hasMessageContaining("column 2: expected 'Line', found 'LineNo'")
        .hasMessageContaining("column 6: missing 'Status'")
        .hasMessageContaining("Nothing was written");
    assertThat(Files.exists(dir.resolve("lake/bronze/orders"))).isFalse();
  }

  @Test
  void refusesAMissingFileNamingTheExpectedPath() {
    TestProject p = TestProject.create(dir, "none");
    assertThatThrownBy(() -> ingest(p, D1, D1))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining(
            "No file for 2011-01-10 (source orders): expected " + p.rawFile("2011-01-10"));
  }

  @Test
  void refusesABinaryFileAsNotCsv() {
    TestProject p = TestProject.create(dir, "none");
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) (i * 7);
    }
    TestProject.write(p.rawFile("2011-01-10"), binary);
    assertThatThrownBy(() -> ingest(p, D1, D1))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("2011-01-10.csv (source orders) is not a text CSV file");
  }

  @Test
  void aTruncatedCompressedFileFailsTheRunWithoutPartialWrites() throws Exception {
    TestProject p = TestProject.withTruncatedGzip(dir, "2011-01-10");

    assertThatThrownBy(() -> ingest(p, D1, D1))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("Reading the raw data of orders failed")
        .hasMessageContaining("Nothing was written");
    SourceSpec s = orders(p);
    assertThat(table(p, IngestTables.bronze(s)).collectAsList()).isEmpty();
    assertThat(table(p, IngestTables.silver(s)).collectAsList()).isEmpty();
    Row logged = table(p, IngestTables.INGEST_RUNS).first();
    assertThat(logged.<String>getAs("status")).isEqualTo("FAILED");
    assertThat(logged.<String>getAs("message")).contains("Reading the raw data of orders failed");
  }

  @Test
  void addsANewSourceColumnOnlyWhenAdditiveEvolutionIsAllowed() {
    TestProject p = TestProject.create(dir, "none");
    p.csv("2011-01-10", List.of("O1,1,1,10.00,2011-01-10 09:00:00,NEW"));
    ingest(p, D1, D1);

    String withChannel =
        TestProject.SOURCE_YAML
            .formatted("")
            .replace(
                "      - {name: status, source: Status, type: string}",
                "      - {name: status, source: Status, type: string}\n      - {name: channel, source: Channel, type: string}");
    p.writeProject("none", withChannel);
    p.csv(
        "2011-01-11",
        TestProject.HEADER + ",Channel",
        List.of("O2,1,1,10.00,2011-01-11 09:00:00,NEW,web"));
    assertThatThrownBy(() -> ingest(p, D2, D2))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("Table bronze.orders would change: new columns [channel]")
        .hasMessageContaining("schema_evolution is 'none'. Nothing was written.");
    assertThat(table(p, IngestTables.silver(orders(p))).columns()).doesNotContain("channel");

    p.writeProject("additive", withChannel);
    IngestRun run = ingest(p, D2, D2).run();
    assertThat(run.counts().accepted()).isEqualTo(1);
    List<Row> silver = table(p, IngestTables.silver(orders(p))).orderBy("order_id").collectAsList();
    assertThat(silver).extracting(r -> r.<String>getAs("channel")).containsExactly(null, "web");
  }

  @Test
  void refusesAnIncompatibleTypeChange() {
    TestProject p = TestProject.create(dir, "additive");
    p.csv("2011-01-10", List.of("O1,1,1,10.00,2011-01-10 09:00:00,NEW"));
    ingest(p, D1, D1);
    p.writeProject(
        "additive",
        TestProject.SOURCE_YAML.formatted("").replace("type: \"decimal(10,2)\"", "type: double"));
    assertThatThrownBy(() -> ingest(p, D1, D1))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("Table silver.orders")
        .hasMessageContaining(
            "column 'amount' is DECIMAL(10,2) in the table but DOUBLE in the contract")
        .hasMessageContaining("Nothing was written");
  }

  @Test
  void ingestsJsonLinesWithTheSameRules() {
    String yaml =
        TestProject.SOURCE_YAML
            .formatted("")
            .replace("format: csv", "format: json")
            .replace("raw/{date}.csv", "raw/{date}.jsonl")
            .replace("options: {header: \"true\"}", "options: {}");
    TestProject p = TestProject.create(dir, "none", yaml);
    TestProject.write(
        dir.resolve("raw/2011-01-10.jsonl"),
        String.join(
                "\n",
                "{\"OrderId\":\"O1\",\"Line\":1,\"Customer\":17850.0,\"Amount\":12.5,\"OrderedAt\":\"2011-07-10 09:30:00\",\"Status\":\"PAID\"}",
                "{\"OrderId\":\"O2\",\"Line\":\"one\",\"Amount\":1,\"OrderedAt\":\"2011-07-10 09:30:00\"}",
                "{not json")
            .getBytes(StandardCharsets.UTF_8));

    IngestRun run = ingest(p, D1, D1).run();

    assertThat(run.counts().read()).isEqualTo(3);
    assertThat(run.counts().accepted()).isEqualTo(1);
    assertThat(run.counts().ruleFailures())
        .containsEntry("parse:line", 1L)
        .containsEntry("malformed_record", 1L);
    Row silver = table(p, IngestTables.silver(orders(p))).first();
    assertThat(silver.<Long>getAs("customer")).isEqualTo(17850L);
    assertThat(silver.<java.sql.Timestamp>getAs("ordered_at").toInstant())
        .hasToString("2011-07-10T08:30:00Z");
  }

  @Test
  void ingestsParquetFilesWithTheSameRules() throws Exception {
    String yaml =
        TestProject.SOURCE_YAML
            .formatted("")
            .replace("format: csv", "format: parquet")
            .replace("raw/{date}.csv", "raw/{date}.parquet")
            .replace("options: {header: \"true\"}", "options: {}");
    TestProject p = TestProject.create(dir, "none", yaml);
    // Parquet keeps its own types: an int column, a double, a real timestamp string.
    dev.lakeml.testing.SharedSpark.session()
        .sql(
            "SELECT * FROM VALUES "
                + "('O1', 1, 17850L, 12.5D, '2011-07-10 09:30:00', 'PAID'), "
                + "('O2', 2, NULL, -3.0D, '2011-07-10 09:30:00', 'NEW') "
                + "AS t(OrderId, Line, Customer, Amount, OrderedAt, Status)")
        .coalesce(1)
        .write()
        .parquet(dir.resolve("spark-out").toString());
    Path part;
    try (var files = Files.list(dir.resolve("spark-out"))) {
      part =
          files
              .filter(f -> f.getFileName().toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow();
    }
    Files.createDirectories(dir.resolve("raw"));
    Files.move(part, dir.resolve("raw/2011-01-10.parquet"));

    IngestRun run = ingest(p, D1, D1).run();

    assertThat(run.counts().read()).isEqualTo(2);
    assertThat(run.counts().accepted()).isEqualTo(1);
    assertThat(run.counts().ruleFailures()).containsEntry("amount_positive", 1L);
    Row silver = table(p, IngestTables.silver(orders(p))).first();
    assertThat(silver.<String>getAs("order_id")).isEqualTo("O1");
    assertThat(silver.<java.math.BigDecimal>getAs("amount")).isEqualByComparingTo("12.50");
    assertThat(silver.<java.sql.Timestamp>getAs("ordered_at").toInstant())
        .hasToString("2011-07-10T08:30:00Z");
  }
}
