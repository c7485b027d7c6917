package dev.lakeml.monitoring;

import java.time.LocalDate;

/**
 * Starts the retrain pipeline for a logical date: through Airflow's REST API when an Airflow URL is
 * configured, through the local pipeline runner otherwise (both wired in the CLI).
 */
public interface RetrainTrigger {
  /** {@code airflow} or {@code local}. */
  String via();

  /**
   * Starts the run, with {@code reason} as its trigger.
   *
   * @return the run's id (a DAG run id, or the local command)
   * @throws RuntimeException with the reason when the run is refused or fails to start
   */
  String retrain(LocalDate date, String reason);
}
