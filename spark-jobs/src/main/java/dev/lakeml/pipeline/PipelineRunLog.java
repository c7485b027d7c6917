package dev.lakeml.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.tables.PipelineTables;
import dev.lakeml.schemas.tables.PipelineTables.State;
import io.delta.tables.DeltaTable;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * {@code ops.pipeline_runs}: one row per attempt of a step of a pipeline for a logical date, the
 * only reader and writer of its rows. An attempt is appended as RUNNING when it starts and updated
 * when it ends, so a process killed during a step leaves a RUNNING row with no end.
 */
public final class PipelineRunLog {
  /** Longest error kept in a row. */
  static final int ERROR_LIMIT = 4000;

  /** One attempt, as recorded. {@code finished} and {@code error} may be null. */
  public record Attempt(
      String pipeline,
      LocalDate date,
      String step,
      int attempt,
      State state,
      String runId,
      String command,
      Instant started,
      Instant finished,
      String error,
      String trigger) {

    Attempt ended(State end, Instant at, String why) {
      return new Attempt(
          pipeline, date, step, attempt, end, runId, command, started, at, why, trigger);
    }
  }

  private final Lakehouse lakehouse;
  private boolean ensured;

  public PipelineRunLog(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** Every attempt of the pipeline, oldest first. */
  public List<Attempt> history(String pipeline) {
    if (!lakehouse.exists(PipelineTables.PIPELINE_RUNS)) {
      return List.of();
    }
    List<Attempt> out = new ArrayList<>();
    for (Row r :
        lakehouse
            .read(PipelineTables.PIPELINE_RUNS)
            .where(col("pipeline").equalTo(pipeline))
            .orderBy("logical_date", "step", "attempt")
            .collectAsList()) {
      out.add(
          new Attempt(
              r.getAs("pipeline"),
              r.<Date>getAs("logical_date").toLocalDate(),
              r.getAs("step"),
              r.<Integer>getAs("attempt"),
              State.valueOf(r.getAs("state")),
              r.getAs("run_id"),
              r.getAs("command"),
              r.<Timestamp>getAs("started_at").toInstant(),
              r.isNullAt(r.fieldIndex("finished_at"))
                  ? null
                  : r.<Timestamp>getAs("finished_at").toInstant(),
              r.getAs("error"),
              r.getAs("trigger")));
    }
    return out;
  }

  /** Appends an attempt as it is now (RUNNING when it starts; SKIPPED with its end). */
  public void append(Attempt a) {
    if (!ensured) {
      lakehouse.ensure(List.of(PipelineTables.PIPELINE_RUNS));
      ensured = true;
    }
    lakehouse.append(
        PipelineTables.PIPELINE_RUNS,
        List.of(
            TableRow.of(PipelineTables.PIPELINE_RUNS)
                .set("pipeline", a.pipeline())
                .set("logical_date", Date.valueOf(a.date()))
                .set("step", a.step())
                .set("attempt", a.attempt())
                .set("state", a.state().name())
                .set("run_id", a.runId())
                .set("command", a.command())
                .set("started_at", Timestamp.from(a.started()))
                .set("finished_at", a.finished() == null ? null : Timestamp.from(a.finished()))
                .set("error", cut(a.error()))
                .set("trigger", a.trigger())
                .build()));
  }

  /** Records how an appended attempt ended. */
  public void update(Attempt a) {
    Column which =
        col("pipeline")
            .equalTo(a.pipeline())
            .and(col("logical_date").equalTo(lit(Date.valueOf(a.date()))))
            .and(col("step").equalTo(a.step()))
            .and(col("attempt").equalTo(a.attempt()));
    Map<String, Column> set = new LinkedHashMap<>();
    set.put("state", lit(a.state().name()));
    set.put("finished_at", lit(Timestamp.from(a.finished())));
    set.put("error", lit(cut(a.error())).cast("STRING"));
    DeltaTable.forPath(lakehouse.spark(), lakehouse.location(PipelineTables.PIPELINE_RUNS))
        .update(which, set);
  }

  private static String cut(String error) {
    return error == null || error.length() <= ERROR_LIMIT ? error : error.substring(0, ERROR_LIMIT);
  }
}
