package dev.lakeml.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import dev.lakeml.schemas.features.RequestFeatureSpec;
import dev.lakeml.schemas.features.RequestTransform;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * Request-time features in Spark: the same {@link RequestTransform} Java code the serving API
 * calls, run over a training set's rows. Request fields ({@code request.<field>}) are spine columns
 * of that name; looked-up features ({@code <view>.<feature>}) are the joined columns. Numbers go in
 * as doubles and timestamps as epoch seconds, exactly as the serving side passes them.
 *
 * <p>This is a UDF on purpose — one implementation for training and serving is the point — and it
 * runs only when training sets are built, never in the ingestion or aggregation paths.
 */
public final class RequestFeatures {
  private RequestFeatures() {}

  /** The column a request feature input refers to in a training set. */
  static String column(String input) {
    if (input.startsWith(RequestFeatureSpec.REQUEST_PREFIX)) {
      return input.substring(RequestFeatureSpec.REQUEST_PREFIX.length());
    }
    return input.substring(input.indexOf('.') + 1);
  }

  /**
   * Adds every request feature whose inputs are all columns of {@code df}; returns the names added.
   * A feature whose inputs are not all there is left out (the caller reports it).
   */
  public static Dataset<Row> apply(
      Dataset<Row> df, List<RequestFeatureSpec> specs, List<String> added, List<String> skipped) {
    List<String> columns = List.of(df.columns());
    for (RequestFeatureSpec spec : specs) {
      RequestTransform t = RequestTransform.builtIns().get(spec.transform());
      List<String> params = t.parameters();
      List<Column> inputs = new ArrayList<>();
      boolean complete = params.size() == 2;
      for (String p : params) {
        String c = column(spec.inputs().get(p));
        if (!columns.contains(c) || columns.contains(spec.name())) {
          complete = false;
          break;
        }
        inputs.add(asNumber(col(c), df.schema().apply(c).dataType()));
      }
      if (!complete) {
        skipped.add(spec.name());
        continue;
      }
      df = df.withColumn(spec.name(), binary(t.name(), params).apply(inputs.get(0), inputs.get(1)));
      added.add(spec.name());
    }
    return df;
  }

  /** Numbers as DOUBLE, timestamps and dates as epoch seconds. */
  static Column asNumber(Column c, DataType type) {
    if (type.equals(DataTypes.TimestampType) || type.equals(DataTypes.DateType)) {
      return org.apache
          .spark
          .sql
          .functions
          .unix_micros(c.cast(DataTypes.TimestampType))
          .cast(DataTypes.DoubleType)
          .divide(1_000_000.0);
    }
    if (type instanceof NumericType) {
      return c.cast(DataTypes.DoubleType);
    }
    throw new IllegalArgumentException(
        "a request feature input must be a number or a timestamp, not " + type.sql());
  }

  /** A UDF calling the transform; it captures only names (transforms are not serializable). */
  private static UserDefinedFunction binary(String transform, List<String> params) {
    String first = params.get(0);
    String second = params.get(1);
    UDF2<Double, Double, Double> f =
        (a, b) -> {
          Map<String, Double> in = new HashMap<>();
          in.put(first, a);
          in.put(second, b);
          Optional<Double> out = RequestTransform.builtIns().get(transform).apply(in);
          return out.orElse(null);
        };
    return udf(f, DataTypes.DoubleType).withName(transform);
  }
}
