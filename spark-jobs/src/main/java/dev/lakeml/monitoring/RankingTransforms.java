package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How well a recommender's top-k lists did, per prediction date, once the items each user went on
 * to touch are known: pure {@code Dataset -> Dataset} transforms with built-in (higher-order)
 * functions only. The definitions are Spark's {@code RankingMetrics}, which training judges the
 * model with: precision at k counts hits over k, recall at k over the user's items, and average
 * precision at k sums the precision at each hit over min(k, the user's items).
 */
public final class RankingTransforms {
  public static final String DATE = "prediction_date";
  public static final String USER = "user";
  public static final String ITEMS = "items";
  public static final String TRUTH = "truth";
  public static final String VERSION = "version";

  private RankingTransforms() {}

  /** The metric names of a recommender with lists of {@code k}, as training registers them. */
  public static List<String> metricNames(int k) {
    return List.of("precision_at_" + k, "recall_at_" + k, "map_at_" + k, "hit_rate_at_" + k);
  }

  /**
   * The items each user touched in the horizon after each prediction date: {@code events} ({@code
   * user}, {@code item}, {@code ts}) within {@code [the day after D, that + horizon days)}.
   *
   * @param dates one column {@code prediction_date} (DATE), the dates to judge
   */
  public static Dataset<Row> truth(Dataset<Row> events, Dataset<Row> dates, int horizonDays) {
    Column start = expr("CAST(date_add(" + DATE + ", 1) AS TIMESTAMP)");
    Column end = expr("CAST(date_add(" + DATE + ", " + (1 + horizonDays) + ") AS TIMESTAMP)");
    return events
        .join(
            org.apache.spark.sql.functions.broadcast(dates),
            col("ts").geq(start).and(col("ts").lt(end)))
        .groupBy(DATE, USER)
        .agg(collect_set(col("item")).as(TRUTH));
  }

  /**
   * Lists joined to what their users touched: users with both ({@code items} and {@code truth}),
   * users with a list who touched nothing ({@code truth} NULL), and users who touched items but got
   * no list ({@code items} NULL).
   *
   * @param lists {@code prediction_date}, {@code user}, {@code items}, {@code version}
   */
  public static Dataset<Row> judged(Dataset<Row> lists, Dataset<Row> truth) {
    return lists.join(
        truth,
        scala.collection.JavaConverters.asScalaBuffer(List.of(DATE, USER)).toSeq(),
        "full_outer");
  }

  /**
   * Per date, over the users with a list and at least one item touched: {@code rows} (those users),
   * {@code positives} (of them, with a hit), the version, and the metrics of {@link #metricNames}.
   */
  public static Dataset<Row> metrics(Dataset<Row> judged, int k) {
    Column top = expr("slice(" + ITEMS + ", 1, " + k + ")");
    Column hits =
        org.apache.spark.sql.functions.size(
            org.apache.spark.sql.functions.array_intersect(top, col(TRUTH)));
    // Average precision at k: walk the list, adding the precision at each hit.
    Column ap =
        expr(
            "aggregate(sequence(1, least("
                + k
                + ", size("
                + ITEMS
                + "))), named_struct('h', 0, 's', CAST(0 AS DOUBLE)), (acc, i) -> CASE WHEN"
                + " array_contains("
                + TRUTH
                + ", element_at("
                + ITEMS
                + ", i)) THEN named_struct('h', acc.h + 1, 's', acc.s + (acc.h + 1) / i) ELSE acc"
                + " END, acc -> acc.s) / least("
                + k
                + ", size("
                + TRUTH
                + "))");
    List<String> names = metricNames(k);
    return judged
        .where(
            col(ITEMS).isNotNull().and(col(TRUTH).isNotNull()).and(expr("size(" + ITEMS + ") > 0")))
        .withColumn("_hits", hits)
        .groupBy(DATE)
        .agg(
            count(lit(1)).as("rows"),
            sum(when(col("_hits").gt(0), 1L).otherwise(0L)).as("positives"),
            max(col(VERSION)).as(VERSION),
            avg(col("_hits").divide(k)).as(names.get(0)),
            avg(col("_hits").divide(expr("size(" + TRUTH + ")"))).as(names.get(1)),
            avg(ap).as(names.get(2)),
            avg(when(col("_hits").gt(0), 1.0).otherwise(0.0)).as(names.get(3)));
  }

  /** Per date: users who touched items but got no list, and lists whose user touched nothing. */
  public static Dataset<Row> unmatched(Dataset<Row> judged) {
    return judged
        .groupBy(DATE)
        .agg(
            sum(when(col(ITEMS).isNull(), 1L).otherwise(0L)).as("unmatched_labels"),
            sum(when(col(TRUTH).isNull(), 1L).otherwise(0L)).as("unlabelled_predictions"));
  }
}
