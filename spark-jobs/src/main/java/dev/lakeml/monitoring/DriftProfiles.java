package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.mean;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The aggregates that profile a population in one pass: built-in aggregate functions only, each
 * partition summarised on its executor and the summaries merged (Spark's {@code percentile_approx}
 * is a Greenwald–Khanna sketch with mergeable summaries), so no row reaches the driver and the cost
 * grows linearly with the rows.
 */
final class DriftProfiles {
  /** The quantile grid: the sketch is read at ranks i / GRID. */
  static final int GRID = 1000;

  /** The sketch's accuracy: each quantile's rank is within 1 / ACCURACY of the asked one. */
  static final int ACCURACY = 10_000;

  /** The rank error of one sketched quantile. */
  static final double EPSILON = 1.0 / ACCURACY;

  /** Column name of the row count in a summary. */
  private static final String ROWS = "_rows";

  private DriftProfiles() {}

  /**
   * The PSI bins of a column: upper edges (a value v is in bin j when edge[j-1] < v <= edge[j]).
   */
  record Bins(double[] edges, double min, double max) {}

  /** A value that counts: NULL for NULL and NaN, as DOUBLE. */
  private static Column value(String column) {
    Column c = col("`" + column + "`").cast(DataTypes.DoubleType);
    return when(c.isNotNull().and(not(isnan(c))), c);
  }

  /**
   * The aggregates of one pass: for each numeric column its counts, range, moments and (with {@code
   * sketch}) quantile grid; and for each column in {@code bins} its bin counts against those edges.
   * Read the resulting single row with {@link #numeric}.
   */
  static Dataset<Row> summarize(
      Dataset<Row> rows, List<String> numeric, Map<String, Bins> bins, Sketch sketch) {
    List<Column> aggs = new ArrayList<>();
    aggs.add(count(lit(1)).as(ROWS));
    double[] grid = new double[GRID + 1];
    for (int i = 0; i <= GRID; i++) {
      grid[i] = (double) i / GRID;
    }
    for (int i = 0; i < numeric.size(); i++) {
      String c = numeric.get(i);
      Column v = value(c);
      aggs.add(count(v).as(name(i, "n")));
      aggs.add(min(v).as(name(i, "min")));
      aggs.add(max(v).as(name(i, "max")));
      aggs.add(mean(v).as(name(i, "mean")));
      aggs.add(stddev_pop(v).as(name(i, "std")));
      if (sketch == Sketch.QUANTILES) {
        aggs.add(percentile_approx(v, lit(grid), lit(ACCURACY)).as(name(i, "q")));
      }
      Bins b = bins.get(c);
      if (b != null) {
        // Cumulative counts (v <= edge): one comparison per edge, no CASE chain; bins by
        // difference.
        for (int j = 0; j < b.edges().length; j++) {
          aggs.add(count_if(v.leq(lit(b.edges()[j]))).as(name(i, "le" + j)));
        }
        aggs.add(count_if(v.lt(lit(b.min())).or(v.gt(lit(b.max())))).as(name(i, "out")));
      }
    }
    return rows.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
  }

  /** Whether a pass computes the quantile sketch (the reference's second pass only bins). */
  enum Sketch {
    QUANTILES,
    NONE
  }

  private static String name(int column, String what) {
    return "_c" + column + "_" + what;
  }

  /** The profiles in a row of {@link #summarize}, by column name. */
  static Map<String, Profiles.Numeric> numeric(
      Row summary, List<String> numeric, Map<String, Bins> bins) {
    long rows = summary.getLong(summary.fieldIndex(ROWS));
    Map<String, Profiles.Numeric> out = new LinkedHashMap<>();
    List<String> fields = List.of(summary.schema().fieldNames());
    for (int i = 0; i < numeric.size(); i++) {
      String c = numeric.get(i);
      long n = summary.getLong(summary.fieldIndex(name(i, "n")));
      double[] q = new double[0];
      if (fields.contains(name(i, "q")) && !summary.isNullAt(summary.fieldIndex(name(i, "q")))) {
        List<Double> list = summary.getList(summary.fieldIndex(name(i, "q")));
        q = list.stream().mapToDouble(Double::doubleValue).toArray();
      }
      Optional<long[]> binCounts = Optional.empty();
      long outOfRange = 0;
      Bins b = bins.get(c);
      if (b != null) {
        long[] cumulative = new long[b.edges().length];
        for (int j = 0; j < cumulative.length; j++) {
          cumulative[j] = summary.getLong(summary.fieldIndex(name(i, "le" + j)));
        }
        binCounts = Optional.of(DriftMath.binsFromCumulative(cumulative, n));
        outOfRange = summary.getLong(summary.fieldIndex(name(i, "out")));
      }
      out.put(
          c,
          new Profiles.Numeric(
              rows,
              rows - n,
              doubleOr(summary, name(i, "min")),
              doubleOr(summary, name(i, "max")),
              doubleOr(summary, name(i, "mean")),
              doubleOr(summary, name(i, "std")),
              q,
              binCounts,
              outOfRange));
    }
    return out;
  }

  private static double doubleOr(Row r, String field) {
    int i = r.fieldIndex(field);
    return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
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

  /** The profiles in the rows of {@link #categoryCounts}, by column name. */
  static Map<String, Profiles.Categorical> categorical(List<Row> counts, List<String> categorical) {
    Map<String, Profiles.Categorical> out = new LinkedHashMap<>();
    for (String c : categorical) {
      Map<String, Long> byCategory = new java.util.TreeMap<>();
      long nulls = 0;
      long rows = 0;
      for (Row r : counts) {
        if (!r.getString(0).equals(c)) {
          continue;
        }
        rows += r.getLong(2);
        if (r.isNullAt(1)) {
          nulls += r.getLong(2);
        } else {
          byCategory.put(r.getString(1), r.getLong(2));
        }
      }
      out.put(c, new Profiles.Categorical(rows, nulls, byCategory));
    }
    return out;
  }
}
