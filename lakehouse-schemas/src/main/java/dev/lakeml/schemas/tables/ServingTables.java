package dev.lakeml.schemas.tables;

import java.util.List;
import java.util.Map;

/** Tables fed by the serving API. */
public final class ServingTables {
  private ServingTables() {}

  /**
   * {@code serving.prediction_log}: every score the API computed, loaded from its JSON-lines files
   * by {@code lakeml ingest-predictions}, each file exactly once ({@code _source_file}).
   */
  public static final TableContract PREDICTION_LOG =
      new TableContract(
          Layer.SERVING,
          "prediction_log",
          List.of(
              TableColumn.required("time", "TIMESTAMP", "when the API answered (UTC)"),
              TableColumn.required("request_id", "STRING", "the request's id"),
              TableColumn.required("model", "STRING", "model name"),
              TableColumn.required("version", "INT", "registered version that scored"),
              TableColumn.optional("run_id", "STRING", "the version's training run"),
              TableColumn.required(
                  "variant", "STRING", "champion, challenger (canary / A-B) or shadow"),
              TableColumn.required("returned", "BOOLEAN", "false for shadow scores"),
              TableColumn.optional("entities", "MAP<STRING,STRING>", "entity keys of the request"),
              TableColumn.optional(
                  "features", "MAP<STRING,STRING>", "the model inputs as used (text)"),
              TableColumn.optional("reference_time", "TIMESTAMP", "the instant features were for"),
              TableColumn.required("score", "DOUBLE", "the probability of label 1"),
              TableColumn.optional("latency_ms", "DOUBLE", "time to score, in the API"),
              TableColumn.required("log_date", "DATE", "date of time, the partition"),
              TableColumn.required("_source_file", "STRING", "the log file the row came from"),
              TableColumn.required("_ingested_at", "TIMESTAMP", "when it was loaded")),
          List.of("log_date"),
          List.of("request_id", "variant"),
          Map.of("delta.appendOnly", "true"),
          "Predictions served by the API, for monitoring and ground-truth joins.");
}
