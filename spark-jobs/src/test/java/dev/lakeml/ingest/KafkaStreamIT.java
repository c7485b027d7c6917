package dev.lakeml.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.testing.KafkaBroker;
import dev.lakeml.testing.TestProject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka stream against a real KRaft broker on loopback, stopped midway and resumed. */
class KafkaStreamIT {
  @TempDir static Path brokerDir;
  static KafkaBroker broker;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.start(brokerDir);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static String message(int order, String amount) {
    return "{\"OrderId\":\"O"
        + order
        + "\",\"Line\":1,\"Customer\":17850.0,\"Amount\":"
        + amount
        + ",\"OrderedAt\":\"2011-07-10 09:30:00\",\"Status\":\"NEW\"}";
  }

  @Test
  void aKafkaStreamStoppedMidwayResumesExactlyOnce() throws Exception {
    broker.createTopic("orders", 2);
    String yaml =
        TestProject.SOURCE_YAML.formatted("")
            + "    stream:\n      kafka:\n        bootstrap_servers: "
            + broker.bootstrapServers()
            + "\n        topic: orders\n        max_offsets_per_trigger: 40\n";
    TestProject p = TestProject.create(dir, "none", yaml);
    Project project = p.load();
    SourceSpec source = project.source("orders").orElseThrow();
    Lakehouse lakehouse = p.lakehouse(project);

    List<String> first = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      first.add(message(i, "10.00"));
    }
    first.add(message(0, "10.00")); // the same key again: a duplicate
    first.add(message(500, "-1")); // fails amount_positive
    first.add("this is not json"); // malformed
    broker.produce("orders", first);

    StreamIngestJob job = new StreamIngestJob(project, lakehouse, Clock.systemUTC(), m -> {});
    StreamingQuery running =
        job.start(
            source, StreamIngestJob.Kind.KAFKA, Trigger.ProcessingTime(200, TimeUnit.MILLISECONDS));
    long deadline = System.currentTimeMillis() + 120_000;
    while (lakehouse.read(IngestTables.INGEST_RUNS).where("rows_read > 0").count() < 2
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    running.stop();
    long afterStop = lakehouse.read(IngestTables.bronze(source)).count();
    assertThat(afterStop).as("stopped midway").isBetween(1L, 202L);

    List<String> more = new ArrayList<>();
    for (int i = 200; i < 300; i++) {
      more.add(message(i, "20.00"));
    }
    broker.produce("orders", more);
    job.start(source, StreamIngestJob.Kind.KAFKA, Trigger.AvailableNow()).awaitTermination(120_000);

    long total = first.size() + more.size();
    assertThat(lakehouse.read(IngestTables.bronze(source)).collectAsList()).hasSize((int) total);
    assertThat(
            lakehouse
                .read(IngestTables.bronze(source))
                .select(IngestTables.SOURCE_FILE, IngestTables.ROW_NUMBER)
                .distinct()
                .count())
        .isEqualTo(total);
    List<Row> silver = lakehouse.read(IngestTables.silver(source)).collectAsList();
    assertThat(silver).hasSize(300);
    assertThat(silver.get(0).<Long>getAs("customer")).isEqualTo(17850L);
    List<Row> quarantine =
        lakehouse
            .read(IngestTables.quarantine(source))
            .orderBy(IngestTables.REASON)
            .collectAsList();
    assertThat(quarantine).hasSize(2);
    assertThat(quarantine)
        .extracting(r -> r.<String>getAs(IngestTables.REASON))
        .anySatisfy(reason -> assertThat(reason).contains("could not be split"))
        .anySatisfy(reason -> assertThat(reason).contains("amount_positive"));
    assertThat(quarantine)
        .extracting(r -> r.<String>getAs(IngestTables.SOURCE_FILE))
        .allMatch(f -> f.startsWith("kafka:orders/"));
    List<Row> runs = lakehouse.read(IngestTables.INGEST_RUNS).collectAsList();
    assertThat(runs.stream().mapToLong(r -> r.<Long>getAs("rows_duplicate")).sum()).isEqualTo(1);
    assertThat(runs.stream().mapToLong(r -> r.<Long>getAs("rows_read")).sum()).isEqualTo(total);
    assertThat(runs).allMatch(r -> "stream-kafka".equals(r.getAs("mode")));
  }
}
