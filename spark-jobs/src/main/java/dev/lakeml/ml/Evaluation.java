package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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
    Dataset<Row> s = withP1(scored).localCheckpoint(true);
    BinaryClassificationEvaluator e =
        new BinaryClassificationEvaluator().setLabelCol(label).setRawPredictionCol("_p1");
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
    return withP1(scored)
        .groupBy(expr("least(CAST(floor(_p1 * 10) AS INT), 9)").as("bin"))
        .agg(
            expr("count(*)").as("rows"),
            expr("avg(_p1)").as("mean_predicted"),
            expr("avg(" + label + ")").as("observed_rate"))
        .orderBy("bin");
  }
}
