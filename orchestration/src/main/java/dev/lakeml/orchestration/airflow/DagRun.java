package dev.lakeml.orchestration.airflow;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One run of a DAG as Airflow reports it.
 *
 * @param dagId the DAG
 * @param dagRunId the run's id, unique within the DAG
 * @param logicalDate the date the run covers; null only for Airflow 3 runs triggered without one
 * @param state where the run is
 * @param startDate when it started; null while it is queued
 * @param endDate when it finished; null until then
 * @param conf the run's configuration (JSON values: maps, lists, strings, numbers, booleans, null)
 * @param created true only for the run a {@code trigger} call has just created; false when the run
 *     already existed (and for runs read with {@code run} or {@code runs})
 */
public record DagRun(
    String dagId,
    String dagRunId,
    Instant logicalDate,
    State state,
    Instant startDate,
    Instant endDate,
    Map<String, Object> conf,
    boolean created) {

  /** The states of a DAG run, as Airflow 2 and 3 name them. */
  public enum State {
    QUEUED,
    RUNNING,
    SUCCESS,
    FAILED;

    /** Whether the run is over: success or failed. */
    public boolean finished() {
      return this == SUCCESS || this == FAILED;
    }

    /** Airflow's name of the state, e.g. {@code success}. */
    public String airflowName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The state Airflow calls {@code name}, or null when it is none of these. */
    static State fromAirflow(String name) {
      for (State s : values()) {
        if (s.airflowName().equals(name)) {
          return s;
        }
      }
      return null;
    }
  }

  public DagRun {
    Objects.requireNonNull(dagId, "dagId");
    Objects.requireNonNull(dagRunId, "dagRunId");
    Objects.requireNonNull(state, "state");
    conf = conf == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(conf));
  }
}
