package dev.lakeml.schemas.tables;

import java.util.List;
import java.util.Map;

/** The pipeline run log: one row per attempt of a step of a pipeline for a logical date. */
public final class PipelineTables {
  private PipelineTables() {}

  /**
   * A step attempt's states. RUNNING is never a row: an attempt in progress is a marker file beside
   * the table until it ends.
   */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED,
    SKIPPED
  }

  public static final TableContract PIPELINE_RUNS =
      new TableContract(
          Layer.OPS,
          "pipeline_runs",
          List.of(
              TableColumn.required("pipeline", "STRING", "the pipeline's name"),
              TableColumn.required("logical_date", "DATE", "the date the run is for"),
              TableColumn.required("step", "STRING", "the step's name"),
              TableColumn.required("attempt", "INT", "1, 2, ... per step and date, across runs"),
              TableColumn.required("state", "STRING", "SUCCEEDED, FAILED or SKIPPED"),
              TableColumn.required("run_id", "STRING", "the lakeml run that made the attempt"),
              TableColumn.required("command", "STRING", "the lakeml command, rendered"),
              TableColumn.required("started_at", "TIMESTAMP", "UTC"),
              TableColumn.required("finished_at", "TIMESTAMP", "UTC"),
              TableColumn.optional("error", "STRING", "why it failed, or why it was skipped"),
              TableColumn.optional(
                  "trigger", "STRING", "what asked for the run, if not a schedule")),
          List.of(),
          List.of("pipeline", "logical_date", "step", "attempt"),
          Map.of("delta.appendOnly", "false"),
          "Pipeline runs: every ended attempt of every step for every logical date, and how.");
}
