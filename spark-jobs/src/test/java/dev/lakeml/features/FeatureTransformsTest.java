package dev.lakeml.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.features.RequestFeatureSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The feature store's pure transforms (FeatureJob.compute, LabelSpine.build, RequestFeatures.apply)
 * on a few hand-made invoice lines, with the example project's own declarations, no Delta table.
 */
class FeatureTransformsTest {
  private final SparkSession spark = SharedSpark.session();

  static final Project PROJECT =
      ProjectLoader.load(
          Path.of(System.getProperty("lakeml.repo.root", ".."))
              .resolve("examples/online-retail/lakeml.yaml"));

  /** Invoice lines: (invoice_no, stock_code, customer_id, unit_price, is_cancellation, time). */
  private Dataset<Row> lines(String values) {
    return spark.sql(
        "SELECT invoice_no, stock_code, customer_id, CAST(unit_price AS DOUBLE) AS unit_price,"
            + " is_cancellation, CAST(t AS TIMESTAMP) AS invoice_ts FROM VALUES "
            + values
            + " AS l(invoice_no, stock_code, customer_id, unit_price, is_cancellation, t)");
  }

  private static FeatureViewSpec view(String name) {
    return PROJECT.features().view(name).orElseThrow();
  }

  private static LabelSpec label(String name) {
    return PROJECT.features().labels().stream()
        .filter(l -> l.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void windowsAreWholeDaysEndingAtTheLogicalDateIncluded() {
    Dataset<Row> rows =
        lines(
            "('1', 'A', 1L, 2.0, false, '2011-01-01 10:00:00'),"
                + " ('2', 'A', 2L, 4.0, false, '2011-01-20 10:00:00'),"
                + " ('C3', 'A', 2L, 3.0, true, '2011-01-25 09:00:00'),"
                + " ('4', 'B', 1L, 9.0, false, '2011-02-05 00:00:00')");
    FeatureViewSpec products = view("product_stats");
    List<Row> out =
        FeatureJob.compute(
                products,
                PROJECT.features().entity("product").orElseThrow(),
                rows,
                LocalDate.parse("2011-01-30"),
                LocalDate.parse("2011-01-31"))
            .orderBy("stock_code", IngestTables.LOGICAL_DATE)
            .collectAsList();
    // Product B's only line is after both dates: it has no row at all.
    assertThat(out).extracting(r -> r.<String>getAs("stock_code")).containsExactly("A", "A");
    Row jan30 = out.get(0);
    Row jan31 = out.get(1);
    assertThat(jan30.getDate(jan30.fieldIndex(IngestTables.LOGICAL_DATE)).toString())
        .isEqualTo("2011-01-30");
    // 30d on 2011-01-30: 2011-01-01 .. 2011-01-30, the first line included.
    assertThat(jan30.<Long>getAs("product_lines_30d")).isEqualTo(2L);
    assertThat(jan30.<Long>getAs("product_customers_30d")).isEqualTo(2L);
    assertThat(jan30.<Double>getAs("avg_price_30d")).isEqualTo(3.0);
    assertThat(jan30.<Double>getAs("last_price")).isEqualTo(4.0);
    assertThat(jan30.<Long>getAs("product_all_lines_90d")).isEqualTo(3L);
    assertThat(jan30.<Long>getAs("product_cancelled_90d")).isEqualTo(1L);
    assertThat(jan30.<Double>getAs("product_cancel_rate_90d")).isCloseTo(1 / 3.0, within(1e-12));
    // One day later the 2011-01-01 line has left the 30-day window but not the 90-day one.
    assertThat(jan31.<Long>getAs("product_lines_30d")).isEqualTo(1L);
    assertThat(jan31.<Long>getAs("product_customers_30d")).isEqualTo(1L);
    assertThat(jan31.<Double>getAs("avg_price_30d")).isEqualTo(4.0);
    assertThat(jan31.<Long>getAs("product_all_lines_90d")).isEqualTo(3L);
  }

  @Test
  void aChurnLabelCoversActiveCustomersAndOnlyCutoffsWhoseWindowHasEnded() {
    Dataset<Row> rows =
        lines(
            "('1', 'A', 1L, 1.0, false, '2011-01-10 12:00:00'),"
                + " ('2', 'A', 1L, 1.0, false, '2011-02-15 12:00:00'),"
                + " ('3', 'A', 2L, 1.0, false, '2011-01-20 12:00:00'),"
                + " ('C4', 'A', 2L, 1.0, true, '2011-02-20 12:00:00'),"
                + " ('5', 'A', 3L, 1.0, false, '2011-06-01 00:00:00')");
    List<Row> spine =
        LabelSpine.build(
                spark,
                label("churn_90d"),
                PROJECT.features().entity("customer").orElseThrow(),
                rows,
                LocalDate.parse("2011-02-01"),
                LocalDate.parse("2011-03-08"),
                35)
            .orderBy("customer_id")
            .collectAsList();
    // Cutoff 2011-02-01 is known on 2011-05-02, before the newest row (2011-06-01); cutoff
    // 2011-03-08 would be known on 2011-06-06, after it, so it is left out. Customer 3 was not
    // active before 2011-02-01. Customer 2's cancellation is not a purchase: churned.
    assertThat(spine).extracting(r -> r.<Long>getAs("customer_id")).containsExactly(1L, 2L);
    assertThat(spine).extracting(r -> r.<Integer>getAs("churn_90d")).containsExactly(0, 1);
    assertThat(spine)
        .extracting(r -> r.getTimestamp(r.fieldIndex(LabelSpine.KNOWN_AT)).toInstant().toString())
        .containsOnly("2011-05-02T00:00:00Z");
  }

  @Test
  void requestFeaturesRunTheServingTransformsOnTrainingColumns() {
    Dataset<Row> set =
        spark.sql(
            "SELECT CAST(2.55 AS DOUBLE) AS unit_price, CAST(1.7 AS DOUBLE) AS avg_price_30d,"
                + " TIMESTAMP'2011-10-01 10:00:00' AS invoice_ts,"
                + " TIMESTAMP'2011-09-21 04:00:00' AS last_purchase_ts");
    List<RequestFeatureSpec> specs = PROJECT.features().requestFeatures();
    List<String> added = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    Row r = RequestFeatures.apply(set, specs, added, skipped).first();
    assertThat(added).containsExactly("price_vs_product_avg", "days_since_last_purchase");
    assertThat(skipped).isEmpty();
    assertThat(r.<Double>getAs("price_vs_product_avg")).isCloseTo(1.5, within(1e-12));
    assertThat(r.<Double>getAs("days_since_last_purchase")).isEqualTo(10.25);

    List<String> addedWithout = new ArrayList<>();
    List<String> skippedWithout = new ArrayList<>();
    Dataset<Row> withoutAverage =
        RequestFeatures.apply(set.drop("avg_price_30d"), specs, addedWithout, skippedWithout);
    assertThat(addedWithout).containsExactly("days_since_last_purchase");
    assertThat(skippedWithout).containsExactly("price_vs_product_avg");
    assertThat(withoutAverage.columns()).doesNotContain("price_vs_product_avg");
  }
}
