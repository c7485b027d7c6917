package dev.lakeml.orchestration.airflow;

import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code lakeml airflow trigger} and {@code lakeml airflow runs} do with a pipeline's DAG,
 * given a client: trigger a run for a logical date with the reason in {@code conf.trigger} (which
 * makes the pipeline's conditional steps run), wait for it, list the newest runs.
 */
public final class PipelineRuns {
  /** How often {@link #trigger} polls a run it waits for. */
  public static final Duration POLL = Duration.ofSeconds(10);

  private final AirflowClient client;
  private final PrintStream out;

  public PipelineRuns(AirflowClient client, PrintStream out) {
    this.client = client;
    this.out = out;
  }

  /**
   * Triggers the DAG run of {@code date} (idempotent: the same date gives the same run) and, with
   * {@code wait}, waits for it; prints one line per event and returns the run as last seen.
   *
   * @throws AirflowException when Airflow refuses, cannot be reached, or the wait times out
   */
  public DagRun trigger(String dagId, LocalDate date, String reason, Optional<Duration> wait) {
    DagRun run = client.trigger(dagId, date, Map.of("trigger", reason));
    out.printf(
        "%s %s: %s (%s) on %s%n",
        dagId,
        run.dagRunId(),
        run.created() ? "triggered" : "already existed",
        run.state().airflowName(),
        client.version());
    if (wait.isEmpty()) {
      return run;
    }
    DagRun done = client.waitFor(dagId, run.dagRunId(), wait.get(), POLL);
    out.printf("%s %s: %s%n", dagId, done.dagRunId(), done.state().airflowName());
    return done;
  }

  /** Prints the DAG's newest runs, newest first, as a table; returns them. */
  public List<DagRun> runs(String dagId, int limit) {
    List<DagRun> runs = client.runs(dagId, limit);
    if (runs.isEmpty()) {
      out.println("(no runs of " + dagId + ")");
      return runs;
    }
    out.printf(
        "%-28s %-22s %-8s %-22s %s%n", "run id", "logical date", "state", "started", "ended");
    for (DagRun r : runs) {
      out.printf(
          "%-28s %-22s %-8s %-22s %s%n",
          r.dagRunId(),
          r.logicalDate(),
          r.state().airflowName(),
          r.startDate() == null ? "" : r.startDate(),
          r.endDate() == null ? "" : r.endDate());
    }
    return runs;
  }
}
