package dev.lakeml.orchestration.airflow;

import java.time.Duration;

/**
 * A DAG run that was neither successful nor failed when {@link AirflowClient#waitFor} stopped
 * waiting. The run as last seen tells where it was.
 */
public final class AirflowWaitTimeoutException extends AirflowException {
  private static final long serialVersionUID = 1L;

  private final transient DagRun lastSeen;
  private final Duration timeout;

  AirflowWaitTimeoutException(DagRun lastSeen, Duration timeout, String method, String path) {
    super(
        Kind.WAIT_TIMEOUT,
        null,
        method,
        path,
        null,
        "Run '"
            + lastSeen.dagRunId()
            + "' of DAG '"
            + lastSeen.dagId()
            + "' did not finish within "
            + AirflowSettings.describe(timeout)
            + ": it was still "
            + lastSeen.state().airflowName()
            + ". Wait longer, or look at the run in Airflow.",
        null);
    this.lastSeen = lastSeen;
    this.timeout = timeout;
  }

  /** The run as last read from Airflow. */
  public DagRun lastSeen() {
    return lastSeen;
  }

  /** The state the run was last in. */
  public DagRun.State lastState() {
    return lastSeen.state();
  }

  /** How long the caller was willing to wait. */
  public Duration timeout() {
    return timeout;
  }
}
