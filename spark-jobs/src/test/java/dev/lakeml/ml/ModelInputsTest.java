package dev.lakeml.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.artifact.FeatureEncoder;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.testing.SharedSpark;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Training encodes model inputs in Spark SQL; batch scoring and the serving API encode them with
 * {@link FeatureEncoder}. On the same rows the two must give the same doubles, bit for bit, or a
 * model would see other numbers in production than in training.
 */
class ModelInputsTest {
  private final SparkSession spark = SharedSpark.session();

  static final StructType SCHEMA =
      new StructType()
          .add("event_timestamp", DataTypes.TimestampType, false)
          .add("label", DataTypes.IntegerType, true)
          .add("last_seen", DataTypes.TimestampType, true)
          .add("is_gold", DataTypes.BooleanType, true)
          .add("orders", DataTypes.LongType, true)
          .add("items", DataTypes.IntegerType, true)
          .add("spend", DataTypes.createDecimalType(12, 2), true)
          .add("ratio", DataTypes.DoubleType, true);

  static final List<String> FEATURES =
      List.of("last_seen", "is_gold", "orders", "items", "spend", "ratio");

  static Timestamp ts(String instant) {
    return Timestamp.from(Instant.parse(instant));
  }

  static List<Row> rows() {
    return List.of(
        RowFactory.create(
            ts("2011-03-01T00:00:00Z"),
            1,
            ts("2011-02-13T17:45:12.123456Z"),
            true,
            42L,
            7,
            new BigDecimal("1234.55"),
            0.1 + 0.2),
        RowFactory.create(
            ts("2011-03-01T12:30:00.000001Z"),
            0,
            ts("2011-03-02T00:00:00Z"), // after the spine time: negative days
            false,
            -3L,
            0,
            new BigDecimal("-0.01"),
            1e-300),
        RowFactory.create(ts("2011-03-01T00:00:00Z"), null, null, null, null, null, null, null),
        RowFactory.create(
            ts("2038-01-19T03:14:08Z"),
            1,
            ts("1970-01-01T00:00:00.000001Z"),
            true,
            Long.MAX_VALUE,
            Integer.MIN_VALUE,
            new BigDecimal("9999999999.99"),
            Double.MAX_VALUE));
  }

  @Test
  void sparkEncodesEveryInputTypeAsTheRuntimeDoes() {
    Dataset<Row> set = spark.createDataFrame(rows(), SCHEMA);
    List<ModelRegistry.Input> signature = ModelInputs.signature(set, FEATURES);
    assertThat(signature)
        .extracting(ModelRegistry.Input::type)
        .containsExactly("days_before", "boolean", "double", "double", "double", "double");
    List<ModelInput> inputs =
        signature.stream().map(i -> new ModelInput(i.name(), InputType.parse(i.type()))).toList();
    FeatureEncoder encoder = new FeatureEncoder(inputs);

    List<Row> spark =
        ModelInputs.modelInput(set, FEATURES, "label", Algorithm.XGBOOST)
            .orderBy("event_timestamp", "label")
            .collectAsList();
    List<Row> source = new ArrayList<>(rows());
    source.sort(
        (a, b) -> {
          int byTime = a.getTimestamp(0).compareTo(b.getTimestamp(0));
          if (byTime != 0) {
            return byTime;
          }
          return a.isNullAt(1) ? -1 : b.isNullAt(1) ? 1 : Integer.compare(a.getInt(1), b.getInt(1));
        });
    assertThat(spark).hasSize(source.size());
    for (int i = 0; i < source.size(); i++) {
      Row raw = source.get(i);
      Object[] values = new Object[FEATURES.size()];
      for (int j = 0; j < values.length; j++) {
        values[j] = raw.get(j + 2);
      }
      double[] runtime = encoder.encode(values, raw.getTimestamp(0).toInstant());
      double[] trained = new double[FEATURES.size()];
      for (int j = 0; j < trained.length; j++) {
        Row r = spark.get(i);
        trained[j] =
            r.isNullAt(r.fieldIndex(FEATURES.get(j)))
                ? Double.NaN
                : r.getDouble(r.fieldIndex(FEATURES.get(j)));
      }
      assertThat(bits(trained))
          .as(
              "row %d: Spark %s vs runtime %s",
              i, Arrays.toString(trained), Arrays.toString(runtime))
          .containsExactly(bits(runtime));
    }
  }

  @Test
  void refusesAColumnThatIsNotAnInput() {
    assertThatThrownBy(() -> ModelInputs.typeOf(DataTypes.StringType, "country"))
        .hasMessage("feature country is STRING; models take numbers, booleans and timestamps");
  }

  private static long[] bits(double[] values) {
    return Arrays.stream(values).mapToLong(Double::doubleToLongBits).toArray();
  }
}
