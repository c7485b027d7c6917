package dev.lakeml.ingest;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.tables.IngestTables;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Row;

/** Reads and appends {@code ops.ingest_runs}, the run log. */
public final class IngestRunLog {
  private final Lakehouse lakehouse;

  public IngestRunLog(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /**
   * Appends a run. With a transaction (streams: stream and query id, batch id), a replayed
   * micro-batch does not append its row twice.
   */
  public void append(IngestRun run, Optional<Transaction> transaction) {
    Row row =
        TableRow.of(IngestTables.INGEST_RUNS)
            .set("run_id", run.runId())
            .set("source", run.source())
            .set("mode", run.mode())
            .set("date_from", run.dateFrom().map(Date::valueOf).orElse(null))
            .set("date_to", run.dateTo().map(Date::valueOf).orElse(null))
            .set("batch_id", run.batchId().orElse(null))
            .set("started_at", Timestamp.from(run.startedAt()))
            .set("finished_at", Timestamp.from(run.finishedAt()))
            .set("status", run.status())
            .set("files", run.files())
            .set("rows_read", run.counts().read())
            .set("rows_accepted", run.counts().accepted())
            .set("rows_quarantined", run.counts().quarantined())
            .set("rows_duplicate", run.counts().duplicate())
            .set("rule_failures", run.counts().ruleFailures())
            .set("message", run.message().orElse(null))
            .build();
    DataFrameWriter<Row> writer =
        lakehouse
            .spark()
            .createDataFrame(List.of(row), Lakehouse.schemaOf(IngestTables.INGEST_RUNS))
            .write()
            .format("delta")
            .mode("append");
    if (transaction.isPresent()) {
      writer =
          writer
              .option("txnAppId", transaction.get().appId())
              .option("txnVersion", transaction.get().version());
    }
    writer.save(lakehouse.location(IngestTables.INGEST_RUNS));
  }

  /**
   * An idempotent-write transaction: Delta skips a second write with the same app id and version.
   */
  public record Transaction(String appId, long version) {}
}
