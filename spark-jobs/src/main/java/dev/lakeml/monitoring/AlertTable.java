package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.tables.MonitoringTables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/** Reads and writes {@code monitoring.alerts}. */
public final class AlertTable {
  private final Lakehouse lakehouse;

  public AlertTable(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** An alert as recorded. */
  public record Alert(
      String model,
      String kind,
      LocalDate date,
      String episode,
      String evidence,
      Instant raisedAt,
      String retrain,
      String retrainVia,
      String retrainRun,
      String message,
      String runId) {}

  /** Every alert of the model, oldest first. */
  public List<Alert> alerts(String model) {
    List<Alert> out = new ArrayList<>();
    if (!lakehouse.exists(MonitoringTables.ALERTS)) {
      return out;
    }
    for (Row r :
        lakehouse
            .read(MonitoringTables.ALERTS)
            .where(col("model").equalTo(lit(model)))
            .orderBy("logical_date", "kind")
            .collectAsList()) {
      out.add(
          new Alert(
              r.getAs("model"),
              r.getAs("kind"),
              r.<Date>getAs("logical_date").toLocalDate(),
              r.getAs("episode"),
              r.getAs("evidence"),
              r.<Timestamp>getAs("raised_at").toInstant(),
              r.getAs("retrain"),
              r.getAs("retrain_via"),
              r.getAs("retrain_run"),
              r.getAs("message"),
              r.getAs("run_id")));
    }
    return out;
  }

  /** Replaces the model's alerts of the day with these. */
  public void replace(String model, LocalDate date, List<Alert> alerts) {
    lakehouse.ensure(List.of(MonitoringTables.ALERTS));
    List<Row> rows = new ArrayList<>();
    for (Alert a : alerts) {
      rows.add(
          TableRow.of(MonitoringTables.ALERTS)
              .set("model", a.model())
              .set("kind", a.kind())
              .set("logical_date", Date.valueOf(a.date()))
              .set("episode", a.episode())
              .set("evidence", a.evidence())
              .set("raised_at", Timestamp.from(a.raisedAt()))
              .set("retrain", a.retrain())
              .set("retrain_via", a.retrainVia())
              .set("retrain_run", a.retrainRun())
              .set("message", a.message())
              .set("run_id", a.runId())
              .build());
    }
    lakehouse
        .rows(MonitoringTables.ALERTS, rows)
        .write()
        .format("delta")
        .mode("overwrite")
        .option(
            "replaceWhere",
            "model = '" + model.replace("'", "''") + "' AND logical_date = DATE'" + date + "'")
        .save(lakehouse.location(MonitoringTables.ALERTS));
  }
}
