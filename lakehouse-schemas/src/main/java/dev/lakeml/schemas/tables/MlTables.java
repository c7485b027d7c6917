package dev.lakeml.schemas.tables;

import java.util.List;
import java.util.Map;

/** Experiment tracking in Delta: one row per training run, one per candidate and metric. */
public final class MlTables {
  private MlTables() {}

  private static final Map<String, String> PROPERTIES = Map.of("delta.appendOnly", "false");

  public static final TableContract RUNS =
      new TableContract(
          Layer.ML,
          "runs",
          List.of(
              TableColumn.required("run_id", "STRING", "unique id of the run"),
              TableColumn.required("model", "STRING", "model spec name"),
              TableColumn.required("algorithm", "STRING", "estimator"),
              TableColumn.required("spec_hash", "STRING", "hash of the model spec as run"),
              TableColumn.optional("params", "MAP<STRING,STRING>", "the chosen candidate's params"),
              TableColumn.required("candidates", "INT", "size of the tuning grid"),
              TableColumn.required("seed", "BIGINT", "random seed"),
              TableColumn.required("code_version", "STRING", "lakeml version and git commit"),
              TableColumn.required("started_at", "TIMESTAMP", "UTC"),
              TableColumn.required("finished_at", "TIMESTAMP", "UTC"),
              TableColumn.required("status", "STRING", "SUCCEEDED or FAILED"),
              TableColumn.optional("message", "STRING", "why a run failed"),
              TableColumn.optional("training_set", "STRING", "training_sets.<name>"),
              TableColumn.optional("training_set_build", "STRING", "ops.training_sets id"),
              TableColumn.optional(
                  "input_tables", "MAP<STRING,BIGINT>", "every table read, at its Delta version"),
              TableColumn.optional("features", "ARRAY<STRING>", "model inputs, in order"),
              TableColumn.optional("train_rows", "BIGINT", "rows before validate_from"),
              TableColumn.optional("validation_rows", "BIGINT", "rows from validate_from"),
              TableColumn.optional("metrics", "MAP<STRING,DOUBLE>", "validation metrics"),
              TableColumn.optional("artifacts", "STRING", "folder of the model files and report")),
          List.of(),
          List.of("run_id"),
          PROPERTIES,
          "Training runs: what was trained from which inputs, and how well.");

  public static final TableContract RUN_METRICS =
      new TableContract(
          Layer.ML,
          "run_metrics",
          List.of(
              TableColumn.required("run_id", "STRING", "the run"),
              TableColumn.required("candidate", "INT", "tuning candidate (0-based)"),
              TableColumn.required("params", "MAP<STRING,STRING>", "its hyperparameters"),
              TableColumn.required("chosen", "BOOLEAN", "whether this candidate became the model"),
              TableColumn.required("metric", "STRING", "auc_roc, auc_pr, log_loss, ..."),
              TableColumn.required("value", "DOUBLE", "on the validation window"),
              TableColumn.required("fit_seconds", "DOUBLE", "time to fit the candidate")),
          List.of(),
          List.of("run_id", "candidate", "metric"),
          PROPERTIES,
          "Metrics of every tuning candidate of every run.");
}
