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

  /**
   * {@code monitoring.performance}: one row per model, prediction date and metric, from the
   * predictions joined to the labels that have matured. A date whose labels are not all known yet
   * has rows with no value and the status {@code immature}; each run recomputes every date of the
   * model, so earlier dates fill in as their labels mature and a rerun gives the same values.
   */
  public static final TableContract PERFORMANCE =
      new TableContract(
          Layer.MONITORING,
          "performance",
          List.of(
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("version", "INT", "the version that scored the date"),
              TableColumn.required("prediction_date", "DATE", "the date of the predictions judged"),
              TableColumn.required(
                  "metric",
                  "STRING",
                  "auc_roc, auc_pr, log_loss, calibration_error, base_rate, mean_score; for a"
                      + " recommender precision_at_K, recall_at_K, map_at_K, hit_rate_at_K"),
              TableColumn.optional("value", "DOUBLE", "NULL when it cannot be computed (status)"),
              TableColumn.required(
                  "status",
                  "STRING",
                  "ok, immature (labels not all known yet), one class, no labels"),
              TableColumn.required("rows", "BIGINT", "predictions judged (with a known label)"),
              TableColumn.required("positives", "BIGINT", "of them, label 1"),
              TableColumn.optional(
                  "validation_value", "DOUBLE", "the version's own value on its validation window"),
              TableColumn.required(
                  "labels_known_at", "TIMESTAMP", "when the last label of the date is known"),
              TableColumn.required(
                  "known_through", "TIMESTAMP", "the newest event of the label's source"),
              TableColumn.required(
                  "unmatched_labels", "BIGINT", "labels of the date that judge no prediction"),
              TableColumn.required(
                  "unlabelled_predictions", "BIGINT", "predictions of the date with no label"),
              TableColumn.optional(
                  "detail", "MAP<STRING,STRING>", "calibration bins: mean score and rate"),
              TableColumn.required("run_id", "STRING", "the monitor run that wrote the row"),
              TableColumn.required("computed_at", "TIMESTAMP", "UTC")),
          List.of(),
          List.of("model", "prediction_date", "metric"),
          Map.of("delta.appendOnly", "false"),
          "Performance of every model's predictions per date, as their labels mature.");

  /**
   * {@code monitoring.alerts}: one row per model, day evaluated and kind of alert whose condition
   * held, with the evidence, the episode it belongs to (the first day of the streak) and what
   * became of the retrain it may ask for. One retrain per episode: a rerun of the day keeps a row
   * whose retrain was triggered.
   */
  public static final TableContract ALERTS =
      new TableContract(
          Layer.MONITORING,
          "alerts",
          List.of(
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("kind", "STRING", "drift or performance"),
              TableColumn.required("logical_date", "DATE", "the day evaluated"),
              TableColumn.required(
                  "episode", "STRING", "model, kind and the first day of the streak"),
              TableColumn.required("evidence", "STRING", "what breached, on which days"),
              TableColumn.required("raised_at", "TIMESTAMP", "UTC"),
              TableColumn.required(
                  "retrain",
                  "STRING",
                  "triggered, already triggered (this episode), cooldown, or failed"),
              TableColumn.optional("retrain_via", "STRING", "airflow or local"),
              TableColumn.optional(
                  "retrain_run", "STRING", "the DAG run id, or the local pipeline run"),
              TableColumn.optional("message", "STRING", "why it failed, or until when it waits"),
              TableColumn.required("run_id", "STRING", "the monitor run that wrote the row")),
          List.of(),
          List.of("model", "logical_date", "kind"),
          Map.of("delta.appendOnly", "false"),
          "Alerts raised about the models in production, and the retrains they asked for.");

  /**
   * {@code monitoring.skew}: one row per model version, logical date and input, from a sample of
   * the requests the API answered that day, each input recomputed through the offline point-in-time
   * path at the request's reference time and compared with the value the API used. A rerun of a
   * date replaces its rows.
   */
  public static final TableContract SKEW =
      new TableContract(
          Layer.MONITORING,
          "skew",
          List.of(
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("version", "INT", "the version that answered the requests"),
              TableColumn.required("logical_date", "DATE", "the day the requests were logged"),
              TableColumn.required("feature", "STRING", "model input"),
              TableColumn.required(
                  "source", "STRING", "the feature view it comes from, request feature or field"),
              TableColumn.required(
                  "status", "STRING", "ok, no data, or not recomputed (computed from the request)"),
              TableColumn.required(
                  "requests", "BIGINT", "requests of the version the API answered that day"),
              TableColumn.required("sampled", "BIGINT", "of them, compared"),
              TableColumn.required(
                  "matched", "BIGINT", "equal online and offline (both missing included)"),
              TableColumn.required("mismatched", "BIGINT", "both present and different"),
              TableColumn.required(
                  "missing_online", "BIGINT", "missing in the API's input, present offline"),
              TableColumn.required(
                  "missing_offline", "BIGINT", "present in the API's input, missing offline"),
              TableColumn.optional(
                  "mismatch_rate", "DOUBLE", "1 - matched / sampled; NULL when nothing compared"),
              TableColumn.optional(
                  "max_abs_difference", "DOUBLE", "largest difference where both are present"),
              TableColumn.optional(
                  "example", "STRING", "one differing request: its id, online and offline values"),
              TableColumn.required("run_id", "STRING", "the monitor run that wrote the row"),
              TableColumn.required("computed_at", "TIMESTAMP", "UTC")),
          List.of(),
          List.of("model", "version", "logical_date", "feature"),
          Map.of("delta.appendOnly", "false"),
          "Online/offline skew: the API's inputs against the offline point-in-time path, per day.");
}
