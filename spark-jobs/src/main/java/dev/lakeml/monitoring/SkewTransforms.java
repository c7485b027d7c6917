package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The skew comparison as pure column arithmetic over rows that carry, for each recomputed input,
 * the value the API used ({@link #online}) and the offline point-in-time value ({@link #offline}),
 * both encoded as the model reads them. One aggregation counts every input at once.
 */
public final class SkewTransforms {
  /**
   * Two values are equal when they differ by at most this share of the larger (or by this much,
   * below 1). Both sides go through the same encoding, so equal inputs give equal doubles; the
   * tolerance only absorbs decimal text written and read back.
   */
  public static final double TOLERANCE = 1e-9;

  /** The column of the request's id. */
  public static final String REQUEST_ID = "request_id";

  /** An input the job compares: its name and where it comes from. */
  public record Input(String name, String source) {}

  private SkewTransforms() {}

  /** The column holding input {@code i}'s value as the API used it. */
  public static String online(int i) {
    return "_online_" + i;
  }

  /** The column holding input {@code i}'s value from the offline point-in-time path. */
  public static String offline(int i) {
    return "_offline_" + i;
  }

  /**
   * A deterministic sample of at most {@code size} rows: those whose request id hashes lowest, so a
   * rerun of the day compares the same requests.
   */
  public static Dataset<Row> sample(Dataset<Row> logged, int size) {
    return logged
        .withColumn("_skew_hash", xxhash64(col(REQUEST_ID)))
        .orderBy(col("_skew_hash"), col(REQUEST_ID))
        .limit(size)
        .drop("_skew_hash");
  }

  /**
   * Counts, per input, the sampled rows whose two values match, differ, or are missing on one side.
   *
   * @param requests the day's answered requests of the version (the population sampled)
   */
  public static List<SkewMeasure> compare(Dataset<Row> rows, List<Input> inputs, long requests) {
    List<Column> aggs = new ArrayList<>();
    aggs.add(count(lit(1)).as("_sampled"));
    for (int i = 0; i < inputs.size(); i++) {
      Column on = missingAsNull(col(online(i)));
      Column off = missingAsNull(col(offline(i)));
      Column both = on.isNotNull().and(off.isNotNull());
      Column difference = abs(on.minus(off));
      Column equal = difference.leq(greatest(lit(1.0), abs(on), abs(off)).multiply(TOLERANCE));
      Column matched = on.isNull().and(off.isNull()).or(both.and(equal));
      aggs.add(countIf(matched).as("m" + i));
      aggs.add(countIf(both.and(equal.unary_$bang())).as("d" + i));
      aggs.add(countIf(on.isNull().and(off.isNotNull())).as("on" + i));
      aggs.add(countIf(on.isNotNull().and(off.isNull())).as("off" + i));
      aggs.add(max(when(both, difference)).as("x" + i));
      aggs.add(
          min(when(
                  matched.unary_$bang(),
                  concat(
                      col(REQUEST_ID),
                      lit(": online "),
                      coalesce(on.cast("string"), lit("missing")),
                      lit(", offline "),
                      coalesce(off.cast("string"), lit("missing")))))
              .as("e" + i));
    }
    Row r = rows.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
    long sampled = r.getLong(0);
    List<SkewMeasure> out = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      int at = 1 + 6 * i;
      out.add(
          new SkewMeasure(
              inputs.get(i).name(),
              inputs.get(i).source(),
              sampled == 0 ? SkewMeasure.NO_DATA : SkewMeasure.OK,
              requests,
              sampled,
              r.getLong(at),
              r.getLong(at + 1),
              r.getLong(at + 2),
              r.getLong(at + 3),
              r.isNullAt(at + 4) ? Double.NaN : r.getDouble(at + 4),
              r.isNullAt(at + 5) ? null : r.getString(at + 5)));
    }
    return out;
  }

  private static Column missingAsNull(Column c) {
    return when(c.isNotNull().and(isnan(c).unary_$bang()), c);
  }

  private static Column countIf(Column condition) {
    return coalesce(sum(when(condition, 1L).otherwise(0L)), lit(0L));
  }
}
