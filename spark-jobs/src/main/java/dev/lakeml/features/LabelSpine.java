package dev.lakeml.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.LabelSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds a training spine from a label definition: the rows to predict for, each with its time, its
 * label and the instant the label became known. Labels whose window has not ended by the newest
 * source row are not known yet and are left out (a label must never be guessed).
 *
 * <ul>
 *   <li>{@code event_within} / {@code no_event_within}: at each cutoff date T (00:00 UTC), every
 *       entity with an event in [T - window, T) — the active ones — labelled by whether it has an
 *       event in [T, T + window).
 *   <li>{@code matching_event_within}: every source row between the cutoffs that is not itself an
 *       event (e.g. every sales line), at its own time t, labelled by whether an event sharing the
 *       {@code match} columns follows in (t, t + window]. The row's columns pass through, so the
 *       spine carries the request fields a prediction at that moment would have.
 * </ul>
 */
public final class LabelSpine {
  public static final String TIME = "event_timestamp";
  public static final String KNOWN_AT = "label_known_at";

  private LabelSpine() {}

  /**
   * The spine for cutoffs from, from + every, ... up to to.
   *
   * @param sourceRows the label source's silver rows (pinned to a Delta version by the caller)
   */
  public static Dataset<Row> build(
      SparkSession spark,
      LabelSpec label,
      EntitySpec entity,
      Dataset<Row> sourceRows,
      LocalDate from,
      LocalDate to,
      int everyDays) {
    if (to.isBefore(from)) {
      throw new LakehouseException("--to " + to + " is before --from " + from);
    }
    String ts = "`" + label.eventTime() + "`";
    String knownBy = knownBy(label, sourceRows);
    Dataset<Row> cutoffs =
        spark
            .sql(
                "SELECT CAST(d AS TIMESTAMP) AS _t FROM (SELECT explode(sequence(DATE'"
                    + from
                    + "', DATE'"
                    + to
                    + "', INTERVAL "
                    + everyDays
                    + " DAYS)) AS d)")
            .where("_t + INTERVAL " + label.window().toSeconds() + " SECONDS <= " + knownBy);
    String rows =
        ts
            + " >= CAST(DATE'"
            + from
            + "' AS TIMESTAMP) AND "
            + ts
            + " < CAST(DATE'"
            + to.plusDays(1)
            + "' AS TIMESTAMP)";
    return spine(label, entity, sourceRows, cutoffs, rows).where(KNOWN_AT + " <= " + knownBy);
  }

  /**
   * The labels of what {@code lakeml predict} scored on each of {@code dates}, known yet or not
   * ({@link #KNOWN_AT} says when each one is; compare it with {@link #knownBy}): for an entity
   * label, the entities active at the end of the date; for a matching-event label, the date's own
   * rows.
   */
  public static Dataset<Row> forPredictionDates(
      SparkSession spark,
      LabelSpec label,
      EntitySpec entity,
      Dataset<Row> sourceRows,
      List<LocalDate> dates) {
    List<Row> ends = new ArrayList<>();
    for (LocalDate d : dates) {
      ends.add(org.apache.spark.sql.RowFactory.create(java.sql.Date.valueOf(d.plusDays(1))));
    }
    Dataset<Row> cutoffs =
        spark
            .createDataFrame(
                ends,
                new org.apache.spark.sql.types.StructType()
                    .add("d", org.apache.spark.sql.types.DataTypes.DateType))
            .selectExpr("CAST(d AS TIMESTAMP) AS _t");
    String rows =
        dates.isEmpty()
            ? "FALSE"
            : "CAST(`"
                + label.eventTime()
                + "` AS DATE) IN ("
                + dates.stream().map(d -> "DATE'" + d + "'").collect(Collectors.joining(", "))
                + ")";
    return spine(label, entity, sourceRows, cutoffs, rows);
  }

  /**
   * The instant up to which the label's source is complete, as a SQL literal: its newest event. A
   * label whose window ends after it is not known yet.
   */
  public static String knownBy(LabelSpec label, Dataset<Row> sourceRows) {
    java.time.Instant newest = newestEvent(label, sourceRows);
    if (newest == null) {
      throw new LakehouseException("the label's source has no rows");
    }
    return "TIMESTAMP'" + newest + "'";
  }

  /** The newest event time of the label's source; null when it has no rows. */
  public static java.time.Instant newestEvent(LabelSpec label, Dataset<Row> sourceRows) {
    Row newest = sourceRows.selectExpr("max(`" + label.eventTime() + "`)").first();
    return newest.isNullAt(0) ? null : newest.getTimestamp(0).toInstant();
  }

  /**
   * Every spine row with its label and the instant it becomes known.
   *
   * @param cutoffs entity labels: the cutoff instants ({@code _t})
   * @param rows matching-event labels: which source rows are the spine (SQL)
   */
  private static Dataset<Row> spine(
      LabelSpec label,
      EntitySpec entity,
      Dataset<Row> sourceRows,
      Dataset<Row> cutoffs,
      String rows) {
    String ts = "`" + label.eventTime() + "`";
    long windowSeconds = label.window().toSeconds();
    String keysNotNull =
        entity.keyNames().stream()
            .map(k -> "`" + k + "` IS NOT NULL")
            .collect(Collectors.joining(" AND "));
    String events = label.events().orElse("TRUE");
    List<Column> keys = entity.keyNames().stream().map(k -> col(k)).toList();

    if (label.kind() == LabelSpec.Kind.MATCHING_EVENT_WITHIN) {
      String matchNotNull =
          label.match().stream()
              .map(k -> "`" + k + "` IS NOT NULL")
              .collect(Collectors.joining(" AND "));
      Dataset<Row> base =
          sourceRows
              .where(keysNotNull + " AND " + matchNotNull + " AND NOT (" + events + ")")
              .where(rows)
              .withColumn("_t", expr(ts));
      List<Column> matchAs = new ArrayList<>();
      for (String m : label.match()) {
        matchAs.add(col(m).as("_m_" + m));
      }
      matchAs.add(expr(ts).as("_et"));
      Dataset<Row> later =
          sourceRows
              .where("(" + events + ") AND " + matchNotNull)
              .select(matchAs.toArray(Column[]::new));
      Column on =
          col("_et").gt(col("_t")).and(expr("_et <= _t + INTERVAL " + windowSeconds + " SECONDS"));
      for (String m : label.match()) {
        on = on.and(col(m).equalTo(col("_m_" + m)));
      }
      // One spine row per base row, duplicates of the base rows included.
      Dataset<Row> numbered =
          base.withColumn("_row", org.apache.spark.sql.functions.monotonically_increasing_id())
              .localCheckpoint(true);
      Dataset<Row> hits =
          numbered
              .join(later, on, "left_semi")
              .select(col("_row"))
              .distinct()
              .withColumn("_hit", expr("1"));
      // The base row's own columns pass through: they are the request fields of the prediction.
      List<Column> passThrough = new ArrayList<>();
      for (String c : sourceRows.columns()) {
        if (passesThrough(c, label)) {
          passThrough.add(col(c));
        }
      }
      return numbered
          .join(hits, "_row", "left")
          .select(
              concat(
                  passThrough,
                  List.of(
                      col("_t").as(TIME),
                      expr("CAST(coalesce(_hit, 0) AS INT)").as(label.name()),
                      expr("_t + INTERVAL " + windowSeconds + " SECONDS").as(KNOWN_AT))));
    }
    Dataset<Row> ev =
        sourceRows.where(keysNotNull + " AND (" + events + ")").withColumn("_et", expr(ts));
    Dataset<Row> near =
        ev.join(
            org.apache.spark.sql.functions.broadcast(cutoffs),
            expr(
                "_et >= _t - INTERVAL "
                    + windowSeconds
                    + " SECONDS AND _et < _t + INTERVAL "
                    + windowSeconds
                    + " SECONDS"));
    List<Column> group = new ArrayList<>(keys);
    group.add(col("_t"));
    boolean churn = label.kind() == LabelSpec.Kind.NO_EVENT_WITHIN;
    return near.groupBy(group.toArray(Column[]::new))
        .agg(expr("count_if(_et < _t)").as("_before"), expr("count_if(_et >= _t)").as("_after"))
        .where("_before > 0")
        .select(
            concat(
                keys,
                List.of(
                    col("_t").as(TIME),
                    expr("CAST(_after " + (churn ? "= 0" : "> 0") + " AS INT)").as(label.name()),
                    expr("_t + INTERVAL " + windowSeconds + " SECONDS").as(KNOWN_AT))));
  }

  /** The columns {@link #build} gives a label's spine, from the source's columns. */
  public static List<String> columns(LabelSpec label, EntitySpec entity, String[] sourceColumns) {
    List<String> out = new ArrayList<>();
    if (label.kind() == LabelSpec.Kind.MATCHING_EVENT_WITHIN) {
      for (String c : sourceColumns) {
        if (passesThrough(c, label)) {
          out.add(c);
        }
      }
    } else {
      out.addAll(entity.keyNames());
    }
    out.addAll(List.of(TIME, label.name(), KNOWN_AT));
    return out;
  }

  private static boolean passesThrough(String column, LabelSpec label) {
    return !column.startsWith("_")
        && !column.equals(TIME)
        && !column.equals(label.name())
        && !column.equals(KNOWN_AT);
  }

  private static Column[] concat(List<Column> a, List<Column> b) {
    List<Column> all = new ArrayList<>(a);
    all.addAll(b);
    return all.toArray(Column[]::new);
  }
}
