package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.rank;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * How well a classifier's predictions did, per prediction date, once their labels are known: pure
 * {@code Dataset -> Dataset} transforms over rows of {@code prediction_date}, {@code version},
 * {@code score} and {@code label} (0 or 1), with built-in functions only. The definitions are
 * scikit-learn's: AUC-ROC from average ranks (ties counted half), AUC-PR as average precision (the
 * step-wise sum over thresholds), log loss with probabilities clipped to [1e-15, 1 − 1e-15].
 */
public final class PerformanceTransforms {
  public static final String DATE = "prediction_date";
  public static final String VERSION = "version";
  public static final String SCORE = "score";
  public static final String LABEL = "label";

  /** Calibration bins: scores in [k/10, (k+1)/10), the last one closed. */
  static final int CALIBRATION_BINS = 10;

  private static final double CLIP = 1e-15;

  private PerformanceTransforms() {}

  /**
   * Predictions joined to their labels on the key columns and time: the predictions with a label
   * ({@code label} set), the predictions without one ({@code label} NULL) and the labels with no
   * prediction ({@code score} NULL), each with its date.
   *
   * @param predictions rows of {@code predictions.<model>}: keys, {@code as_of}, score, date
   * @param labels the label spine: keys, {@code event_timestamp}, the label column
   * @param dateOfLabel the prediction date a label row judges, over the spine's columns
   */
  public static Dataset<Row> judged(
      Dataset<Row> predictions,
      Dataset<Row> labels,
      List<String> keys,
      String labelColumn,
      Column dateOfLabel) {
    List<String> on = new ArrayList<>(keys);
    on.add("_t");
    List<Column> labelKeys = new ArrayList<>();
    for (String k : keys) {
      labelKeys.add(col("`" + k + "`"));
    }
    labelKeys.add(col("event_timestamp").as("_t"));
    labelKeys.add(dateOfLabel.as("_label_date"));
    // Rows equal on the keys and time share their label (duplicate lines of one invoice).
    Dataset<Row> oneLabel =
        labels
            .groupBy(labelKeys.toArray(Column[]::new))
            .agg(max(col("`" + labelColumn + "`")).cast("int").as(LABEL));
    List<Column> predictionCols = new ArrayList<>();
    for (String k : keys) {
      predictionCols.add(col("`" + k + "`"));
    }
    predictionCols.add(col("as_of").as("_t"));
    predictionCols.add(col("score").cast("double").as(SCORE));
    predictionCols.add(col("model_version").as(VERSION));
    predictionCols.add(col("prediction_date").as(DATE));
    return predictions
        .select(predictionCols.toArray(Column[]::new))
        .join(oneLabel, scala(on), "full_outer")
        .select(
            org.apache.spark.sql.functions.coalesce(col(DATE), col("_label_date")).as(DATE),
            col(VERSION),
            col(SCORE),
            col(LABEL),
            col("_t"));
  }

  private static scala.collection.Seq<String> scala(List<String> columns) {
    return scala.collection.JavaConverters.asScalaBuffer(columns).toSeq();
  }

  /**
   * Per date: rows, positives, the version, AUC-ROC, AUC-PR, log loss, base rate and mean score,
   * from rows that have both a score and a label.
   */
  public static Dataset<Row> metrics(Dataset<Row> judged) {
    Column y = col(LABEL);
    WindowSpec ascending = Window.partitionBy(DATE).orderBy(SCORE);
    WindowSpec ties = Window.partitionBy(DATE, SCORE);
    WindowSpec descending =
        Window.partitionBy(DATE)
            .orderBy(desc(SCORE))
            .rangeBetween(Window.unboundedPreceding(), Window.currentRow());
    Column p = least(greatest(col(SCORE), lit(CLIP)), lit(1 - CLIP));
    Dataset<Row> ranked =
        judged
            .where(col(SCORE).isNotNull().and(y.isNotNull()))
            // The average rank of a group of equal scores: its first rank + (size - 1) / 2.
            .withColumn(
                "_rank", rank().over(ascending).plus(count(lit(1)).over(ties).minus(1).divide(2.0)))
            // Above the threshold of this score (ties included): positives and rows.
            .withColumn("_tp", sum(y).over(descending))
            .withColumn("_seen", count(lit(1)).over(descending));
    return ranked
        .groupBy(DATE)
        .agg(
            count(lit(1)).as("rows"),
            sum(y).cast("long").as("positives"),
            max(col(VERSION)).as(VERSION),
            sum(when(y.equalTo(1), col("_rank"))).as("_rank_sum"),
            sum(when(y.equalTo(1), col("_tp").divide(col("_seen")))).as("_precision_sum"),
            avg(y.multiply(log(p))
                    .plus(lit(1).minus(y).multiply(log(lit(1).minus(p))))
                    .multiply(-1))
                .as("log_loss"),
            avg(col(SCORE)).as("mean_score"))
        .withColumn("_negatives", col("rows").minus(col("positives")))
        .withColumn(
            "auc_roc",
            when(
                col("positives").gt(0).and(col("_negatives").gt(0)),
                col("_rank_sum")
                    .minus(col("positives").multiply(col("positives").plus(1)).divide(2.0))
                    .divide(col("positives").multiply(col("_negatives")))))
        .withColumn(
            "auc_pr", when(col("positives").gt(0), col("_precision_sum").divide(col("positives"))))
        .withColumn("base_rate", col("positives").divide(col("rows")))
        .drop("_rank_sum", "_precision_sum", "_negatives");
  }

  /** Per date and calibration bin: rows, mean score and the share of label 1. */
  public static Dataset<Row> calibration(Dataset<Row> judged) {
    return judged
        .where(col(SCORE).isNotNull().and(col(LABEL).isNotNull()))
        .withColumn(
            "bin",
            least(floor(col(SCORE).multiply(CALIBRATION_BINS)), lit(CALIBRATION_BINS - 1))
                .cast("int"))
        .groupBy(DATE, "bin")
        .agg(count(lit(1)).as("rows"), avg(SCORE).as("mean_score"), avg(LABEL).as("rate"));
  }

  /** Per date: labels without a prediction and predictions without a label. */
  public static Dataset<Row> unmatched(Dataset<Row> judged) {
    return judged
        .groupBy(DATE)
        .agg(
            sum(when(col(SCORE).isNull(), 1).otherwise(0)).cast("long").as("unmatched_labels"),
            sum(when(col(LABEL).isNull(), 1).otherwise(0))
                .cast("long")
                .as("unlabelled_predictions"));
  }
}
