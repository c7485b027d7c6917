package dev.lakeml.ingest;

import static dev.lakeml.schemas.tables.IngestTables.FAILED_RULES;
import static dev.lakeml.schemas.tables.IngestTables.INGESTED_AT;
import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_DATE;
import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_MONTH;
import static dev.lakeml.schemas.tables.IngestTables.ROW_NUMBER;
import static dev.lakeml.schemas.tables.IngestTables.RUN_ID;
import static dev.lakeml.schemas.tables.IngestTables.SOURCE_FILE;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.schemas.project.ColumnSpec;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableColumn;
import dev.lakeml.schemas.tables.TableContract;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The pure steps of ingestion, {@code Dataset -> Dataset}: numbering records, deciding each
 * record's outcome (accepted, quarantined or duplicate) and shaping rows for each table. No reads,
 * writes or actions here.
 */
public final class IngestTransforms {
  /** The outcome column: one of the three values below. */
  public static final String OUTCOME = "_outcome";

  public static final String ACCEPTED = "accepted";
  public static final String QUARANTINED = "quarantined";
  public static final String DUPLICATE = "duplicate";

  /** Scan order of a record, used only to number records within their file. */
  public static final String SCAN_ORDER = "_scan_order";

  private static final String RANK = "_key_rank";
  private static final String SEEN = "_key_seen";

  private IngestTransforms() {}

  /**
   * Numbers records within each file from 1, in scan order. Exact for files read whole by one task
   * (compressed files, and any file below {@code spark.sql.files.maxPartitionBytes}).
   */
  public static Dataset<Row> numberRecords(Dataset<Row> raw) {
    return raw.withColumn(
            ROW_NUMBER,
            row_number()
                .over(Window.partitionBy(col(SOURCE_FILE)).orderBy(col(SCAN_ORDER)))
                .cast("bigint"))
        .drop(SCAN_ORDER);
  }

  /**
   * Decides each validated record's outcome. Among records sharing a key, the first valid one (by
   * file, then record number) is accepted and the others are duplicates; a valid record whose key
   * is already in {@code existingKeys} (rows kept by other runs) is a duplicate too. Records that
   * failed a rule are quarantined.
   */
  public static Dataset<Row> decideOutcome(
      Dataset<Row> classified, SourceSpec source, Dataset<Row> existingKeys) {
    Column valid = size(col(FAILED_RULES)).equalTo(0);
    Column[] key = source.key().stream().map(k -> col(k)).toArray(Column[]::new);
    Dataset<Row> ranked =
        classified.withColumn(
            RANK,
            row_number()
                .over(
                    Window.partitionBy(key)
                        .orderBy(valid.desc(), col(SOURCE_FILE), col(ROW_NUMBER))));
    Dataset<Row> keys = existingKeys.select(key).distinct().withColumn(SEEN, lit(true));
    ranked =
        ranked.join(
            keys, scala.collection.JavaConverters.asScalaBuffer(source.key()).toSeq(), "left");
    Column seen = coalesce(col(SEEN), lit(false));
    return ranked
        .withColumn(
            OUTCOME,
            when(not(valid), lit(QUARANTINED))
                .when(col(RANK).gt(1).or(seen), lit(DUPLICATE))
                .otherwise(lit(ACCEPTED)))
        .drop(RANK)
        .drop(SEEN);
  }

  /**
   * Groups rows by the partition month and sorts them by month and date within each partition: the
   * table writes then produce one file per month and task, need no sort of their own, and each file
   * covers a narrow range of dates (what {@code replaceWhere} on a date skips by).
   */
  public static Dataset<Row> byLogicalMonth(Dataset<Row> df) {
    return df.repartition(col(LOGICAL_MONTH))
        .sortWithinPartitions(col(LOGICAL_MONTH), col(LOGICAL_DATE));
  }

  /** Adds the run's metadata columns, and the partition month of the logical date. */
  public static Dataset<Row> withRunMetadata(
      Dataset<Row> df, String runId, java.sql.Timestamp ingestedAt) {
    return df.withColumn(RUN_ID, lit(runId))
        .withColumn(INGESTED_AT, lit(ingestedAt))
        .withColumn(LOGICAL_MONTH, trunc(col(LOGICAL_DATE), "month"));
  }

  /** Every record, as text, shaped like {@code bronze.<source>}. */
  public static Dataset<Row> bronzeRows(Dataset<Row> outcome, SourceSpec source) {
    return shape(outcome, IngestTables.bronze(source), rawNames(source));
  }

  /** Accepted records, typed and with derived columns, shaped like {@code silver.<source>}. */
  public static Dataset<Row> silverRows(Dataset<Row> outcome, SourceSpec source) {
    Dataset<Row> accepted = outcome.filter(col(OUTCOME).equalTo(ACCEPTED));
    List<Column> cols = new ArrayList<>();
    cols.add(col("*"));
    cols.addAll(Validation.derivedColumns(source));
    return shape(
        accepted.select(cols.toArray(Column[]::new)), IngestTables.silver(source), Map.of());
  }

  /** Rejected records with their raw text, failed rules and reason. */
  public static Dataset<Row> quarantineRows(Dataset<Row> outcome, SourceSpec source) {
    return shape(
        outcome.filter(col(OUTCOME).equalTo(QUARANTINED)),
        IngestTables.quarantine(source),
        rawNames(source));
  }

  private static Map<String, String> rawNames(SourceSpec source) {
    Map<String, String> out = new LinkedHashMap<>();
    for (ColumnSpec c : source.columns()) {
      out.put(c.name(), Validation.RAW_PREFIX + c.name());
    }
    return out;
  }

  /** Selects the contract's columns in order, cast to its types; {@code from} renames inputs. */
  static Dataset<Row> shape(Dataset<Row> df, TableContract contract, Map<String, String> from) {
    List<Column> cols = new ArrayList<>();
    for (TableColumn c : contract.columns()) {
      cols.add(col(from.getOrDefault(c.name(), c.name())).cast(c.type()).as(c.name()));
    }
    return df.select(cols.toArray(Column[]::new));
  }

  /**
   * One aggregation over the outcomes: rows read, accepted, quarantined, duplicate and failures per
   * rule, in the order of {@code ruleNames}.
   */
  public static List<Column> countColumns(List<String> ruleNames) {
    List<Column> out = new ArrayList<>();
    out.add(count(lit(1)).as("rows_read"));
    out.add(
        sum(when(col(OUTCOME).equalTo(ACCEPTED), 1).otherwise(0))
            .cast("bigint")
            .as("rows_accepted"));
    out.add(
        sum(when(col(OUTCOME).equalTo(QUARANTINED), 1).otherwise(0))
            .cast("bigint")
            .as("rows_quarantined"));
    out.add(
        sum(when(col(OUTCOME).equalTo(DUPLICATE), 1).otherwise(0))
            .cast("bigint")
            .as("rows_duplicate"));
    for (int i = 0; i < ruleNames.size(); i++) {
      out.add(
          sum(when(array_contains(col(FAILED_RULES), ruleNames.get(i)), 1).otherwise(0))
              .cast("bigint")
              .as("rule_" + i));
    }
    return out;
  }

  /** Counts the outcomes in one aggregation (an action: it reads the input). */
  public static IngestCounts counts(Dataset<Row> outcome, List<String> ruleNames) {
    List<Column> columns = countColumns(ruleNames);
    Row row =
        outcome
            .agg(columns.get(0), columns.subList(1, columns.size()).toArray(Column[]::new))
            .first();
    return toCounts(row, ruleNames);
  }

  /** Reads the row produced by {@link #countColumns}. */
  public static IngestCounts toCounts(Row row, List<String> ruleNames) {
    Map<String, Long> perRule = new LinkedHashMap<>();
    for (int i = 0; i < ruleNames.size(); i++) {
      long n = row.isNullAt(4 + i) ? 0L : row.getLong(4 + i);
      if (n > 0) {
        perRule.put(ruleNames.get(i), n);
      }
    }
    return new IngestCounts(
        row.isNullAt(0) ? 0 : row.getLong(0),
        row.isNullAt(1) ? 0 : row.getLong(1),
        row.isNullAt(2) ? 0 : row.getLong(2),
        row.isNullAt(3) ? 0 : row.getLong(3),
        perRule);
  }
}
