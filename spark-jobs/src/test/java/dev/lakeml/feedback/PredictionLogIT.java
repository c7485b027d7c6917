package dev.lakeml.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.LakehouseSpec.SchemaEvolution;
import dev.lakeml.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving API's prediction log into Delta: each closed file exactly once. */
class PredictionLogIT {
  @TempDir Path lake;
  @TempDir Path logs;

  /** A line as the API's writer emits it (ScoreApi's log record, one JSON object per line). */
  static String line(String id, String variant, double score) {
    return "{\"time\":\"2011-09-01T10:00:0"
        + (id.length() % 10)
        + "Z\",\"request_id\":\""
        + id
        + "\",\"model\":\"line_cancellation\",\"version\":2,\"run_id\":\"abc\",\"variant\":\""
        + variant
        + "\",\"returned\":"
        + !variant.equals("shadow")
        + ",\"entities\":{\"customer_id\":12347,\"stock_code\":\"85123A\"},"
        + "\"features\":{\"spend_90d\":120.5,\"last_purchase_ts\":null},"
        + "\"reference_time\":\"2011-09-01T10:00:00Z\",\"score\":"
        + score
        + ",\"latency_ms\":0.42}";
  }

  static void write(Path file, int from, int to) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = from; i < to; i++) {
      lines.add(line("r" + i, i % 3 == 0 ? "shadow" : "champion", i / 100.0));
    }
    Files.write(file, lines);
  }

  @Test
  void closedFilesLoadOnceAndOpenOnesWait() throws Exception {
    SparkSession spark = SharedSpark.session();
    Lakehouse lakehouse = new Lakehouse(spark, lake.toString(), SchemaEvolution.ADDITIVE);
    PredictionLogJob job = new PredictionLogJob(lakehouse, m -> {});
    write(logs.resolve("predictions-20110901T100000-1.jsonl"), 0, 10);
    write(logs.resolve("predictions-20110901T100500-2.jsonl"), 10, 25);
    write(logs.resolve("predictions-20110901T101000-3.jsonl.tmp"), 25, 30); // still open

    PredictionLogJob.Result first = job.run(logs);
    assertThat(first.files()).isEqualTo(2);
    assertThat(first.rows()).isEqualTo(25);
    PredictionLogJob.Result again = job.run(logs);
    assertThat(again.files()).isZero();
    assertThat(again.skipped()).isEqualTo(2);

    // The writer closes the third file: only it is loaded next.
    Files.move(
        logs.resolve("predictions-20110901T101000-3.jsonl.tmp"),
        logs.resolve("predictions-20110901T101000-3.jsonl"));
    assertThat(job.run(logs).rows()).isEqualTo(5);
    List<Row> rows =
        spark.read().format("delta").load(lake + "/serving/prediction_log").collectAsList();
    assertThat(rows).hasSize(30);
    assertThat(rows.stream().map(r -> r.<String>getAs("request_id")).distinct()).hasSize(30);
    Row shadow =
        rows.stream()
            .filter(r -> r.<String>getAs("request_id").equals("r3"))
            .findFirst()
            .orElseThrow();
    assertThat(shadow.<String>getAs("variant")).isEqualTo("shadow");
    assertThat(shadow.<Boolean>getAs("returned")).isFalse();
    assertThat(shadow.<Double>getAs("score")).isEqualTo(0.03);
    Map<String, String> entities = shadow.getJavaMap(shadow.fieldIndex("entities"));
    assertThat(entities)
        .containsEntry("customer_id", "12347")
        .containsEntry("stock_code", "85123A");
    assertThat(shadow.getDate(shadow.fieldIndex("log_date")).toString()).isEqualTo("2011-09-01");
  }

  @Test
  void aDamagedFileStopsTheLoadNamingItAndLoadsNothing() throws Exception {
    SparkSession spark = SharedSpark.session();
    Lakehouse lakehouse = new Lakehouse(spark, lake.toString(), SchemaEvolution.ADDITIVE);
    write(logs.resolve("a.jsonl"), 0, 5);
    Files.writeString(
        logs.resolve("b.jsonl"), line("x", "champion", 0.5) + "\n{\"time\": 12, broken\n");
    assertThatThrownBy(() -> new PredictionLogJob(lakehouse, m -> {}).run(logs))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("b.jsonl")
        .hasMessageContaining("nothing was loaded");
    assertThat(spark.read().format("delta").load(lake + "/serving/prediction_log").count())
        .isZero();
    assertThatThrownBy(() -> new PredictionLogJob(lakehouse, m -> {}).run(logs.resolve("nope")))
        .hasMessageContaining("does not exist");
  }
}
