package dev.lakeml.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The skew counts on small frames whose outcome is worked out by hand. */
class SkewTransformsTest {
  private static final StructType SCHEMA =
      new StructType()
          .add(SkewTransforms.REQUEST_ID, DataTypes.StringType)
          .add(SkewTransforms.online(0), DataTypes.DoubleType)
          .add(SkewTransforms.offline(0), DataTypes.DoubleType)
          .add(SkewTransforms.online(1), DataTypes.DoubleType)
          .add(SkewTransforms.offline(1), DataTypes.DoubleType);

  private static final List<SkewTransforms.Input> INPUTS =
      List.of(
          new SkewTransforms.Input("spend_90d", "view customer_activity"),
          new SkewTransforms.Input("days_since_last", "view customer_activity"));

  private static Dataset<Row> frame(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r));
    }
    return SharedSpark.session().createDataFrame(out, SCHEMA);
  }

  @Test
  void everyRequestIsMatchedMismatchedOrMissingOnOneSide() {
    Dataset<Row> rows =
        frame(
            new Object[] {"r1", 10.0, 10.0, 1.5, 1.5},
            // Decimal text read back: within the tolerance.
            new Object[] {"r2", 0.1 + 0.2, 0.3, 2.0, 2.0},
            new Object[] {"r3", 12.0, 11.0, null, null}, // differs; both missing is a match
            new Object[] {"r4", null, 5.0, Double.NaN, 3.0}, // NaN is missing, as NULL
            new Object[] {"r5", 7.0, null, 4.0, 4.5});
    List<SkewMeasure> m = SkewTransforms.compare(rows, INPUTS, 40);

    SkewMeasure spend = m.get(0);
    assertThat(spend.status()).isEqualTo(SkewMeasure.OK);
    assertThat(spend.requests()).isEqualTo(40);
    assertThat(spend.sampled()).isEqualTo(5);
    assertThat(spend.matched()).isEqualTo(2);
    assertThat(spend.mismatched()).isEqualTo(1);
    assertThat(spend.missingOnline()).isEqualTo(1);
    assertThat(spend.missingOffline()).isEqualTo(1);
    assertThat(spend.mismatchRate()).isEqualTo(0.6);
    assertThat(spend.maxAbsDifference()).isEqualTo(1.0);
    // The example is the smallest differing request id, with both values.
    assertThat(spend.example()).isEqualTo("r3: online 12.0, offline 11.0");

    SkewMeasure days = m.get(1);
    assertThat(days.matched()).isEqualTo(3);
    assertThat(days.mismatched()).isEqualTo(1);
    assertThat(days.missingOnline()).isEqualTo(1);
    assertThat(days.missingOffline()).isZero();
    assertThat(days.maxAbsDifference()).isEqualTo(0.5);
    assertThat(days.example()).isEqualTo("r4: online missing, offline 3.0");
  }

  @Test
  void aRelativeDifferenceAboveTheToleranceIsAMismatchOfLargeValues() {
    double big = 1e12;
    Dataset<Row> rows =
        frame(
            new Object[] {"a", big, big * (1 + SkewTransforms.TOLERANCE / 2), 0.0, 0.0},
            new Object[] {"b", big, big * (1 + SkewTransforms.TOLERANCE * 4), 0.0, 1e-12});
    List<SkewMeasure> m = SkewTransforms.compare(rows, INPUTS, 2);
    assertThat(m.get(0).matched()).isEqualTo(1);
    assertThat(m.get(0).mismatched()).isEqualTo(1);
    // Below 1 the tolerance is absolute: 1e-12 apart is equal.
    assertThat(m.get(1).matched()).isEqualTo(2);
  }

  @Test
  void anEmptySampleSaysNoDataAndHasNoRate() {
    List<SkewMeasure> m = SkewTransforms.compare(frame(), INPUTS, 0);
    assertThat(m)
        .allSatisfy(
            s -> {
              assertThat(s.status()).isEqualTo(SkewMeasure.NO_DATA);
              assertThat(s.sampled()).isZero();
              assertThat(s.mismatchRate()).isNaN();
              assertThat(s.maxAbsDifference()).isNaN();
              assertThat(s.example()).isNull();
            });
  }

  @Test
  void theSampleIsTheSameRequestsWhateverTheirOrder() {
    Object[][] rows =
        IntStream.range(0, 200)
            .mapToObj(i -> new Object[] {"req-" + i, 1.0, 1.0, 1.0, 1.0})
            .toArray(Object[][]::new);
    List<Object[]> reversed = new ArrayList<>(List.of(rows));
    java.util.Collections.reverse(reversed);
    List<String> one = ids(SkewTransforms.sample(frame(rows).repartition(3), 25));
    List<String> two =
        ids(SkewTransforms.sample(frame(reversed.toArray(Object[][]::new)).repartition(5), 25));
    assertThat(one).hasSize(25).containsExactlyInAnyOrderElementsOf(two);
  }

  private static List<String> ids(Dataset<Row> rows) {
    return rows.select(SkewTransforms.REQUEST_ID)
        .as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
  }
}
