package dev.lakeml.ingest;

import static dev.lakeml.schemas.tables.IngestTables.FAILED_RULES;
import static dev.lakeml.schemas.tables.IngestTables.REASON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.testing.RawRecords;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.TestProject;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationTest {
  @TempDir static Path dir;
  static SourceSpec source;
  static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = SharedSpark.session();
    source = TestProject.create(dir, "none").load().source("orders").orElseThrow();
  }

  private static Row classifyOne(String... raw) {
    return Validation.classify(RawRecords.of(spark, raw), source).first();
  }

  private static List<String> failed(Row r) {
    return r.getList(r.fieldIndex(FAILED_RULES));
  }

  @Test
  void acceptsAValidRecordAndTypesItsValues() {
    Row r = classifyOne("O1", "1", "17850.0", "12.50", "2011-01-10 09:30:00", "PAID");
    assertThat(failed(r)).isEmpty();
    assertThat(r.getString(r.fieldIndex(REASON))).isEmpty();
    assertThat(r.<Long>getAs("customer")).isEqualTo(17850L);
    assertThat(r.<Integer>getAs("line")).isEqualTo(1);
    assertThat(r.<BigDecimal>getAs("amount")).isEqualByComparingTo("12.50");
  }

  @Test
  void convertsLocalTimestampsFromTheSourceZoneToUtc() {
    // London is UTC+0 in January and UTC+1 (BST) in July.
    Row winter = classifyOne("O1", "1", "1", "1", "2011-01-10 09:30:00", "NEW");
    Row summer = classifyOne("O1", "1", "1", "1", "2011-07-10 09:30:00", "NEW");
    assertThat(winter.<Timestamp>getAs("ordered_at").toInstant())
        .hasToString("2011-01-10T09:30:00Z");
    assertThat(summer.<Timestamp>getAs("ordered_at").toInstant())
        .hasToString("2011-07-10T08:30:00Z");
  }

  @Test
  void reportsValuesThatAreNotOfTheColumnsType() {
    Row r = classifyOne("O1", "1.5", "abc", "12,50", "10/01/2011 09:30", "NEW");
    assertThat(failed(r))
        .containsExactly("parse:line", "parse:customer", "parse:amount", "parse:ordered_at");
    assertThat(r.getString(r.fieldIndex(REASON)))
        .contains("line: '1.5' is not a valid int (column Line)")
        .contains("customer: 'abc' is not a valid bigint (column Customer)")
        .contains(
            "ordered_at: '10/01/2011 09:30' is not a valid timestamp in format yyyy-MM-dd HH:mm:ss");
  }

  @Test
  void requiresKeyAndNonNullableColumns() {
    Row r = classifyOne("", null, "1", "5", "2011-01-10 09:30:00", "NEW");
    assertThat(failed(r)).containsExactly("required:order_id", "required:line");
    assertThat(r.getString(r.fieldIndex(REASON)))
        .contains("order_id is empty but required (column OrderId)");
  }

  @Test
  void appliesRangeRegexAllowedValuesAndSqlRules() {
    Row r = classifyOne("X9", "1", null, "-3.00", "2011-01-10 09:30:00", "PAID");
    assertThat(failed(r))
        .containsExactly("amount_positive", "order_id_format", "customer_for_paid");
    assertThat(r.getString(r.fieldIndex(REASON)))
        .contains("amount_positive: outside [0.01, +inf] (amount=-3.00)")
        .contains("order_id_format: does not match ^O[0-9]+$ (order_id=X9)")
        .contains("customer_for_paid: a paid order names its customer");
    Row status = classifyOne("O1", "1", "1", "1", "2011-01-10 09:30:00", "LOST");
    assertThat(failed(status)).containsExactly("known_status");
  }

  @Test
  void flagsRecordsThatCouldNotBeSplit() {
    Row r =
        classifyOne(
            "O1",
            "1",
            "1",
            "1",
            "2011-01-10 09:30:00",
            "NEW",
            "O1,1,1,1,2011-01-10 09:30:00,NEW,extra");
    assertThat(failed(r)).containsExactly(Validation.MALFORMED_RULE);
    assertThat(r.getString(r.fieldIndex(REASON)))
        .contains("could not be split into the 6 expected fields");
  }

  @Test
  void listsEveryRuleARowCanFail() {
    assertThat(Validation.ruleNames(source))
        .containsExactly(
            "malformed_record",
            "required:order_id",
            "parse:line",
            "required:line",
            "parse:customer",
            "parse:amount",
            "required:amount",
            "parse:ordered_at",
            "required:ordered_at",
            "amount_positive",
            "order_id_format",
            "known_status",
            "customer_for_paid");
  }

  @Test
  void refusesAnInvalidSqlRuleBeforeReadingData() {
    TestProject p =
        TestProject.create(
            dir.resolve("bad-sql"),
            "none",
            TestProject.SOURCE_YAML
                .formatted("")
                .replace("status <> 'PAID' OR customer IS NOT NULL", "no_such_column > 1"));
    SourceSpec bad = p.load().source("orders").orElseThrow();
    assertThatThrownBy(() -> Validation.checkExpressions(spark, bad))
        .isInstanceOf(LakehouseException.class)
        .hasMessageContaining(
            "rule customer_for_paid 'no_such_column > 1' is not a valid Spark SQL expression")
        .hasMessageContaining("no_such_column");
  }
}
