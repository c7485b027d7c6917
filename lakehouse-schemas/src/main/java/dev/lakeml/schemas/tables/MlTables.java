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

  public static final TableContract MODEL_VERSIONS =
      new TableContract(
          Layer.ML,
          "model_versions",
          List.of(
              TableColumn.required("model", "STRING", "model spec name"),
              TableColumn.required("version", "INT", "1, 2, ... per model"),
              TableColumn.required("run_id", "STRING", "the ml.runs row that trained it"),
              TableColumn.required("registered_at", "TIMESTAMP", "UTC"),
              TableColumn.required("algorithm", "STRING", "estimator"),
              TableColumn.required("task", "STRING", "binary_classification or recommendation"),
              TableColumn.required(
                  "format",
                  "STRING",
                  "xgboost (native booster), djl-mlp (DJL model folder), spark-pipeline or"
                      + " spark-als (Spark only)"),
              TableColumn.required(
                  "artifact", "STRING", "the sealed model folder (model.yaml + files)"),
              TableColumn.optional(
                  "spark_pipeline", "STRING", "the Spark ML pipeline, for batch scoring in Spark"),
              TableColumn.optional(
                  "inputs",
                  "ARRAY<STRUCT<name: STRING, type: STRING>>",
                  "signature: the inputs in order, with their encoding"),
              TableColumn.required("output", "STRING", "signature: what a score means"),
              TableColumn.required("metric", "STRING", "the spec's promotion metric"),
              TableColumn.optional("metrics", "MAP<STRING,DOUBLE>", "on its validation window"),
              TableColumn.optional("label", "STRING", "declared label, for classifiers"),
              TableColumn.optional("training_set_build", "STRING", "ops.training_sets id"),
              TableColumn.optional(
                  "training_set_version", "BIGINT", "Delta version of the training set read"),
              TableColumn.optional(
                  "input_tables", "MAP<STRING,BIGINT>", "every table read, at its Delta version"),
              TableColumn.required("validate_from", "DATE", "first day of the validation window"),
              TableColumn.required("validate_to", "DATE", "last day of the validation window"),
              TableColumn.required("spec_hash", "STRING", "hash of the model spec as trained"),
              TableColumn.optional("report", "STRING", "the HTML model report")),
          List.of(),
          List.of("model", "version"),
          PROPERTIES,
          "Registered model versions: where each artifact is, what it takes and returns, how good"
              + " it was.");

  public static final TableContract MODEL_ALIASES =
      new TableContract(
          Layer.ML,
          "model_aliases",
          List.of(
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("alias", "STRING", "champion, challenger or a free name"),
              TableColumn.required("version", "INT", "the version the alias points at"),
              TableColumn.required("assigned_at", "TIMESTAMP", "UTC"),
              TableColumn.required("assigned_by", "STRING", "user or job"),
              TableColumn.required("reason", "STRING", "why (the gate's decision or a person's)")),
          List.of(),
          List.of("model", "alias"),
          PROPERTIES,
          "Where each alias of each model points now; ml.model_alias_history has every change.");

  public static final TableContract MODEL_ALIAS_HISTORY =
      new TableContract(
          Layer.ML,
          "model_alias_history",
          List.of(
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("alias", "STRING", "the alias changed"),
              TableColumn.optional("version", "INT", "new target; NULL when the alias was removed"),
              TableColumn.optional("previous_version", "INT", "old target; NULL if it was new"),
              TableColumn.required("changed_at", "TIMESTAMP", "UTC"),
              TableColumn.required("actor", "STRING", "user or job"),
              TableColumn.required(
                  "action", "STRING", "register, promote, retain, force, assign or remove"),
              TableColumn.required("reason", "STRING", "why"),
              TableColumn.optional(
                  "evidence", "MAP<STRING,DOUBLE>", "the gate's numbers: both metrics, margin")),
          List.of(),
          List.of(),
          PROPERTIES,
          "Audit trail of every alias change, append-only.");
}
