package dev.lakeml.ml;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Scoring a registered binary classifier in Spark, for jobs outside this package. */
public final class BatchScoring {
  private BatchScoring() {}

  /**
   * The rows ({@link ModelInputs#modelInput} with the version's inputs) with {@code _p1}, the
   * probability of label 1, by the version's own model (refused when its artifact is not sound).
   */
  public static Dataset<Row> withP1(ModelRegistry.Version version, Dataset<Row> rows) {
    return Fitted.load(version).withP1(rows);
  }
}
