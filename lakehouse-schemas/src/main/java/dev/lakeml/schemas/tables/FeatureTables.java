package dev.lakeml.schemas.tables;

import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_DATE;
import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_MONTH;
import static dev.lakeml.schemas.tables.IngestTables.RUN_ID;

import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tables of the feature store: one {@code features.<view>} table per feature view, holding one
 * row per entity and logical date, and {@code features.registry}, which says what each view is.
 *
 * <p>A feature row of logical date D describes the entity as of the end of D: its {@code
 * event_timestamp} is the start of D + 1 (UTC), and its windows cover the events before that
 * instant. Whoever uses a row at time t may use it when {@code event_timestamp <= t}.
 */
public final class FeatureTables {
  public static final String EVENT_TIMESTAMP = "event_timestamp";
  public static final String CREATED_TIMESTAMP = "created_timestamp";
  public static final String DEFINITION_HASH = "_definition_hash";

  /** The value types a feature can have, offline and online. */
  public static final List<String> VALUE_TYPES =
      List.of("BIGINT", "DOUBLE", "TIMESTAMP", "STRING", "BOOLEAN");

  private static final Map<String, String> PROPERTIES =
      Map.of("delta.appendOnly", "false", "delta.checkpointInterval", "20");

  private FeatureTables() {}

  /**
   * The value type a feature gets for an aggregate of a column of the given Spark SQL type:
   * integers widen to BIGINT, every fractional number (decimal too) to DOUBLE, dates to TIMESTAMP.
   */
  public static String valueType(FeatureSpec.Function function, String columnSqlType) {
    switch (function) {
      case COUNT:
      case COUNT_DISTINCT:
        return "BIGINT";
      case SUM:
      case MEAN:
        return "DOUBLE";
      default:
        break;
    }
    String t = columnSqlType.toUpperCase(Locale.ROOT);
    if (t.equals("TINYINT") || t.equals("SMALLINT") || t.equals("INT") || t.equals("BIGINT")) {
      return "BIGINT";
    }
    if (t.equals("FLOAT") || t.equals("DOUBLE") || t.startsWith("DECIMAL")) {
      return "DOUBLE";
    }
    if (t.equals("DATE") || t.startsWith("TIMESTAMP")) {
      return "TIMESTAMP";
    }
    if (t.equals("STRING") || t.equals("BOOLEAN")) {
      return t;
    }
    throw new IllegalArgumentException(
        "a "
            + function.name().toLowerCase(Locale.ROOT)
            + " of a "
            + columnSqlType
            + " value cannot be a feature; features are numbers, timestamps, strings or booleans");
  }

  /**
   * The table of one feature view.
   *
   * @param featureTypes the value type of each feature, in the view's order (see {@link
   *     #valueType})
   */
  public static TableContract view(
      FeatureViewSpec view, EntitySpec entity, Map<String, String> featureTypes) {
    List<TableColumn> columns = new ArrayList<>();
    for (EntitySpec.Key k : entity.keys()) {
      columns.add(TableColumn.required(k.name(), k.type().ddl(), "key of entity " + entity.name()));
    }
    columns.add(
        TableColumn.required(
            EVENT_TIMESTAMP,
            "TIMESTAMP",
            "the instant the values describe: the end of the logical date (UTC); windows end here"));
    columns.add(
        TableColumn.required(
            CREATED_TIMESTAMP, "TIMESTAMP", "when the run that computed the row started (UTC)"));
    for (FeatureSpec f : view.features()) {
      String type = featureTypes.get(f.name());
      if (type == null || !VALUE_TYPES.contains(type)) {
        throw new IllegalArgumentException(
            "feature " + f.name() + " of view " + view.name() + " has no value type: " + type);
      }
      columns.add(TableColumn.optional(f.name(), type, describe(f)));
    }
    columns.add(
        TableColumn.required(
            DEFINITION_HASH, "STRING", "hash of the view definition that computed the row"));
    columns.add(TableColumn.required(RUN_ID, "STRING", "the feature run that wrote the row"));
    columns.add(TableColumn.required(LOGICAL_DATE, "DATE", "the logical date computed"));
    columns.add(
        TableColumn.required(
            LOGICAL_MONTH, "DATE", "first day of the logical date's month: the partition column"));
    List<String> keys = new ArrayList<>(entity.keyNames());
    keys.add(LOGICAL_DATE);
    return new TableContract(
        Layer.FEATURES,
        view.name(),
        columns,
        List.of(LOGICAL_MONTH),
        keys,
        PROPERTIES,
        view.description().isEmpty()
            ? "Feature view " + view.name() + " of entity " + entity.name()
            : view.description());
  }

  /** What a feature computes, in one line: {@code count_distinct(invoice_no) over 30d where …}. */
  public static String describe(FeatureSpec f) {
    String what;
    if (f instanceof FeatureSpec.Aggregate a) {
      what =
          a.function().name().toLowerCase(Locale.ROOT)
              + "("
              + a.of().orElse("*")
              + ") over "
              + Durations.format(a.window())
              + a.where().map(w -> " where " + w).orElse("");
    } else {
      FeatureSpec.Ratio r = (FeatureSpec.Ratio) f;
      what = r.numerator() + " / " + r.denominator();
    }
    return f.description().isEmpty() ? what : f.description() + " (" + what + ")";
  }

  /** One row per feature of every view: what it is, who owns it, and what was last written. */
  public static final TableContract REGISTRY =
      new TableContract(
          Layer.FEATURES,
          "registry",
          List.of(
              TableColumn.required("view", "STRING", "feature view"),
              TableColumn.required("feature", "STRING", "feature name (a column of the view)"),
              TableColumn.required("entity", "STRING", "entity the view describes"),
              TableColumn.required("entity_keys", "ARRAY<STRING>", "the entity's key columns"),
              TableColumn.required("value_type", "STRING", "BIGINT, DOUBLE, TIMESTAMP, ..."),
              TableColumn.required("definition", "STRING", "what the feature computes"),
              TableColumn.required("source", "STRING", "source whose silver table is read"),
              TableColumn.required("ttl", "STRING", "the view's TTL (0: none)"),
              TableColumn.required("owner", "STRING", "owner of the view"),
              TableColumn.required("description", "STRING", "the view's description"),
              TableColumn.required(
                  "definition_hash", "STRING", "version of the view: hash of its definition"),
              TableColumn.required("table_name", "STRING", "the view's Delta table"),
              TableColumn.required(
                  "delta_version", "BIGINT", "the table's Delta version after the last run"),
              TableColumn.required("last_run_id", "STRING", "the last run that wrote the view"),
              TableColumn.required("last_date_from", "DATE", "first logical date of that run"),
              TableColumn.required("last_date_to", "DATE", "last logical date of that run"),
              TableColumn.required("rows_written", "BIGINT", "rows that run wrote"),
              TableColumn.required("updated_at", "TIMESTAMP", "when that run finished (UTC)")),
          List.of(),
          List.of("view", "feature"),
          PROPERTIES,
          "The feature registry: every feature of every view, its version and the last write.");
}
