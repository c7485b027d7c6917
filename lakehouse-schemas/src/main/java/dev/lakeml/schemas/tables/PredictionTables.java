package dev.lakeml.schemas.tables;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code predictions.<model>}: one row per entity (or event) scored on a date, partitioned by
 * {@code prediction_date} so that re-running a date replaces exactly that date. A classifier's row
 * has a {@code score}; a recommender's has its top-N {@code items} with their {@code scores}.
 */
public final class PredictionTables {
  private PredictionTables() {}

  /** Whether a model's predictions are a probability or a ranked list. */
  public enum Kind {
    SCORE,
    TOP_N
  }

  /** A key column of the model's entity, with its SQL type. */
  public record Key(String name, String sqlType) {}

  public static TableContract forModel(String model, List<Key> keys, Kind kind) {
    List<TableColumn> columns = new ArrayList<>();
    for (Key k : keys) {
      columns.add(TableColumn.optional(k.name(), k.sqlType(), "entity key"));
    }
    columns.add(
        TableColumn.required(
            "as_of", "TIMESTAMP", "the instant the features were read at (end of the date)"));
    if (kind == Kind.SCORE) {
      columns.add(TableColumn.required("score", "DOUBLE", "the probability of label 1"));
    } else {
      columns.add(TableColumn.required("items", "ARRAY<STRING>", "top-N items, best first"));
      columns.add(TableColumn.required("scores", "ARRAY<DOUBLE>", "their scores"));
    }
    columns.add(TableColumn.required("model_name", "STRING", "model"));
    columns.add(TableColumn.required("model_version", "INT", "registered version that scored"));
    columns.add(TableColumn.required("scored_at", "TIMESTAMP", "UTC, when the job ran"));
    columns.add(TableColumn.required("prediction_date", "DATE", "the logical date"));
    return new TableContract(
        Layer.PREDICTIONS,
        model,
        columns,
        List.of("prediction_date"),
        List.of(),
        Map.of("delta.appendOnly", "false"),
        "Nightly predictions of model "
            + model
            + "; the view "
            + model
            + "_latest has the newest"
            + " date.");
  }
}
