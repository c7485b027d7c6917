package dev.lakeml.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lakeml.testing.SharedSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Top-k lists judged on small frames whose metrics are worked out by hand. */
class RankingTransformsTest {
  private static final Date D = Date.valueOf("2011-09-01");

  private static Dataset<Row> lists() {
    StructType schema =
        new StructType()
            .add(RankingTransforms.DATE, DataTypes.DateType)
            .add(RankingTransforms.USER, DataTypes.StringType)
            .add(RankingTransforms.ITEMS, DataTypes.createArrayType(DataTypes.StringType))
            .add(RankingTransforms.VERSION, DataTypes.IntegerType);
    return SharedSpark.session()
        .createDataFrame(
            List.of(
                RowFactory.create(D, "u1", new String[] {"a", "b", "c"}, 2),
                RowFactory.create(D, "u2", new String[] {"x", "y", "z"}, 2),
                RowFactory.create(D, "u3", new String[] {"a"}, 2),
                RowFactory.create(D, "u4", new String[] {"a", "b", "c"}, 2)),
            schema);
  }

  /** Purchases: user, item, day of September 2011 (the horizon after D is the 2nd to the 3rd). */
  private static Dataset<Row> events(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(
          RowFactory.create(
              r[0],
              r[1],
              Timestamp.valueOf("2011-09-" + String.format("%02d", r[2]) + " 12:00:00")));
    }
    return SharedSpark.session()
        .createDataFrame(
            out,
            new StructType()
                .add(RankingTransforms.USER, DataTypes.StringType)
                .add("item", DataTypes.StringType)
                .add("ts", DataTypes.TimestampType));
  }

  private static Dataset<Row> dates() {
    return SharedSpark.session()
        .createDataFrame(
            List.of(RowFactory.create(D)),
            new StructType().add(RankingTransforms.DATE, DataTypes.DateType));
  }

  @Test
  void listsAreJudgedAgainstTheItemsBoughtInTheHorizonOnly() {
    Dataset<Row> events =
        events(
            new Object[] {"u1", "b", 2}, // hit at rank 2
            new Object[] {"u1", "d", 3}, // bought, not listed
            new Object[] {"u1", "a", 1}, // the prediction's own day: before the horizon
            new Object[] {"u1", "c", 4}, // after the 2-day horizon
            new Object[] {"u2", "q", 2}, // no hit
            new Object[] {"u3", "a", 3}, // hit at rank 1 of a list of one
            new Object[] {"u5", "a", 2}); // bought, but got no list
    Dataset<Row> judged =
        RankingTransforms.judged(lists(), RankingTransforms.truth(events, dates(), 2));
    Row m = RankingTransforms.metrics(judged, 2).first();
    assertThat(m.<Long>getAs("rows")).isEqualTo(3); // u1, u2, u3; u4 bought nothing
    assertThat(m.<Long>getAs("positives")).isEqualTo(2);
    // precision@2: u1 1/2, u2 0, u3 1/2 (k counts, not the list's length).
    assertThat(m.<Double>getAs("precision_at_2")).isCloseTo(1.0 / 3, within(1e-12));
    // recall@2: u1 1/2 (b of {b, d}), u2 0, u3 1.
    assertThat(m.<Double>getAs("recall_at_2")).isCloseTo(0.5, within(1e-12));
    // AP@2: u1 (1/2) / min(2, 2) = 0.25, u2 0, u3 (1/1) / min(2, 1) = 1.
    assertThat(m.<Double>getAs("map_at_2")).isCloseTo(1.25 / 3, within(1e-12));
    assertThat(m.<Double>getAs("hit_rate_at_2")).isCloseTo(2.0 / 3, within(1e-12));
    Row u = RankingTransforms.unmatched(judged).first();
    assertThat(Map.of("labels", u.getLong(1), "lists", u.getLong(2)))
        .isEqualTo(Map.of("labels", 1L, "lists", 1L)); // u5 without a list, u4 without a buy
  }
}
