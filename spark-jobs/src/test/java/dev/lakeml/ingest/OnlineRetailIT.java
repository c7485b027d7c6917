package dev.lakeml.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.testing.SharedSpark;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled Online Retail project on a few real days: counts, quarantine, time zones, SQL. */
class OnlineRetailIT {
  static final Path EXAMPLE =
      Path.of(System.getProperty("lakeml.repo.root", "..")).resolve("examples/online-retail");

  @TempDir Path lake;

  private static long dataLines(Path gz) throws Exception {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
      return r.lines().count() - 1;
    }
  }

  @Test
  void ingestsRealDaysAndTheCountsReconcile() throws Exception {
    SparkSession spark = SharedSpark.session();
    Project project = ProjectLoader.load(EXAMPLE);
    SourceSpec source = project.source("invoice_lines").orElseThrow();
    Lakehouse lakehouse =
        new Lakehouse(spark, lake.toString(), project.lakehouse().schemaEvolution());
    IngestJob job = new IngestJob(project, lakehouse, Clock.systemUTC(), m -> {});

    IngestJob.Result december =
        job.run(source, LocalDate.parse("2010-12-01"), LocalDate.parse("2010-12-04"));
    long expected = 0;
    for (String d : List.of("2010-12-01", "2010-12-02", "2010-12-03")) {
      expected += dataLines(EXAMPLE.resolve("data/by-day/" + d + ".csv.gz"));
    }
    IngestRun run = december.run();
    assertThat(december.missingDates())
        .containsExactly(LocalDate.parse("2010-12-04")); // a Saturday: no trading
    assertThat(run.counts().read()).isEqualTo(expected);
    assertThat(run.counts().reconciles()).isTrue();
    assertThat(run.counts().duplicate()).isPositive();
    assertThat(run.counts().quarantined()).isPositive();
    assertThat(Validation.ruleNames(source)).containsAll(run.counts().ruleFailures().keySet());

    IngestRun august =
        job.run(source, LocalDate.parse("2011-08-12"), LocalDate.parse("2011-08-12")).run();
    assertThat(august.counts().ruleFailures())
        .containsEntry("invoice_no_format", 3L)
        .containsEntry("unit_price_in_range", 2L);

    lakehouse.registerExisting(IngestTables.all(project));
    List<Row> badDebt =
        spark
            .sql(
                "SELECT invoice_no, _reason FROM quarantine.invoice_lines WHERE invoice_no LIKE 'A%' ORDER BY invoice_no")
            .collectAsList();
    assertThat(badDebt)
        .extracting(r -> r.getString(0))
        .containsExactly("A563185", "A563186", "A563187");
    assertThat(badDebt.get(1).getString(1))
        .contains("invoice_no_format: invoice numbers are six digits")
        .contains(
            "unit_price_in_range: unit price must be between 0 and 50000 GBP (unit_price=-11062.060)");

    // 2010-12-01 08:26 in London (GMT) is 08:26 UTC; 2011-08-12 15:41 (BST) is 14:41 UTC.
    Row first =
        spark
            .sql(
                "SELECT invoice_ts, customer_id, is_cancellation FROM silver.invoice_lines WHERE invoice_no = '536365' LIMIT 1")
            .first();
    assertThat(first.<Timestamp>getAs(0).toInstant()).hasToString("2010-12-01T08:26:00Z");
    assertThat(first.<Long>getAs(1)).isEqualTo(17850L);
    assertThat(first.<Boolean>getAs(2)).isFalse();
    String rawTime =
        spark
            .sql("SELECT invoice_ts FROM bronze.invoice_lines WHERE invoice_no = '563190' LIMIT 1")
            .first()
            .getString(0);
    Row summer =
        spark
            .sql("SELECT invoice_ts FROM silver.invoice_lines WHERE invoice_no = '563190' LIMIT 1")
            .first();
    assertThat(rawTime).isEqualTo("2011-08-12 15:41:00");
    assertThat(summer.<Timestamp>getAs(0).toInstant()).hasToString("2011-08-12T14:41:00Z");

    long silverRows = spark.sql("SELECT count(*) FROM silver.invoice_lines").first().getLong(0);
    assertThat(silverRows).isEqualTo(run.counts().accepted() + august.counts().accepted());
  }
}
