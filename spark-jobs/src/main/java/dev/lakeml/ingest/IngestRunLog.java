package dev.lakeml.ingest;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableColumn;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Reads and appends {@code ops.ingest_runs}, the run log. */
public final class IngestRunLog {
  private final Lakehouse lakehouse;

  public IngestRunLog(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  static StructType schema() {
    List<StructField> fields =
        IngestTables.INGEST_RUNS.columns().stream()
            .map(
                (TableColumn c) ->
                    DataTypes.createStructField(c.name(), DataType.fromDDL(c.type()), c.nullable()))
            .toList();
    return new StructType(fields.toArray(StructField[]::new));
  }

  /**
   * Appends a run. With a transaction (streams: stream and query id, batch id), a replayed
   * micro-batch does not append its row twice.
   */
  public void append(IngestRun run, Optional<Transaction> transaction) {
    Row row =
        RowFactory.create(
            run.runId(),
            run.source(),
            run.mode(),
            run.dateFrom().map(Date::valueOf).orElse(null),
            run.dateTo().map(Date::valueOf).orElse(null),
            run.batchId().orElse(null),
            Timestamp.from(run.startedAt()),
            Timestamp.from(run.finishedAt()),
            run.status(),
            run.files(),
            run.counts().read(),
            run.counts().accepted(),
            run.counts().quarantined(),
            run.counts().duplicate(),
            run.counts().ruleFailures(),
            run.message().orElse(null));
    DataFrameWriter<Row> writer =
        lakehouse
            .spark()
            .createDataFrame(List.of(row), schema())
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
