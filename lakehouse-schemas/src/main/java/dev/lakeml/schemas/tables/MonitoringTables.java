package dev.lakeml.schemas.tables;

import java.util.List;
import java.util.Map;

/** Tables written by {@code lakeml monitor}: what was measured about the models in production. */
public final class MonitoringTables {
  private MonitoringTables() {}

  /**
   * {@code monitoring.drift}: one row per model, logical date, population, column and statistic. A
   * rerun of a model and date replaces that model's rows for the date.
   */
  public static final TableContract DRIFT =
      new TableContract(
          Layer.MONITORING,
          "drift",
          List.of(
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("version", "INT", "the champion version whose inputs these are"),
              TableColumn.required("logical_date", "DATE", "the day whose population was compared"),
              TableColumn.required(
                  "population",
                  "STRING",
                  "batch (the nightly features and predictions) or online (logged requests)"),
              TableColumn.required("feature", "STRING", "model input, or 'score' for the output"),
              TableColumn.required("role", "STRING", "input or prediction"),
              TableColumn.required("kind", "STRING", "numeric or categorical"),
              TableColumn.required("statistic", "STRING", "psi, ks_d, js_distance, ..."),
              TableColumn.optional("value", "DOUBLE", "NULL when it cannot be computed (status)"),
              TableColumn.optional(
                  "threshold", "DOUBLE", "the limit in effect; NULL when none is set"),
              TableColumn.required("breached", "BOOLEAN", "value is past the threshold"),
              TableColumn.required(
                  "status", "STRING", "ok, no data, no reference, missing in reference, ..."),
              TableColumn.required(
                  "reference_rows", "BIGINT", "reference values compared (non-null)"),
              TableColumn.required("current_rows", "BIGINT", "current values compared (non-null)"),
              TableColumn.optional(
                  "error_bound",
                  "DOUBLE",
                  "largest difference from the exact value, for statistics from quantile sketches"),
              TableColumn.optional(
                  "detail",
                  "MAP<STRING,STRING>",
                  "bin edges and shares, categories: what the page draws"),
              TableColumn.required("run_id", "STRING", "the monitor run that wrote the row"),
              TableColumn.required("computed_at", "TIMESTAMP", "UTC")),
          List.of(),
          List.of("model", "logical_date", "population", "feature", "statistic"),
          Map.of("delta.appendOnly", "false"),
          "Drift of every champion's inputs and score against its training set, per day.");
}
