package dev.lakeml.ingest;

import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_DATE;
import static dev.lakeml.schemas.tables.IngestTables.MALFORMED_RECORD;
import static dev.lakeml.schemas.tables.IngestTables.ROW_NUMBER;
import static dev.lakeml.schemas.tables.IngestTables.RUN_ID;
import static dev.lakeml.schemas.tables.IngestTables.SOURCE_FILE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.ColumnSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceFormat;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.project.StreamSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.storage.StorageLevel;

/**
 * Streaming ingestion into the same bronze, silver and quarantine tables with the same validation
 * as the batch job. Each micro-batch is written exactly once: the checkpoint tracks the input, the
 * bronze, quarantine and run-log appends carry Delta's idempotent-write transaction (the stream id
 * with the query id kept in the checkpoint, and the batch id), and silver is a MERGE that inserts
 * only keys it does not hold. A replayed batch after a crash therefore changes nothing it already
 * wrote.
 */
public final class StreamIngestJob {
  /** Where a stream reads from. */
  public enum Kind {
    DIRECTORY,
    KAFKA;

    String label() {
      return this == DIRECTORY ? "stream-directory" : "stream-kafka";
    }
  }

  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public StreamIngestJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  /** The stable id of a source's stream: names its checkpoint and its Delta transactions. */
  public static String streamId(SourceSpec source, Kind kind) {
    return "lakeml-ingest-" + source.name() + "-" + kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  public String checkpoint(SourceSpec source, Kind kind) {
    return lakehouse.checkpoint(streamId(source, kind));
  }

  public String landing(SourceSpec source) {
    return project.resolve(stream(source).landing());
  }

  private static StreamSpec stream(SourceSpec source) {
    return source.stream()
        .orElseThrow(
            () -> new LakehouseException("Source " + source.name() + " declares no stream."));
  }

  /** Starts the stream; the caller waits on, or stops, the returned query. */
  public StreamingQuery start(SourceSpec source, Kind kind, Trigger trigger) {
    Validation.checkExpressions(lakehouse.spark(), source);
    TableContract bronze = IngestTables.bronze(source);
    TableContract silver = IngestTables.silver(source);
    TableContract quarantine = IngestTables.quarantine(source);
    lakehouse.ensure(List.of(bronze, silver, quarantine, IngestTables.INGEST_RUNS));
    Dataset<Row> input = kind == Kind.DIRECTORY ? directory(source) : kafka(source);
    String id = streamId(source, kind);
    MicroBatch batch = new MicroBatch(source, kind, id);
    try {
      return input
          .writeStream()
          .queryName(id)
          .option("checkpointLocation", checkpoint(source, kind))
          .trigger(trigger)
          .foreachBatch(batch)
          .start();
    } catch (TimeoutException e) {
      throw new LakehouseException(
          "The stream " + id + " did not start in time: " + e.getMessage(), e);
    }
  }

  private Dataset<Row> directory(SourceSpec source) {
    if (source.format() == SourceFormat.PARQUET) {
      throw new LakehouseException(
          "Source "
              + source.name()
              + ": the directory stream reads csv or json files, not parquet.");
    }
    String landing = landing(source);
    try {
      Path p = new Path(landing);
      p.getFileSystem(lakehouse.spark().sparkContext().hadoopConfiguration()).mkdirs(p);
    } catch (java.io.IOException e) {
      throw new LakehouseException(
          "Cannot create the landing folder " + landing + ": " + e.getMessage(), e);
    }
    log.accept("stream " + source.name() + ": watching " + landing);
    Dataset<Row> df =
        lakehouse
            .spark()
            .readStream()
            .format(source.format().sparkName())
            .schema(RawReader.textSchema(source, true))
            .options(source.readerOptions())
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", MALFORMED_RECORD)
            .option("maxFilesPerTrigger", stream(source).maxFilesPerTrigger())
            .load(landing)
            .withColumn(SOURCE_FILE, col("_metadata.file_path"));
    for (ColumnSpec c : source.columns()) {
      if (!c.sourceName().equals(c.name())) {
        df = df.withColumnRenamed(c.sourceName(), c.name());
      }
    }
    return df;
  }

  private Dataset<Row> kafka(SourceSpec source) {
    StreamSpec.KafkaSpec spec =
        stream(source)
            .kafka()
            .orElseThrow(
                () ->
                    new LakehouseException(
                        "Source "
                            + source.name()
                            + " has no stream.kafka section (bootstrap_servers, topic)."));
    log.accept(
        "stream "
            + source.name()
            + ": reading Kafka topic "
            + spec.topic()
            + " at "
            + spec.bootstrapServers());
    var reader =
        lakehouse
            .spark()
            .readStream()
            .format("kafka")
            .option("kafka.bootstrap.servers", spec.bootstrapServers())
            .option("subscribe", spec.topic())
            .option("startingOffsets", spec.startingOffsets())
            .option("maxOffsetsPerTrigger", spec.maxOffsetsPerTrigger())
            .option("failOnDataLoss", "true");
    for (Map.Entry<String, String> e : spec.options().entrySet()) {
      reader = reader.option("kafka." + e.getKey(), e.getValue());
    }
    Column value = col("value").cast("string");
    Column parsed =
        from_json(
            value,
            RawReader.textSchema(source, true),
            Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", MALFORMED_RECORD));
    List<Column> cols = new ArrayList<>();
    for (ColumnSpec c : source.columns()) {
      cols.add(col("r.`" + c.sourceName() + "`").as(c.name()));
    }
    // A message that is not a JSON object keeps its text as the malformed record.
    cols.add(
        when(col("r").isNull(), col("_value"))
            .otherwise(col("r." + MALFORMED_RECORD))
            .as(MALFORMED_RECORD));
    cols.add(col(SOURCE_FILE));
    cols.add(col(ROW_NUMBER));
    return reader
        .load()
        .select(
            parsed.as("r"),
            value.as("_value"),
            concat(lit("kafka:"), col("topic"), lit("/"), col("partition").cast("string"))
                .as(SOURCE_FILE),
            col("offset").as(ROW_NUMBER))
        .select(cols.toArray(Column[]::new));
  }

  /** Writes one micro-batch; runs on the driver for every batch, including replays. */
  private final class MicroBatch implements VoidFunction2<Dataset<Row>, Long> {
    private static final long serialVersionUID = 1L;
    private final SourceSpec source;
    private final Kind kind;
    private final String id;

    MicroBatch(SourceSpec source, Kind kind, String id) {
      this.source = source;
      this.kind = kind;
      this.id = id;
    }

    @Override
    public void call(Dataset<Row> batch, Long batchId) throws Exception {
      Instant started = clock.instant();
      try {
        process(batch, batchId, started);
      } catch (Exception e) {
        // The stream stops; the run log says which batch failed and why. Not idempotent on
        // purpose: every failed attempt is recorded.
        IngestRun failed =
            runRecord(
                batchId,
                started,
                IngestRun.FAILED,
                List.of(),
                IngestCounts.NONE,
                Optional.of(String.valueOf(e.getMessage())));
        try {
          new IngestRunLog(lakehouse).append(failed, Optional.empty());
        } catch (Exception logFailure) {
          e.addSuppressed(logFailure);
        }
        throw e;
      }
    }

    private void process(Dataset<Row> batch, long batchId, Instant started) {
      LocalDate date = LocalDate.ofInstant(started, ZoneOffset.UTC);
      String runId = id + "-" + batchId;
      Dataset<Row> records;
      List<String> files;
      if (kind == Kind.DIRECTORY) {
        files =
            batch.select(SOURCE_FILE).distinct().collectAsList().stream()
                .map(r -> r.getString(0))
                .sorted()
                .toList();
        RawFiles raw = new RawFiles(lakehouse.spark().sparkContext().hadoopConfiguration());
        for (String f : files) {
          raw.checkCsvHeader(source, f);
        }
        records =
            IngestTransforms.numberRecords(
                batch.withColumn(IngestTransforms.SCAN_ORDER, monotonically_increasing_id()));
      } else {
        files = List.of();
        records = batch;
      }
      records = records.withColumn(LOGICAL_DATE, lit(java.sql.Date.valueOf(date)));
      TableContract silver = IngestTables.silver(source);
      Dataset<Row> classified =
          IngestTransforms.withRunMetadata(
              Validation.classify(records, source), runId, Timestamp.from(started));
      Dataset<Row> existing = lakehouse.read(silver).where(col(RUN_ID).notEqual(runId));
      Dataset<Row> outcome =
          IngestTransforms.decideOutcome(classified, source, existing)
              .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        List<String> rules = Validation.ruleNames(source);
        IngestCounts counts = IngestTransforms.counts(outcome, rules);
        if (!counts.reconciles()) {
          throw IngestErrors.countsDoNotReconcile(source, counts.toString());
        }
        if (kind == Kind.KAFKA) {
          files =
              outcome.select(SOURCE_FILE).distinct().collectAsList().stream()
                  .map(r -> r.getString(0))
                  .sorted()
                  .toList();
        }
        // The query id lives in the checkpoint: a new checkpoint (reprocessing from scratch) gets
        // a new id, so Delta does not skip its batches as already written.
        String queryId = lakehouse.spark().sparkContext().getLocalProperty("sql.streaming.queryId");
        IngestRunLog.Transaction txn =
            new IngestRunLog.Transaction(
                id + "-" + (queryId == null ? "unknown" : queryId), batchId);
        append(IngestTransforms.bronzeRows(outcome, source), IngestTables.bronze(source), txn);
        append(
            IngestTransforms.quarantineRows(outcome, source), IngestTables.quarantine(source), txn);
        merge(IngestTransforms.silverRows(outcome, source), silver);
        new IngestRunLog(lakehouse)
            .append(
                runRecord(batchId, started, IngestRun.SUCCEEDED, files, counts, Optional.empty()),
                Optional.of(txn));
        log.accept("stream " + source.name() + " batch " + batchId + ": " + counts);
      } finally {
        outcome.unpersist();
      }
    }

    private IngestRun runRecord(
        long batchId,
        Instant started,
        String status,
        List<String> files,
        IngestCounts counts,
        Optional<String> message) {
      LocalDate date = LocalDate.ofInstant(started, ZoneOffset.UTC);
      return new IngestRun(
          id + "-" + batchId,
          source.name(),
          kind.label(),
          Optional.of(date),
          Optional.of(date),
          Optional.of(batchId),
          started,
          clock.instant(),
          status,
          files,
          counts,
          message);
    }

    private void append(Dataset<Row> rows, TableContract table, IngestRunLog.Transaction txn) {
      rows.write()
          .format("delta")
          .mode("append")
          .option("txnAppId", txn.appId())
          .option("txnVersion", txn.version())
          .save(lakehouse.location(table));
    }

    private void merge(Dataset<Row> rows, TableContract silver) {
      String on =
          source.key().stream()
              .map(k -> "t.`" + k + "` = s.`" + k + "`")
              .collect(Collectors.joining(" AND "));
      DeltaTable.forPath(lakehouse.spark(), lakehouse.location(silver))
          .as("t")
          .merge(rows.as("s"), on)
          .whenNotMatched()
          .insertAll()
          .execute();
    }
  }
}
