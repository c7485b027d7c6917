package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.mean;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * The passes that profile a population: pure {@code Dataset -> Dataset} transforms whose results
 * are a few rows per column. The columns are first turned into long form (one row per column and
 * value), so that each pass is one small grouped aggregate, whatever the number of columns: each
 * partition is summarised on its executor, the summaries merged, and only they reach the driver.
 */
final class DriftProfiles {
  /** The quantile grid: the reference's sketch is read at ranks i / GRID. */
  static final int GRID = 1000;

  /** The sketch's accuracy: each quantile's rank is within 1 / ACCURACY of the asked one. */
  static final int ACCURACY = 10_000;

  /** Long form: the column's position in the list, and its value (NULL for NULL and NaN). */
  static final String POSITION = "_column";

  static final String VALUE = "_value";
  static final String BIN = "_bin";

  private DriftProfiles() {}

  /** One row per column and row: {@link #POSITION}, {@link #VALUE}. */
  static Dataset<Row> longForm(Dataset<Row> rows, List<String> numeric) {
    Column[] values =
        numeric.stream()
            .map(
                c -> {
                  Column v = col("`" + c + "`").cast(DataTypes.DoubleType);
                  return when(v.isNotNull().and(not(isnan(v))), v);
                })
            .toArray(Column[]::new);
    return rows.select(posexplode(org.apache.spark.sql.functions.array(values)))
        .toDF(POSITION, VALUE);
  }

  /**
   * Per column: rows, values, min, max, mean, standard deviation and the quantile grid (Spark's
   * {@code percentile_approx}, a Greenwald–Khanna sketch with mergeable per-partition summaries).
   * The reference's first pass.
   */
  static Dataset<Row> sketch(Dataset<Row> rows, List<String> numeric) {
    double[] grid = new double[GRID + 1];
    for (int i = 0; i <= GRID; i++) {
      grid[i] = (double) i / GRID;
    }
    Column v = col(VALUE);
    return longForm(rows, numeric)
        .groupBy(POSITION)
        .agg(
            count(lit(1)).as("rows"),
            count(v).as("values"),
            min(v).as("min"),
            max(v).as("max"),
            mean(v).as("mean"),
            stddev_pop(v).as("std"),
            percentile_approx(v, lit(grid), lit(ACCURACY)).as("quantiles"));
  }

  /**
   * Per column and bin of the reference's points: the number of values and their sum, with rows and
   * min and max per column. Bin -1 holds the NULLs. One pass over the population.
   */
  static Dataset<Row> binned(Dataset<Row> rows, List<String> numeric, double[][] points) {
    UserDefinedFunction bin =
        udf(
                (UDF2<Integer, Double, Integer>)
                    (position, value) ->
                        value == null ? -1 : DriftMath.bin(points[position], value),
                DataTypes.IntegerType)
            .withName("lakeml_drift_bin");
    // A scalar function, not a built-in: Spark 3.5 has no function that finds a value's place
    // among arbitrary sorted edges (a binary search), and this is not an ETL path.
    Column v = col(VALUE);
    return longForm(rows, numeric)
        .withColumn(BIN, bin.apply(col(POSITION), v))
        .groupBy(POSITION, BIN)
        .agg(count(lit(1)).as("n"), sum(v).as("sum"));
  }

  /** Columns {@code feature}, {@code category} (NULL for NULL) and {@code n}, one row per pair. */
  static Dataset<Row> categoryCounts(Dataset<Row> rows, List<String> categorical) {
    String stack =
        "stack("
            + categorical.size()
            + ", "
            + categorical.stream()
                .map(c -> "'" + c + "', CAST(`" + c + "` AS STRING)")
                .collect(Collectors.joining(", "))
            + ") AS (feature, category)";
    return rows.select(expr(stack)).groupBy("feature", "category").agg(count(lit(1)).as("n"));
  }
}
