package dev.lakeml.schemas.tables;

import java.util.List;
import java.util.Map;

/**
 * Training sets live in {@code training_sets.<name>} (one Delta table per name, replaced by each
 * build); {@code ops.training_sets} keeps one manifest per build, with everything needed to rebuild
 * the same rows later by Delta time travel.
 */
public final class TrainingSetTables {
  private TrainingSetTables() {}

  public static final TableContract MANIFESTS =
      new TableContract(
          Layer.OPS,
          "training_sets",
          List.of(
              TableColumn.required("id", "STRING", "build id (lakeml training-set rebuild ID)"),
              TableColumn.required("name", "STRING", "training set name"),
              TableColumn.required("created_at", "TIMESTAMP", "when the build started (UTC)"),
              TableColumn.required("spine_kind", "STRING", "label or sql"),
              TableColumn.required("spine", "STRING", "the spine query, or the label and cutoffs"),
              TableColumn.optional("label", "STRING", "label name (label spines)"),
              TableColumn.optional(
                  "label_definition", "MAP<STRING,STRING>", "the label's definition when built"),
              TableColumn.required("spine_time", "STRING", "the spine's time column"),
              TableColumn.required(
                  "input_tables", "MAP<STRING,BIGINT>", "every table read, with its Delta version"),
              TableColumn.required(
                  "input_locations", "MAP<STRING,STRING>", "where each table read lives"),
              TableColumn.required("views", "ARRAY<STRING>", "feature views joined, in order"),
              TableColumn.required(
                  "view_hashes", "MAP<STRING,STRING>", "definition hash of each view"),
              TableColumn.required(
                  "view_features", "MAP<STRING,ARRAY<STRING>>", "features taken from each view"),
              TableColumn.required(
                  "view_keys", "MAP<STRING,ARRAY<STRING>>", "entity key columns of each view"),
              TableColumn.required(
                  "view_ttl_seconds", "MAP<STRING,BIGINT>", "TTL of each view (0: none)"),
              TableColumn.optional(
                  "request_features",
                  "ARRAY<STRING>",
                  "request-time features computed (their inputs were columns)"),
              TableColumn.required(
                  "as_known_at", "BOOLEAN", "feature rows also created no later than spine time"),
              TableColumn.required("rows", "BIGINT", "rows written (one per spine row)"),
              TableColumn.required(
                  "checksum", "BIGINT", "order-independent checksum of every row and column"),
              TableColumn.required("output_table", "STRING", "the training set table"),
              TableColumn.required(
                  "output_version", "BIGINT", "its Delta version holding these rows"),
              TableColumn.optional("rebuilt_from", "STRING", "build id this one reproduced")),
          List.of(),
          List.of("id"),
          Map.of("delta.appendOnly", "false"),
          "Training set manifests: what each build read, so it can be rebuilt exactly.");
}
