package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_micros;

import dev.lakeml.schemas.artifact.FeatureEncoder;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.models.Algorithm;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * The model inputs' encoding in Spark: the column expression of each {@link InputType}, with the
 * same arithmetic as {@link FeatureEncoder}, which batch scoring and the serving API call. A
 * training row and a served request therefore give a model the same numbers (ModelInputsTest checks
 * it on the same rows, bit for bit).
 */
public final class ModelInputs {
  /** The label column of the rows a model reads (DOUBLE; NULL when scoring). */
  public static final String LABEL = "label";

  /** The dense vector column XGBoost and the MLlib pipelines read. */
  public static final String FEATURES = "features";

  private ModelInputs() {}

  /** The input type of a training-set column: timestamps, booleans and numbers are inputs. */
  static InputType typeOf(DataType type, String column) {
    if (type.equals(DataTypes.TimestampType)) {
      return InputType.DAYS_BEFORE;
    }
    if (type.equals(DataTypes.BooleanType)) {
      return InputType.BOOLEAN;
    }
    if (type instanceof NumericType) {
      return InputType.DOUBLE;
    }
    throw new ModelException(
        "feature "
            + column
            + " is "
            + type.sql()
            + "; models take numbers, booleans and timestamps");
  }

  /**
   * The encoded value of {@code value} as a DOUBLE column, NULL where it is missing.
   *
   * @param reference the instant {@code days_before} inputs are measured from (the spine time)
   */
  public static Column encode(InputType type, Column value, Column reference) {
    return switch (type) {
      case DOUBLE, BOOLEAN -> value.cast(DataTypes.DoubleType);
      case DAYS_BEFORE ->
          unix_micros(reference)
              .minus(unix_micros(value))
              .cast(DataTypes.DoubleType)
              .divide(lit(FeatureEncoder.MICROS_PER_DAY));
    };
  }

  /** The model's inputs in order, with the encoding each gets (see {@link #prepare}). */
  static List<ModelRegistry.Input> signature(Dataset<Row> set, List<String> features) {
    List<ModelRegistry.Input> out = new ArrayList<>();
    for (String f : features) {
      InputType type = typeOf(set.schema().apply(f).dataType(), f);
      out.add(new ModelRegistry.Input(f, type.yamlName()));
    }
    return out;
  }

  /**
   * The rows a model of this algorithm reads: {@link #prepare}, and for XGBoost a dense {@code
   * features} vector of the columns in order, NaN for missing. Dense on purpose: VectorAssembler
   * may emit sparse vectors, whose absent zeros XGBoost takes for missing values (the model was
   * markedly worse that way), and xgboost4j-spark 3.4.0's column-array input writes an input column
   * into rawPrediction when it scores. Batch and online scoring build the same vector.
   */
  public static Dataset<Row> modelInput(
      Dataset<Row> set, List<String> features, String label, Algorithm algorithm) {
    return modelInput(set, features, label, algorithm, List.of());
  }

  /** As above, keeping the {@code keep} columns (e.g. entity keys) as they are. */
  public static Dataset<Row> modelInput(
      Dataset<Row> set,
      List<String> features,
      String label,
      Algorithm algorithm,
      List<String> keep) {
    Dataset<Row> prepared = prepare(set, features, label, Double.NaN, keep);
    if (algorithm != Algorithm.XGBOOST) {
      return prepared;
    }
    Column[] values = features.stream().map(f -> col(f)).toArray(Column[]::new);
    return prepared.withColumn(
        FEATURES,
        org.apache.spark.ml.functions.array_to_vector(
            org.apache.spark.sql.functions.array(values)));
  }

  /**
   * Label as DOUBLE and every feature as DOUBLE: timestamps become days before the spine time,
   * booleans 0/1, missing values NULL (the pipelines impute or treat them as missing).
   */
  static Dataset<Row> prepare(
      Dataset<Row> set, List<String> features, String label, double missing, List<String> keep) {
    List<Column> cols = new ArrayList<>();
    keep.forEach(k -> cols.add(col(k)));
    cols.add(col("event_timestamp"));
    cols.add(
        label == null
            ? org.apache.spark.sql.functions.lit(null).cast(DataTypes.DoubleType).as(LABEL)
            : col(label).cast(DataTypes.DoubleType).as(LABEL));
    for (String f : features) {
      InputType type = typeOf(set.schema().apply(f).dataType(), f);
      Column c = encode(type, col(f), col("event_timestamp"));
      // Missing values: the estimator's own marker (XGBoost: 0, see pipeline; MLlib: NaN, which
      // the Imputer replaces).
      cols.add(
          org.apache
              .spark
              .sql
              .functions
              .coalesce(c, org.apache.spark.sql.functions.lit(missing))
              .as(f));
    }
    return set.select(cols.toArray(Column[]::new));
  }
}
