package dev.lakeml.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.testing.RawRecords;
import dev.lakeml.testing.SharedSpark;
import dev.lakeml.testing.TestProject;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestTransformsTest {
  @TempDir Path dir;

  @Test
  void keepsTheFirstValidRecordOfAKeyAndMarksTheRestAsDuplicates() {
    SparkSession spark = SharedSpark.session();
    SourceSpec source = TestProject.create(dir, "none").load().source("orders").orElseThrow();
    Dataset<Row> raw =
        RawRecords.withOrigin(
            spark,
            new Object[] {"O1", "1", "1", "5", "2011-01-10 09:30:00", "NEW", null, "b.csv", 1L},
            new Object[] {"O1", "1", "1", "6", "2011-01-10 09:30:00", "NEW", null, "a.csv", 2L},
            new Object[] {"O1", "1", "1", "-1", "2011-01-10 09:30:00", "NEW", null, "a.csv", 1L},
            new Object[] {"O2", "1", "1", "5", "2011-01-10 09:30:00", "NEW", null, "a.csv", 3L},
            new Object[] {"O3", "1", "1", "5", "2011-01-10 09:30:00", "NEW", null, "a.csv", 4L});
    Dataset<Row> existing =
        RawRecords.withOrigin(
                spark, new Object[] {"O3", "1", null, null, null, null, null, "old.csv", 1L})
            .selectExpr("order_id", "CAST(line AS INT) AS line");
    List<Row> outcome =
        IngestTransforms.decideOutcome(Validation.classify(raw, source), source, existing)
            .selectExpr("order_id", "_source_file", "_row_number", IngestTransforms.OUTCOME)
            .orderBy("order_id", "_source_file", "_row_number")
            .collectAsList();
    assertThat(outcome)
        .extracting(Row::toString)
        .containsExactly(
            // The invalid a.csv:1 does not win the key; the first valid one (a.csv:2) does.
            "[O1,a.csv,1,quarantined]",
            "[O1,a.csv,2,accepted]",
            "[O1,b.csv,1,duplicate]",
            "[O2,a.csv,3,accepted]",
            // Already kept by another run.
            "[O3,a.csv,4,duplicate]");
  }
}
