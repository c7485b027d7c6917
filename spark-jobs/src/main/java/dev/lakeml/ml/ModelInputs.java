package dev.lakeml.ml;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_micros;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.artifact.FeatureEncoder;
import dev.lakeml.schemas.artifact.InputType;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/**
 * The model inputs' encoding in Spark: the column expression of each {@link InputType}, with the
 * same arithmetic as {@link FeatureEncoder}, which batch scoring and the serving API call. A
 * training row and a served request therefore give a model the same numbers (ModelInputsTest checks
 * it on the same rows, bit for bit).
 */
final class ModelInputs {
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
    throw new LakehouseException(
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
  static Column encode(InputType type, Column value, Column reference) {
    return switch (type) {
      case DOUBLE, BOOLEAN -> value.cast(DataTypes.DoubleType);
      case DAYS_BEFORE ->
          unix_micros(reference)
              .minus(unix_micros(value))
              .cast(DataTypes.DoubleType)
              .divide(lit(FeatureEncoder.MICROS_PER_DAY));
    };
  }
}
