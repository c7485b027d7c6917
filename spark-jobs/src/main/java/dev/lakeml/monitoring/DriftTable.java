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
import java.util.Map;
import org.apache.spark.sql.Row;

/** Reads and writes {@code monitoring.drift}. */
public final class DriftTable {
  private final Lakehouse lakehouse;

  public DriftTable(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** The measures of one population, as written. */
  public record Population(String name, List<DriftMeasure> measures) {}

  /**
   * Replaces the model's rows for the date with these: a rerun of the same day gives the same rows,
   * never a second set.
   */
  public void replace(
      String model,
      int version,
      LocalDate date,
      List<Population> populations,
      String runId,
      Instant computedAt) {
    lakehouse.ensure(List.of(MonitoringTables.DRIFT));
    List<Row> rows = new ArrayList<>();
    for (Population p : populations) {
      for (DriftMeasure m : p.measures()) {
        rows.add(
            TableRow.of(MonitoringTables.DRIFT)
                .set("model", model)
                .set("version", version)
                .set("logical_date", Date.valueOf(date))
                .set("population", p.name())
                .set("feature", m.column().name())
                .set("role", m.column().role().yamlName())
                .set("kind", m.column().kind().yamlName())
                .set("statistic", m.statistic().yamlName())
                .set("value", Double.isNaN(m.value()) ? null : m.value())
                .set("threshold", m.threshold().isPresent() ? m.threshold().getAsDouble() : null)
                .set("breached", m.breached())
                .set("status", m.status())
                .set("reference_rows", m.referenceRows())
                .set("current_rows", m.currentRows())
                .set("error_bound", Double.isNaN(m.errorBound()) ? null : m.errorBound())
                .set("detail", m.detail().isEmpty() ? null : Map.copyOf(m.detail()))
                .set("run_id", runId)
                .set("computed_at", Timestamp.from(computedAt))
                .build());
      }
    }
    String condition =
        "model = '" + model.replace("'", "''") + "' AND logical_date = DATE'" + date + "'";
    lakehouse
        .rows(MonitoringTables.DRIFT, rows)
        .write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", condition)
        .save(lakehouse.location(MonitoringTables.DRIFT));
  }
}
