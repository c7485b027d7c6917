package dev.lakeml.ml;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.tables.MlTables;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Appends {@code ml.runs} (one row per training attempt, succeeded or failed) and {@code
 * ml.run_metrics} (every tuning candidate's validation metrics); the only writer of both.
 */
final class TrainingRuns {
  /** Longest failure message kept in {@code ml.runs.message}. */
  static final int MESSAGE_LIMIT = 4000;

  private final Lakehouse lakehouse;

  TrainingRuns(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  void ensure() {
    lakehouse.ensure(List.of(MlTables.RUNS, MlTables.RUN_METRICS));
  }

  /** Every candidate's metrics, one row per (candidate, metric). */
  void candidates(String runId, List<RunRecorder.Candidate> candidates, int chosen) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      RunRecorder.Candidate c = candidates.get(i);
      for (Map.Entry<String, Double> m : c.metrics().entrySet()) {
        rows.add(
            TableRow.of(MlTables.RUN_METRICS)
                .set("run_id", runId)
                .set("candidate", i)
                .set("params", RunRecorder.text(c.params()))
                .set("chosen", i == chosen)
                .set("metric", m.getKey())
                .set("value", m.getValue())
                .set("fit_seconds", c.fitSeconds())
                .build());
      }
    }
    lakehouse.append(MlTables.RUN_METRICS, rows);
  }

  /** A run that registered a model: its chosen parameters, inputs, row counts and metrics. */
  void succeeded(RunRecorder.Finished f, Map<String, String> chosenParams, Instant finished) {
    Row row =
        attempt(f.spec(), f.runId(), f.candidates().size(), f.started(), finished, "SUCCEEDED")
            .set("params", chosenParams)
            .set("training_set", f.trainingSet())
            .set("training_set_build", f.trainingSetBuild())
            .set("input_tables", f.inputs())
            .set("features", f.features())
            .set("train_rows", f.trainRows())
            .set("validation_rows", f.validationRows())
            .set("metrics", f.metrics())
            .set("artifacts", lakehouse.relative(f.artifacts()))
            .build();
    lakehouse.append(MlTables.RUNS, List.of(row));
  }

  /** A run that did not finish, with its message (cut at {@value #MESSAGE_LIMIT} characters). */
  void failed(ModelSpec spec, String runId, Instant started, Instant finished, String message) {
    Row row =
        attempt(
                spec,
                runId,
                Algorithm.combinations(spec.grid()).size(),
                started,
                finished,
                "FAILED")
            .set(
                "message",
                message.length() > MESSAGE_LIMIT ? message.substring(0, MESSAGE_LIMIT) : message)
            .build();
    lakehouse.append(MlTables.RUNS, List.of(row));
  }

  private static TableRow attempt(
      ModelSpec spec,
      String runId,
      int candidates,
      Instant started,
      Instant finished,
      String status) {
    return TableRow.of(MlTables.RUNS)
        .set("run_id", runId)
        .set("model", spec.name())
        .set("algorithm", spec.algorithm().yamlName())
        .set("spec_hash", RunRecorder.specHash(spec))
        .set("candidates", candidates)
        .set("seed", spec.seed())
        .set("code_version", RunRecorder.codeVersion())
        .set("started_at", Timestamp.from(started))
        .set("finished_at", Timestamp.from(finished))
        .set("status", status);
  }
}
