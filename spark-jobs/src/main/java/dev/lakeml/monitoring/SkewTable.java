package dev.lakeml.monitoring;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.tables.MonitoringTables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;

/** Reads and writes {@code monitoring.skew}. */
public final class SkewTable {
  private final Lakehouse lakehouse;

  public SkewTable(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** The inputs of one model version on the day, as measured. */
  public record VersionSkew(String model, int version, long requests, List<SkewMeasure> measures) {}

  /**
   * Replaces the day's rows (of one model, when {@code model} is given) with these: a rerun gives
   * the same rows, never a second set.
   */
  public void replace(
      LocalDate date,
      Optional<String> model,
      List<VersionSkew> versions,
      String runId,
      Instant computedAt) {
    lakehouse.ensure(List.of(MonitoringTables.SKEW));
    List<Row> rows = new ArrayList<>();
    for (VersionSkew v : versions) {
      for (SkewMeasure m : v.measures()) {
        double rate = m.mismatchRate();
        rows.add(
            TableRow.of(MonitoringTables.SKEW)
                .set("model", v.model())
                .set("version", v.version())
                .set("logical_date", Date.valueOf(date))
                .set("feature", m.feature())
                .set("source", m.source())
                .set("status", m.status())
                .set("requests", m.requests())
                .set("sampled", m.sampled())
                .set("matched", m.matched())
                .set("mismatched", m.mismatched())
                .set("missing_online", m.missingOnline())
                .set("missing_offline", m.missingOffline())
                .set("mismatch_rate", Double.isNaN(rate) ? null : rate)
                .set(
                    "max_abs_difference",
                    Double.isNaN(m.maxAbsDifference()) ? null : m.maxAbsDifference())
                .set("example", m.example())
                .set("run_id", runId)
                .set("computed_at", Timestamp.from(computedAt))
                .build());
      }
    }
    String condition =
        "logical_date = DATE'"
            + date
            + "'"
            + model.map(m -> " AND model = '" + m.replace("'", "''") + "'").orElse("");
    lakehouse
        .rows(MonitoringTables.SKEW, rows)
        .write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", condition)
        .save(lakehouse.location(MonitoringTables.SKEW));
  }
}
