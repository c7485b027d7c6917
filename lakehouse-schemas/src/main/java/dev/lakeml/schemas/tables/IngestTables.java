package dev.lakeml.schemas.tables;

import dev.lakeml.schemas.project.ColumnSpec;
import dev.lakeml.schemas.project.DerivedColumn;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The contracts of the ingestion tables: bronze, silver and quarantine per source, and the run log.
 */
public final class IngestTables {
  // Metadata columns, shared by bronze, silver and quarantine.
  public static final String SOURCE_FILE = "_source_file";
  public static final String ROW_NUMBER = "_row_number";
  public static final String INGESTED_AT = "_ingested_at";
  public static final String RUN_ID = "_run_id";
  public static final String LOGICAL_DATE = "_logical_date";
  public static final String LOGICAL_MONTH = "_logical_month";
  public static final String MALFORMED_RECORD = "_malformed_record";
  public static final String FAILED_RULES = "_failed_rules";
  public static final String REASON = "_reason";

  /** Columns that differ between two runs over the same input. */
  public static final List<String> RUN_METADATA = List.of(INGESTED_AT, RUN_ID);

  private static final Map<String, String> DELTA_PROPERTIES =
      Map.of(
          "delta.appendOnly", "false",
          "delta.checkpointInterval", "20");

  private IngestTables() {}

  private static List<TableColumn> metadata() {
    return List.of(
        TableColumn.required(
            SOURCE_FILE, "STRING", "file (or kafka topic/partition) the row came from"),
        TableColumn.required(
            ROW_NUMBER,
            "BIGINT",
            "record number within the file, from 1, header excluded (kafka: offset)"),
        TableColumn.required(
            INGESTED_AT, "TIMESTAMP", "when the run that wrote the row started (UTC)"),
        TableColumn.required(RUN_ID, "STRING", "the ingestion run (see ops.ingest_runs)"),
        TableColumn.required(
            LOGICAL_DATE, "DATE", "logical date of the run (streams: processing date)"),
        TableColumn.required(
            LOGICAL_MONTH,
            "DATE",
            "first day of the logical date's month: the partition column (ADR 0006)"));
  }

  private static List<TableColumn> rawColumns(SourceSpec source) {
    List<TableColumn> out = new ArrayList<>();
    for (ColumnSpec c : source.columns()) {
      out.add(TableColumn.optional(c.name(), "STRING", "raw text of " + c.sourceName()));
    }
    out.add(
        TableColumn.optional(
            MALFORMED_RECORD,
            "STRING",
            "the raw record when it could not be split into the expected fields"));
    return out;
  }

  public static TableContract bronze(SourceSpec source) {
    List<TableColumn> columns = new ArrayList<>(rawColumns(source));
    columns.addAll(metadata());
    return new TableContract(
        Layer.BRONZE,
        source.name(),
        columns,
        List.of(LOGICAL_MONTH),
        List.of(),
        DELTA_PROPERTIES,
        "Raw "
            + source.name()
            + " records as text, one row per record read, with ingest metadata.");
  }

  public static TableContract silver(SourceSpec source) {
    List<TableColumn> columns = new ArrayList<>();
    for (ColumnSpec c : source.columns()) {
      boolean keyColumn = source.key().contains(c.name());
      columns.add(
          new TableColumn(c.name(), c.type().ddl(), c.nullable() && !keyColumn, c.description()));
    }
    for (DerivedColumn d : source.derived()) {
      columns.add(
          TableColumn.optional(
              d.name(),
              d.type().ddl(),
              d.description().isEmpty() ? d.expression() : d.description()));
    }
    columns.addAll(metadata());
    return new TableContract(
        Layer.SILVER,
        source.name(),
        columns,
        List.of(LOGICAL_MONTH),
        source.key(),
        DELTA_PROPERTIES,
        "Typed, validated and deduplicated " + source.name() + " (timestamps in UTC).");
  }

  public static TableContract quarantine(SourceSpec source) {
    List<TableColumn> columns = new ArrayList<>(rawColumns(source));
    columns.add(
        TableColumn.required(FAILED_RULES, "ARRAY<STRING>", "names of the rules the row failed"));
    columns.add(TableColumn.required(REASON, "STRING", "why the row was rejected, for people"));
    columns.addAll(metadata());
    return new TableContract(
        Layer.QUARANTINE,
        source.name(),
        columns,
        List.of(LOGICAL_MONTH),
        List.of(),
        DELTA_PROPERTIES,
        "Rejected " + source.name() + " records with their raw values and the rules they failed.");
  }

  /** One row per ingestion run (batch) or micro-batch (stream). */
  public static final TableContract INGEST_RUNS =
      new TableContract(
          Layer.OPS,
          "ingest_runs",
          List.of(
              TableColumn.required("run_id", "STRING", "unique id of the run"),
              TableColumn.required("source", "STRING", "source name"),
              TableColumn.required("mode", "STRING", "batch, stream-directory or stream-kafka"),
              TableColumn.optional("date_from", "DATE", "first logical date ingested"),
              TableColumn.optional("date_to", "DATE", "last logical date ingested"),
              TableColumn.optional("batch_id", "BIGINT", "micro-batch id (streams)"),
              TableColumn.required("started_at", "TIMESTAMP", "UTC"),
              TableColumn.required("finished_at", "TIMESTAMP", "UTC"),
              TableColumn.required("status", "STRING", "SUCCEEDED or FAILED"),
              TableColumn.optional("files", "ARRAY<STRING>", "files read"),
              TableColumn.required("rows_read", "BIGINT", "records read (bronze rows)"),
              TableColumn.required("rows_accepted", "BIGINT", "rows written to silver"),
              TableColumn.required("rows_quarantined", "BIGINT", "rows written to quarantine"),
              TableColumn.required(
                  "rows_duplicate", "BIGINT", "valid rows dropped as duplicates of a kept row"),
              TableColumn.optional(
                  "rule_failures",
                  "MAP<STRING,BIGINT>",
                  "rows failing each rule (a row may fail several)"),
              TableColumn.optional("message", "STRING", "error message of a failed run")),
          List.of(),
          List.of("run_id"),
          DELTA_PROPERTIES,
          "The ingestion run log: counts per run, which always reconcile: read = accepted + quarantined + duplicate.");

  /** Every table the ingestion layer owns for a project, in creation order. */
  public static List<TableContract> all(Project project) {
    List<TableContract> out = new ArrayList<>();
    for (SourceSpec s : project.sources()) {
      out.add(bronze(s));
      out.add(silver(s));
      out.add(quarantine(s));
    }
    out.add(INGEST_RUNS);
    return out;
  }
}
