package dev.lakeml.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.testing.SharedSpark;
import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The point-in-time semantics, one rule per test, on small hand-made tables. */
class PointInTimeJoinTest {
  private final SparkSession spark = SharedSpark.session();

  /** Customer features: (customer_id, event_timestamp, created_timestamp, spend). */
  private Dataset<Row> customerRows(String values) {
    return spark.sql(
        "SELECT customer_id, CAST(e AS TIMESTAMP) AS event_timestamp,"
            + " CAST(c AS TIMESTAMP) AS created_timestamp, CAST(spend AS DOUBLE) AS spend FROM VALUES "
            + values
            + " AS t(customer_id, e, c, spend)");
  }

  private PointInTimeJoin.ViewInput customers(Dataset<Row> rows, Duration ttl) {
    return new PointInTimeJoin.ViewInput(
        "customer_activity", rows, List.of("customer_id"), List.of("spend"), ttl);
  }

  private Dataset<Row> spine(String values) {
    return spark.sql(
        "SELECT customer_id, CAST(t AS TIMESTAMP) AS event_timestamp, tag FROM VALUES "
            + values
            + " AS s(customer_id, t, tag)");
  }

  private List<Row> join(Dataset<Row> spine, boolean asKnownAt, PointInTimeJoin.ViewInput... v) {
    return PointInTimeJoin.join(spine, "event_timestamp", List.of(v), asKnownAt)
        .orderBy("tag")
        .collectAsList();
  }

  private static final String HISTORY =
      "(1L, '2011-01-01 00:00:00', '2011-01-01 00:00:00', 10.0),"
          + " (1L, '2011-01-05 00:00:00', '2011-01-05 00:00:00', 50.0),"
          + " (1L, '2011-01-10 00:00:00', '2011-01-10 00:00:00', 100.0)";

  @Test
  void theNewestRowAtOrBeforeTheSpineTimeWinsAndTheBoundIsInclusive() {
    List<Row> out =
        join(
            spine(
                "(1L, '2011-01-05 00:00:00', 'a'), (1L, '2011-01-04 23:59:59', 'b'),"
                    + " (1L, '2011-02-01 00:00:00', 'c')"),
            false,
            customers(customerRows(HISTORY), Duration.ZERO));
    assertThat(out).extracting(r -> r.getAs("spend")).containsExactly(50.0, 10.0, 100.0);
  }

  @Test
  void aRowOlderThanTheTtlGivesNullsAndTtlZeroIsUnbounded() {
    Dataset<Row> s =
        spine(
            "(1L, '2011-01-12 00:00:00', 'a'), (1L, '2011-01-12 00:00:01', 'b'),"
                + " (1L, '2012-06-01 00:00:00', 'c')");
    List<Row> ttl2d = join(s, false, customers(customerRows(HISTORY), Duration.ofDays(2)));
    // 'a': the 2011-01-10 row is exactly 2 days old (kept); 'b': one second older than the TTL.
    assertThat(ttl2d).extracting(r -> r.getAs("spend")).containsExactly(100.0, null, null);
    List<Row> unbounded = join(s, false, customers(customerRows(HISTORY), Duration.ZERO));
    assertThat(unbounded).extracting(r -> r.getAs("spend")).containsExactly(100.0, 100.0, 100.0);
  }

  @Test
  void anEntityWithoutHistoryOrWithOnlyFutureRowsKeepsItsSpineRowWithNulls() {
    List<Row> out =
        join(
            spine("(1L, '2010-12-31 23:59:59', 'a'), (7L, '2011-01-20 00:00:00', 'b')"),
            false,
            customers(customerRows(HISTORY), Duration.ZERO));
    assertThat(out).hasSize(2);
    assertThat(out).extracting(r -> r.getAs("spend")).containsExactly(null, null);
    assertThat(out).extracting(r -> r.getAs("customer_id")).containsExactly(1L, 7L);
  }

  @Test
  void onEqualEventTimesTheLaterCreatedRowWinsAndAFullTieGoesToTheGreatestValues() {
    Dataset<Row> rows =
        customerRows(
            "(1L, '2011-01-05 00:00:00', '2011-01-06 00:00:00', 1.0),"
                + " (1L, '2011-01-05 00:00:00', '2011-01-07 00:00:00', 2.0),"
                + " (2L, '2011-01-05 00:00:00', '2011-01-07 00:00:00', 3.0),"
                + " (2L, '2011-01-05 00:00:00', '2011-01-07 00:00:00', 4.0),"
                + " (2L, '2011-01-05 00:00:00', '2011-01-07 00:00:00', NULL)");
    List<Row> out =
        join(
            spine("(1L, '2011-02-01 00:00:00', 'a'), (2L, '2011-02-01 00:00:00', 'b')"),
            false,
            customers(rows, Duration.ZERO));
    assertThat(out).extracting(r -> r.getAs("spend")).containsExactly(2.0, 4.0);
    // The same tie in the other input order gives the same answer.
    List<Row> reversed =
        join(
            spine("(1L, '2011-02-01 00:00:00', 'a'), (2L, '2011-02-01 00:00:00', 'b')"),
            false,
            customers(
                rows.orderBy(org.apache.spark.sql.functions.col("spend").desc()), Duration.ZERO));
    assertThat(reversed).extracting(r -> r.getAs("spend")).containsExactly(2.0, 4.0);
  }

  @Test
  void spineRowsAreKeptOneForOneWithDuplicatesAndExtraColumns() {
    Dataset<Row> s =
        spine(
            "(1L, '2011-01-06 00:00:00', 'a'), (1L, '2011-01-06 00:00:00', 'a'),"
                + " (1L, '2011-01-06 00:00:00', 'b')");
    Dataset<Row> out =
        PointInTimeJoin.join(
            s, "event_timestamp", List.of(customers(customerRows(HISTORY), Duration.ZERO)), false);
    assertThat(out.columns()).containsExactly("customer_id", "event_timestamp", "tag", "spend");
    assertThat(out.count()).isEqualTo(3);
    assertThat(out.where("tag = 'a' AND spend = 50.0").count()).isEqualTo(2);
  }

  @Test
  void severalViewsWithCompositeKeysAndDifferentTtlsInOneRequest() {
    Dataset<Row> lines =
        spark.sql(
            "SELECT invoice_no, stock_code, CAST(e AS TIMESTAMP) AS event_timestamp,"
                + " CAST(e AS TIMESTAMP) AS created_timestamp, qty FROM VALUES"
                + " ('536365', '85123A', '2011-01-05 00:00:00', 6L),"
                + " ('536365', '71053', '2011-01-05 00:00:00', 8L),"
                + " ('536366', '85123A', '2011-01-01 00:00:00', 2L)"
                + " AS t(invoice_no, stock_code, e, qty)");
    PointInTimeJoin.ViewInput lineView =
        new PointInTimeJoin.ViewInput(
            "lines",
            lines,
            List.of("invoice_no", "stock_code"),
            List.of("qty"),
            Duration.ofDays(3));
    Dataset<Row> s =
        spark.sql(
            "SELECT * FROM VALUES"
                + " (1L, '536365', '85123A', CAST('2011-01-06 00:00:00' AS TIMESTAMP), 'a'),"
                + " (1L, '536365', '71053', CAST('2011-01-06 00:00:00' AS TIMESTAMP), 'b'),"
                + " (1L, '536366', '85123A', CAST('2011-01-06 00:00:00' AS TIMESTAMP), 'c')"
                + " AS s(customer_id, invoice_no, stock_code, event_timestamp, tag)");
    List<Row> out =
        PointInTimeJoin.join(
                s,
                "event_timestamp",
                List.of(customers(customerRows(HISTORY), Duration.ofDays(30)), lineView),
                false)
            .orderBy("tag")
            .collectAsList();
    assertThat(out).extracting(r -> r.getAs("spend")).containsExactly(50.0, 50.0, 50.0);
    // 'c': its line row is 5 days old, beyond the 3-day TTL of that view only.
    assertThat(out).extracting(r -> r.getAs("qty")).containsExactly(6L, 8L, null);
  }

  @Test
  void spineTimesInOtherZonesAreNormalisedToUtc() {
    Dataset<Row> s =
        spark.sql(
            "SELECT * FROM VALUES (1L, '2011-01-05T01:30:00+02:00', 'a'),"
                + " (1L, '2011-01-05T00:30:00+00:00', 'b') AS s(customer_id, event_timestamp, tag)");
    List<Row> out = join(s, false, customers(customerRows(HISTORY), Duration.ZERO));
    // 01:30 at +02:00 is 23:30 UTC the day before: the 2011-01-05 row is not yet there.
    assertThat(out).extracting(r -> r.getAs("spend")).containsExactly(10.0, 50.0);
    assertThat(out.get(0).getTimestamp(1).toInstant().toString()).isEqualTo("2011-01-04T23:30:00Z");
  }

  @Test
  void asKnownAtIgnoresRowsCreatedAfterTheSpineTime() {
    Dataset<Row> rows =
        customerRows(
            "(1L, '2011-01-01 00:00:00', '2011-01-01 00:00:00', 10.0),"
                + " (1L, '2011-01-05 00:00:00', '2011-01-09 00:00:00', 50.0)");
    Dataset<Row> s = spine("(1L, '2011-01-06 00:00:00', 'a'), (1L, '2011-01-09 00:00:00', 'b')");
    assertThat(join(s, false, customers(rows, Duration.ZERO)))
        .extracting(r -> r.getAs("spend"))
        .containsExactly(50.0, 50.0);
    assertThat(join(s, true, customers(rows, Duration.ZERO)))
        .extracting(r -> r.getAs("spend"))
        .containsExactly(10.0, 50.0);
  }

  @Test
  void aSpineWithMissingKeysOrTimesIsRefusedWithCounts() {
    Dataset<Row> s =
        spark.sql(
            "SELECT * FROM VALUES (1L, '2011-01-05 00:00:00'), (NULL, '2011-01-05 00:00:00'),"
                + " (2L, NULL), (3L, 'yesterday') AS s(customer_id, event_timestamp)");
    assertThatThrownBy(() -> PointInTimeJoin.check(s, "event_timestamp", List.of("customer_id")))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining("1 rows have no customer_id")
        .hasMessageContaining("1 rows have no event_timestamp")
        .hasMessageContaining("'yesterday'");
    assertThatThrownBy(
            () -> PointInTimeJoin.check(s, "event_timestamp", List.of("customer_id", "stock_code")))
        .hasMessageContaining("no column 'stock_code'");
  }

  @Test
  void agreesWithTheNaivePlanOnRandomData() {
    Dataset<Row> rows =
        spark
            .sql(
                "SELECT id % 50 AS customer_id,"
                    + " CAST(TIMESTAMP'2011-01-01 00:00:00' + make_interval(0, 0, 0, 0, id % 97, 0, 0)"
                    + " AS TIMESTAMP) AS event_timestamp,"
                    + " TIMESTAMP'2011-01-01 00:00:00' AS created_timestamp,"
                    + " CAST(id AS DOUBLE) AS spend FROM range(0, 4000)"
                    + " WHERE id % 97 <> id % 13") // some gaps
            .dropDuplicates("customer_id", "event_timestamp");
    Dataset<Row> s =
        spark.sql(
            "SELECT id % 60 AS customer_id, TIMESTAMP'2010-12-31 12:00:00'"
                + " + make_interval(0, 0, 0, 0, (id * 7) % 120, 30, 0) AS event_timestamp,"
                + " CAST(id AS STRING) AS tag FROM range(0, 3000)");
    PointInTimeJoin.ViewInput v = customers(rows, Duration.ZERO);
    Dataset<Row> ours =
        PointInTimeJoin.join(s, "event_timestamp", List.of(v), false).localCheckpoint(true);
    Dataset<Row> naive = PointInTimeJoin.naive(s, "event_timestamp", v).localCheckpoint(true);
    assertThat(ours.count()).isEqualTo(3000);
    assertThat(ours.exceptAll(naive).count()).isZero();
    assertThat(naive.exceptAll(ours).count()).isZero();
    assertThat(ours.where("spend IS NOT NULL").count()).isGreaterThan(1000);
  }
}
