package dev.lakeml.schemas.tables;

import java.util.Locale;

/** The lakehouse layer a table belongs to; its database name in SQL. */
public enum Layer {
  BRONZE,
  SILVER,
  QUARANTINE,
  OPS,
  /** Feature tables ({@code features.<view>}) and the feature registry. */
  FEATURES,
  /** Point-in-time training sets and their manifests. */
  TRAINING_SETS,
  /** Experiment tracking and the model registry. */
  ML,
  /** Nightly batch predictions, {@code predictions.<model>}, one partition per date. */
  PREDICTIONS,
  /** What the serving API did: {@code serving.prediction_log}. */
  SERVING,
  /** What monitoring measured: {@code monitoring.drift}. */
  MONITORING;

  /** The SQL database (schema) that holds this layer's tables. */
  public String database() {
    return name().toLowerCase(Locale.ROOT);
  }
}
