package dev.lakeml.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.testing.SharedSpark;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.CommandExecutionMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The read-only rule on analysed plans, statement by statement: reading statements pass, every kind
 * of write, DDL, cache and code loading is refused naming its command. Statements are only analysed
 * here, never run.
 */
class ReadOnlyCheckTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static String table;

  @BeforeAll
  static void aDeltaTable() {
    spark = SharedSpark.session();
    table = "delta.`" + dir.resolve("t") + "`";
    // Two versions, so that RESTORE to version 0 is a real restore (to the current one is a no-op).
    for (int i = 0; i < 2; i++) {
      spark
          .range(3)
          .selectExpr("id", "id * 2 AS v")
          .write()
          .format("delta")
          .mode("append")
          .save(dir.resolve("t").toString());
    }
  }

  private static LogicalPlan analysed(String sql) throws Exception {
    LogicalPlan parsed = spark.sessionState().sqlParser().parsePlan(sql);
    return spark.sessionState().executePlan(parsed, CommandExecutionMode.SKIP()).analyzed();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT id, v FROM %s WHERE id = 1",
        "WITH x AS (SELECT * FROM %s) SELECT count(*) FROM x",
        "SELECT * FROM %s VERSION AS OF 0",
        "DESCRIBE %s",
        "DESCRIBE HISTORY %s",
        "DESCRIBE DETAIL %s",
        "SHOW COLUMNS IN %s",
        "EXPLAIN SELECT * FROM %s",
        "SHOW TABLES",
        "SHOW DATABASES",
        "SET spark.sql.shuffle.partitions=2",
        "USE default"
      })
  void readingStatementsPass(String sql) {
    assertThatCode(() -> ReadOnlyCheck.check(analysed(sql.formatted(table))))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "INSERT INTO %s SELECT * FROM %s",
        "INSERT OVERWRITE %s SELECT * FROM %s",
        "DELETE FROM %s WHERE id = 1",
        "UPDATE %s SET v = 0",
        "MERGE INTO %s t USING %s s ON t.id = s.id WHEN MATCHED THEN DELETE",
        "OPTIMIZE %s",
        "VACUUM %s",
        "RESTORE TABLE %s TO VERSION AS OF 0",
        "ALTER TABLE %s ADD COLUMNS (w INT)",
        "DROP TABLE %s",
        "CREATE TABLE lakeml_x USING delta AS SELECT * FROM %s",
        "CREATE TEMPORARY VIEW lakeml_v AS SELECT * FROM %s",
        "CACHE TABLE %s",
        "ADD JAR /tmp/x.jar",
        "CREATE FUNCTION f AS 'x.Y'",
        "INSERT OVERWRITE DIRECTORY '/tmp/lakeml-out' USING parquet SELECT * FROM %s"
      })
  void everyOtherCommandIsRefusedByName(String sql) throws Exception {
    assertThatThrownBy(() -> ReadOnlyCheck.check(analysed(sql.formatted(table, table))))
        .isInstanceOf(SqlServerErrors.Refused.class)
        .hasMessageStartingWith("lakeml sql-server is read-only: ")
        .hasMessageContaining(" is refused.");
    // Analysis ran nothing: the table still has its two writes only.
    assertThat(
            io.delta.tables.DeltaTable.forPath(spark, dir.resolve("t").toString())
                .history()
                .select("operation")
                .collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("WRITE", "WRITE");
  }
}
