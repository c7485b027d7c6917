package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.to_date;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lakeml.testing.SharedSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Per-date metrics on small frames whose values are worked out by hand. */
class PerformanceTransformsTest {
  private static final String A = "2011-03-01";
  private static final String B = "2011-03-02";
  private static final String C = "2011-03-03";

  /** customer, date, score, label (null: no label row; NaN score: no prediction row). */
  private static final Object[][] CASES = {
    {1L, A, 0.9, 1},
    {2L, A, 0.8, 0},
    {3L, A, 0.7, 1},
    {4L, A, 0.6, 0},
    {5L, A, 0.5, 0},
    // Ties: a positive and a negative at the same score count half a pair each.
    {1L, B, 0.5, 1},
    {2L, B, 0.5, 0},
    {3L, B, 0.5, 1},
    {4L, B, 0.2, 0},
    {1L, C, 0.3, 0},
    {2L, C, 0.4, 0},
    // A prediction nobody labelled, and a label for a prediction that does not exist.
    {6L, A, 0.1, null},
    {7L, B, Double.NaN, 1}
  };

  private static Dataset<Row> judged() {
    List<Row> predictions = new ArrayList<>();
    List<Row> labels = new ArrayList<>();
    for (Object[] c : CASES) {
      Date date = Date.valueOf((String) c[1]);
      // A prediction for date D is made as of the end of D.
      Timestamp asOf = Timestamp.valueOf(date.toLocalDate().plusDays(1).atStartOfDay());
      if (!Double.isNaN((Double) c[2])) {
        predictions.add(RowFactory.create(c[0], asOf, c[2], 3, date));
      }
      if (c[3] != null) {
        labels.add(RowFactory.create(c[0], asOf, c[3]));
      }
    }
    var spark = SharedSpark.session();
    Dataset<Row> p =
        spark.createDataFrame(
            predictions,
            new StructType()
                .add("customer_id", DataTypes.LongType)
                .add("as_of", DataTypes.TimestampType)
                .add("score", DataTypes.DoubleType)
                .add("model_version", DataTypes.IntegerType)
                .add("prediction_date", DataTypes.DateType));
    Dataset<Row> l =
        spark.createDataFrame(
            labels,
            new StructType()
                .add("customer_id", DataTypes.LongType)
                .add("event_timestamp", DataTypes.TimestampType)
                .add("churn", DataTypes.IntegerType));
    return PerformanceTransforms.judged(
        p, l, List.of("customer_id"), "churn", date_sub(to_date(col("event_timestamp")), 1));
  }

  private static Map<String, Row> byDate(Dataset<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    rows.collectAsList().forEach(r -> out.put(r.getDate(0).toString(), r));
    return out;
  }

  @Test
  void aucAveragePrecisionAndLogLossPerDate() {
    Map<String, Row> m = byDate(PerformanceTransforms.metrics(judged()));
    Row a = m.get(A);
    assertThat(a.<Long>getAs("rows")).isEqualTo(5);
    assertThat(a.<Long>getAs("positives")).isEqualTo(2);
    // 5 of the 6 (positive, negative) pairs are ordered right.
    assertThat(a.<Double>getAs("auc_roc")).isCloseTo(5.0 / 6, within(1e-12));
    // Thresholds 0.9 (precision 1) and 0.7 (precision 2/3) each recall one positive.
    assertThat(a.<Double>getAs("auc_pr")).isCloseTo((1 + 2.0 / 3) / 2, within(1e-12));
    double logLoss =
        -(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.4) + Math.log(0.5)) / 5;
    assertThat(a.<Double>getAs("log_loss")).isCloseTo(logLoss, within(1e-12));
    assertThat(a.<Double>getAs("base_rate")).isCloseTo(0.4, within(1e-12));

    Row b = m.get(B);
    // Each positive at 0.5: half a pair against the negative at 0.5, one against 0.2.
    assertThat(b.<Double>getAs("auc_roc")).isCloseTo(0.75, within(1e-12));
    // One threshold, 0.5: both positives among 3 rows.
    assertThat(b.<Double>getAs("auc_pr")).isCloseTo(2.0 / 3, within(1e-12));

    // Only negatives: no AUC, no division by zero.
    Row c = m.get(C);
    assertThat(c.<Long>getAs("positives")).isZero();
    assertThat(c.isNullAt(c.fieldIndex("auc_roc"))).isTrue();
    assertThat(c.isNullAt(c.fieldIndex("auc_pr"))).isTrue();
  }

  @Test
  void labelsWithoutPredictionsAndPredictionsWithoutLabelsAreCountedPerDate() {
    Map<String, Row> u = byDate(PerformanceTransforms.unmatched(judged()));
    assertThat(u.get(A).<Long>getAs("unlabelled_predictions")).isEqualTo(1);
    assertThat(u.get(A).<Long>getAs("unmatched_labels")).isZero();
    assertThat(u.get(B).<Long>getAs("unmatched_labels")).isEqualTo(1);
    assertThat(u.get(B).<Long>getAs("unlabelled_predictions")).isZero();
  }

  @Test
  void calibrationBinsHoldTheMeanScoreAndTheRate() {
    List<Row> bins =
        PerformanceTransforms.calibration(judged())
            .where(col("prediction_date").equalTo(Date.valueOf(A)))
            .orderBy("bin")
            .collectAsList();
    assertThat(bins).extracting(r -> r.getInt(1)).containsExactly(5, 6, 7, 8, 9);
    Row top = bins.get(4);
    assertThat(top.getLong(2)).isEqualTo(1);
    assertThat(top.getDouble(3)).isCloseTo(0.9, within(1e-12));
    assertThat(top.getDouble(4)).isEqualTo(1.0);
  }
}
