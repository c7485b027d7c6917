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

/** Reads and writes {@code monitoring.performance}. */
public final class PerformanceTable {
  private final Lakehouse lakehouse;

  public PerformanceTable(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** One prediction date of a model, judged or waiting for its labels. */
  public record DatePerformance(
      LocalDate date,
      int version,
      String status,
      long rows,
      long positives,
      Map<String, Double> metrics,
      Map<String, Double> validation,
      Instant labelsKnownAt,
      long unmatchedLabels,
      long unlabelledPredictions,
      Map<String, String> calibration) {
    public DatePerformance {
      metrics = Map.copyOf(metrics);
      validation = Map.copyOf(validation);
      calibration = Map.copyOf(calibration);
    }
  }

  /** The metrics every date of a classifier has a row for, in this order. */
  public static final List<String> METRICS =
      List.of("auc_roc", "auc_pr", "log_loss", "calibration_error", "base_rate", "mean_score");

  /**
   * Replaces all of the model's rows, one per date and metric of {@code metrics}: every date is
   * recomputed on each run.
   */
  public void replace(
      String model,
      List<String> metrics,
      List<DatePerformance> dates,
      Instant knownThrough,
      String runId,
      Instant computedAt) {
    lakehouse.ensure(List.of(MonitoringTables.PERFORMANCE));
    List<Row> rows = new ArrayList<>();
    for (DatePerformance d : dates) {
      for (String metric : metrics) {
        Double value = d.metrics().get(metric);
        rows.add(
            TableRow.of(MonitoringTables.PERFORMANCE)
                .set("model", model)
                .set("version", d.version())
                .set("prediction_date", Date.valueOf(d.date()))
                .set("metric", metric)
                .set("value", value == null || value.isNaN() ? null : value)
                .set("status", d.status())
                .set("rows", d.rows())
                .set("positives", d.positives())
                .set("validation_value", d.validation().get(metric))
                .set("labels_known_at", Timestamp.from(d.labelsKnownAt()))
                .set("known_through", Timestamp.from(knownThrough))
                .set("unmatched_labels", d.unmatchedLabels())
                .set("unlabelled_predictions", d.unlabelledPredictions())
                .set(
                    "detail",
                    metric.equals("calibration_error") && !d.calibration().isEmpty()
                        ? d.calibration()
                        : null)
                .set("run_id", runId)
                .set("computed_at", Timestamp.from(computedAt))
                .build());
      }
    }
    lakehouse
        .rows(MonitoringTables.PERFORMANCE, rows)
        .write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", "model = '" + model.replace("'", "''") + "'")
        .save(lakehouse.location(MonitoringTables.PERFORMANCE));
  }
}
