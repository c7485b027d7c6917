package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.lakeml.ml.report.ReportData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.functions;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/** Validation metrics of a binary classifier's scored rows, with Spark built-ins. */
public final class Evaluation {
  private Evaluation() {}

  /** The probability of the positive class, from Spark ML's {@code probability} vector. */
  static Dataset<Row> withP1(Dataset<Row> scored) {
    return scored.withColumn(
        "_p1", functions.vector_to_array(col("probability"), "float64").getItem(1));
  }

  /** AUC-ROC, AUC-PR and log loss on the scored validation rows. */
  public static Map<String, Double> binary(Dataset<Row> scored, String label) {
    return binaryP1(withP1(scored), label);
  }

  /** The same metrics from rows that carry the positive-class probability in {@code _p1}. */
  public static Map<String, Double> binaryP1(Dataset<Row> withP1, String label) {
    Dataset<Row> s = withP1.localCheckpoint(true);
    BinaryClassificationEvaluator e =
        new BinaryClassificationEvaluator()
            .setLabelCol(label)
            .setRawPredictionCol("_p1")
            // Exact curves: the default 1000 bins down-sample by partition, so the same scores
            // laid out differently gave AUCs differing in the fifth digit.
            .setNumBins(0);
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("auc_roc", e.setMetricName("areaUnderROC").evaluate(s));
    out.put("auc_pr", e.setMetricName("areaUnderPR").evaluate(s));
    Row ll =
        s.selectExpr(
                "-avg("
                    + label
                    + " * ln(least(greatest(_p1, 1e-15), 1 - 1e-15))"
                    + " + (1 - "
                    + label
                    + ") * ln(1 - least(greatest(_p1, 1e-15), 1 - 1e-15)))")
            .first();
    out.put("log_loss", ll.getDouble(0));
    return out;
  }

  /** Reliability table: 10 bins of predicted probability, with mean prediction and outcome. */
  public static Dataset<Row> calibration(Dataset<Row> scored, String label) {
    return calibrationP1(withP1(scored), label);
  }

  /** The reliability table from rows with {@code _p1}. */
  public static Dataset<Row> calibrationP1(Dataset<Row> withP1, String label) {
    return withP1
        .groupBy(expr("least(CAST(floor(_p1 * 10) AS INT), 9)").as("bin"))
        .agg(
            expr("count(*)").as("rows"),
            expr("avg(_p1)").as("mean_predicted"),
            expr("avg(" + label + ")").as("observed_rate"))
        .orderBy("bin");
  }

  /** Up to about {@code points} points of the ROC curve (false vs true positive rate). */
  public static List<ReportData.CurvePoint> roc(Dataset<Row> withP1, String label, int points) {
    JavaRDD<Tuple2<Object, Object>> pairs =
        withP1
            .select(col("_p1"), col(label).cast("double"))
            .toJavaRDD()
            .map(r -> new Tuple2<Object, Object>(r.getDouble(0), r.getDouble(1)));
    BinaryClassificationMetrics m = new BinaryClassificationMetrics(pairs.rdd(), points);
    List<ReportData.CurvePoint> out = new ArrayList<>();
    for (Tuple2<Object, Object> p : m.roc().toJavaRDD().collect()) {
      out.add(new ReportData.CurvePoint((Double) p._1(), (Double) p._2()));
    }
    m.unpersist();
    return out;
  }
}
