package dev.lakeml.features;

import static dev.lakeml.schemas.tables.FeatureTables.CREATED_TIMESTAMP;
import static dev.lakeml.schemas.tables.FeatureTables.DEFINITION_HASH;
import static dev.lakeml.schemas.tables.FeatureTables.EVENT_TIMESTAMP;
import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_DATE;
import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_MONTH;
import static dev.lakeml.schemas.tables.IngestTables.RUN_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.FeatureTables;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Computes feature views for a logical date or a range of dates into {@code features.<view>}, one
 * row per entity and date, replacing those dates (idempotent per date), and records each run in
 * {@code features.registry}.
 *
 * <p>Two passes, both Spark built-in functions only (no UDFs): first each entity's events are
 * reduced to one partial row per day (counts, sums, sets of distinct values, the last value), then
 * each partial row is repeated for every logical date whose windows it falls in, and the windows
 * are combined per entity and date. The repetition costs (entity-days × longest window) rows, far
 * fewer than events × window, and a date range costs one job, not one job per date.
 */
public final class FeatureJob {
  /** What a run did for one view. */
  public record Result(
      String view,
      String runId,
      LocalDate from,
      LocalDate to,
      long rows,
      long entities,
      long deltaVersion,
      double seconds) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public FeatureJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  /** Computes one view for the dates {@code from..to} (inclusive) and replaces them. */
  public Result run(FeatureViewSpec view, LocalDate from, LocalDate to) {
    if (to.isBefore(from)) {
      throw new LakehouseException(
          "The date range is empty: --to " + to + " is before --from " + from + ".");
    }
    long t0 = System.nanoTime();
    String runId = UUID.randomUUID().toString();
    Instant started = clock.instant();
    EntitySpec entity = project.features().entity(view.entity()).orElseThrow();
    SourceSpec source = project.source(view.source()).orElseThrow();
    TableContract silver = IngestTables.silver(source);
    if (!lakehouse.exists(silver)) {
      throw new LakehouseException(
          "Feature view "
              + view.name()
              + " reads "
              + silver.qualifiedName()
              + ", which does not exist yet: ingest source "
              + source.name()
              + " first (lakeml ingest).");
    }
    Dataset<Row> values;
    try {
      values = compute(view, entity, lakehouse.read(silver), from, to);
      values.schema(); // analysis: an unknown column in a filter or expression fails here
    } catch (Exception e) {
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new LakehouseException(
          "Feature view "
              + view.name()
              + " does not fit "
              + silver.qualifiedName()
              + ": "
              + m.lines().findFirst().orElse(m)
              + " (check its filter, 'of' and 'where' expressions in the project file)",
          e);
    }
    Map<String, String> types = valueTypes(view, values.schema());
    TableContract table = FeatureTables.view(view, entity, types);
    lakehouse.ensure(List.of(table, FeatureTables.REGISTRY));

    Dataset<Row> rows =
        values
            .select(outputColumns(view, entity, types, runId, started))
            .repartition(col(LOGICAL_MONTH))
            .sortWithinPartitions(col(LOGICAL_MONTH), col(LOGICAL_DATE));
    rows.write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", dateRange(from, to))
        .save(lakehouse.location(table));

    long version = lakehouse.currentVersion(table);
    Row counts =
        lakehouse
            .readAt(lakehouse.location(table), version)
            .where(dateRange(from, to))
            .agg(expr("count(*)"), expr("count(DISTINCT " + keyList(entity) + ")"))
            .first();
    long written = counts.getLong(0);
    long entities = counts.getLong(1);
    Instant finished = clock.instant();
    writeRegistry(view, entity, types, table, version, runId, from, to, written, finished);
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.accept(
        String.format(
            "  %-45s %6.2f s",
            "features." + view.name() + " " + from + ".." + to + ": " + written + " rows",
            seconds));
    return new Result(view.name(), runId, from, to, written, entities, version, seconds);
  }

  /**
   * The feature values of every entity with events in the longest window before each date: one row
   * per (entity, logical date), with the entity keys, {@code _logical_date} and one column per
   * feature. Public for tests and the benchmark.
   */
  public static Dataset<Row> compute(
      FeatureViewSpec view,
      EntitySpec entity,
      Dataset<Row> sourceRows,
      LocalDate from,
      LocalDate to) {
    long longest = longestWindowDays(view);
    List<Column> keys = entity.keyNames().stream().map(k -> col(k)).toList();
    String ts = "`" + view.eventTime() + "`";

    // Events that can fall in a window of a date in from..to: [from - longest + 1, to + 1).
    Dataset<Row> events =
        sourceRows
            .where(
                ts
                    + " >= CAST(DATE'"
                    + from.minusDays(longest - 1)
                    + "' AS TIMESTAMP) AND "
                    + ts
                    + " < CAST(DATE'"
                    + to.plusDays(1)
                    + "' AS TIMESTAMP)")
            .where(
                entity.keyNames().stream()
                    .map(k -> "`" + k + "` IS NOT NULL")
                    .collect(java.util.stream.Collectors.joining(" AND ")));
    if (view.filter().isPresent()) {
      events = events.where(view.filter().get());
    }
    events = events.withColumn("_day", expr("to_date(" + ts + ")"));

    // Pass 1: one partial row per entity and day.
    List<Column> partials = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      if (f instanceof FeatureSpec.Aggregate a) {
        partials.addAll(partialAggregates(a, ts));
      }
    }
    List<Column> dayKeys = new ArrayList<>(keys);
    dayKeys.add(col("_day"));
    Dataset<Row> daily =
        events
            .groupBy(dayKeys.toArray(Column[]::new))
            .agg(partials.get(0), partials.subList(1, partials.size()).toArray(Column[]::new));

    // Pass 2: each partial row counts for the dates _day .. _day + longest - 1 within from..to.
    Dataset<Row> spread =
        daily
            .withColumn(
                LOGICAL_DATE,
                expr("explode(sequence(_day, date_add(_day, " + (longest - 1) + ")))"))
            .where(
                col(LOGICAL_DATE)
                    .geq(lit(java.sql.Date.valueOf(from)))
                    .and(col(LOGICAL_DATE).leq(lit(java.sql.Date.valueOf(to)))))
            .withColumn("_age", expr("datediff(" + LOGICAL_DATE + ", _day)"));
    List<Column> combined = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      if (f instanceof FeatureSpec.Aggregate a) {
        combined.add(combine(a).as(a.name()));
      }
    }
    List<Column> dateKeys = new ArrayList<>(keys);
    dateKeys.add(col(LOGICAL_DATE));
    Dataset<Row> out =
        spread
            .groupBy(dateKeys.toArray(Column[]::new))
            .agg(combined.get(0), combined.subList(1, combined.size()).toArray(Column[]::new));
    return withRatios(view, out);
  }

  /** Partial aggregates of one day: named {@code _p_<feature>[_suffix]}. */
  private static List<Column> partialAggregates(FeatureSpec.Aggregate a, String ts) {
    String cond = a.where().map(w -> "(" + w + ")").orElse("TRUE");
    String of = a.of().map(o -> "(" + o + ")").orElse("NULL");
    String p = "_p_" + a.name();
    return switch (a.function()) {
      case COUNT -> List.of(expr("count_if(" + cond + ")").as(p));
      case SUM ->
          List.of(expr("sum(CASE WHEN " + cond + " THEN CAST(" + of + " AS DOUBLE) END)").as(p));
      case MEAN ->
          List.of(
              expr("sum(CASE WHEN " + cond + " THEN CAST(" + of + " AS DOUBLE) END)")
                  .as(p + "_sum"),
              expr("count(CASE WHEN " + cond + " THEN " + of + " END)").as(p + "_n"));
      case MIN -> List.of(expr("min(CASE WHEN " + cond + " THEN " + of + " END)").as(p));
      case MAX -> List.of(expr("max(CASE WHEN " + cond + " THEN " + of + " END)").as(p));
      case COUNT_DISTINCT ->
          List.of(expr("collect_set(CASE WHEN " + cond + " THEN " + of + " END)").as(p));
      // The value of the latest event (ties on time: the greatest value, deterministically).
      case LAST ->
          List.of(
              expr("max(CASE WHEN "
                      + cond
                      + " AND "
                      + of
                      + " IS NOT NULL THEN named_struct('t', "
                      + ts
                      + ", 'v', "
                      + of
                      + ") END)")
                  .as(p));
    };
  }

  /** Combines the partial rows inside the feature's window into its value. */
  private static Column combine(FeatureSpec.Aggregate a) {
    long days = a.window().toDays();
    String in = "_age < " + days;
    String p = "_p_" + a.name();
    String inWindow = "CASE WHEN " + in + " THEN " + p + " END";
    return switch (a.function()) {
      case COUNT -> expr("coalesce(sum(" + inWindow + "), 0)");
      case SUM -> expr("coalesce(sum(" + inWindow + "), 0)");
      case MEAN ->
          // In DOUBLE: a decimal division would round the mean to 6 decimal places.
          expr(
              "CAST(sum(CASE WHEN "
                  + in
                  + " THEN "
                  + p
                  + "_sum END) AS DOUBLE) / nullif(sum(CASE WHEN "
                  + in
                  + " THEN "
                  + p
                  + "_n END), 0)");
      case MIN -> expr("min(" + inWindow + ")");
      case MAX -> expr("max(" + inWindow + ")");
      case COUNT_DISTINCT ->
          expr("CAST(size(array_distinct(flatten(collect_list(" + inWindow + ")))) AS BIGINT)");
      case LAST -> expr("max(" + inWindow + ").v");
    };
  }

  /** Adds ratio features once the features they divide exist (ratios may use ratios). */
  private static Dataset<Row> withRatios(FeatureViewSpec view, Dataset<Row> df) {
    List<FeatureSpec.Ratio> pending = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      if (f instanceof FeatureSpec.Ratio r) {
        pending.add(r);
      }
    }
    while (!pending.isEmpty()) {
      List<String> present = List.of(df.columns());
      boolean progress = false;
      for (FeatureSpec.Ratio r : new ArrayList<>(pending)) {
        if (present.contains(r.numerator()) && present.contains(r.denominator())) {
          df =
              df.withColumn(
                  r.name(),
                  expr(
                      "CAST(`"
                          + r.numerator()
                          + "` AS DOUBLE) / nullif(CAST(`"
                          + r.denominator()
                          + "` AS DOUBLE), 0)"));
          pending.remove(r);
          progress = true;
        }
      }
      if (!progress) {
        // FeatureLoader refuses cycles; this only guards against a spec built in code.
        throw new IllegalArgumentException("ratios of view " + view.name() + " form a cycle");
      }
    }
    return df;
  }

  static long longestWindowDays(FeatureViewSpec view) {
    long longest = 1;
    for (FeatureSpec f : view.features()) {
      if (f instanceof FeatureSpec.Aggregate a) {
        longest = Math.max(longest, a.window().toDays());
      }
    }
    return longest;
  }

  /** The value type of each feature, from the computed schema (see FeatureTables.valueType). */
  static Map<String, String> valueTypes(FeatureViewSpec view, StructType schema) {
    Map<String, String> types = new LinkedHashMap<>();
    for (FeatureSpec f : view.features()) {
      String sqlType = schema.apply(f.name()).dataType().sql();
      String type;
      if (f instanceof FeatureSpec.Aggregate a) {
        try {
          type = FeatureTables.valueType(a.function(), sqlType);
        } catch (IllegalArgumentException e) {
          throw new LakehouseException(
              "Feature " + f.name() + " of view " + view.name() + ": " + e.getMessage(), e);
        }
      } else {
        type = "DOUBLE";
      }
      types.put(f.name(), type);
    }
    return types;
  }

  private static Column[] outputColumns(
      FeatureViewSpec view,
      EntitySpec entity,
      Map<String, String> types,
      String runId,
      Instant started) {
    List<Column> out = new ArrayList<>();
    for (EntitySpec.Key k : entity.keys()) {
      out.add(col(k.name()).cast(k.type().ddl()).as(k.name()));
    }
    // The end of the logical date: its windows cover the events strictly before this instant.
    out.add(expr("CAST(date_add(" + LOGICAL_DATE + ", 1) AS TIMESTAMP)").as(EVENT_TIMESTAMP));
    out.add(lit(Timestamp.from(started)).as(CREATED_TIMESTAMP));
    for (FeatureSpec f : view.features()) {
      out.add(col(f.name()).cast(types.get(f.name())).as(f.name()));
    }
    out.add(lit(view.definitionHash()).as(DEFINITION_HASH));
    out.add(lit(runId).as(RUN_ID));
    out.add(col(LOGICAL_DATE));
    out.add(expr("trunc(" + LOGICAL_DATE + ", 'month')").as(LOGICAL_MONTH));
    return out.toArray(Column[]::new);
  }

  static String dateRange(LocalDate from, LocalDate to) {
    // The month bounds let Delta prune partitions; the date bounds say what is replaced.
    return LOGICAL_MONTH
        + " >= DATE'"
        + from.withDayOfMonth(1)
        + "' AND "
        + LOGICAL_MONTH
        + " <= DATE'"
        + to.withDayOfMonth(1)
        + "' AND "
        + LOGICAL_DATE
        + " >= DATE'"
        + from
        + "' AND "
        + LOGICAL_DATE
        + " <= DATE'"
        + to
        + "'";
  }

  private static String keyList(EntitySpec entity) {
    return String.join(", ", entity.keyNames().stream().map(k -> "`" + k + "`").toList());
  }

  private void writeRegistry(
      FeatureViewSpec view,
      EntitySpec entity,
      Map<String, String> types,
      TableContract table,
      long version,
      String runId,
      LocalDate from,
      LocalDate to,
      long written,
      Instant finished) {
    List<Row> rows = new ArrayList<>();
    for (FeatureSpec f : view.features()) {
      rows.add(
          TableRow.of(FeatureTables.REGISTRY)
              .set("view", view.name())
              .set("feature", f.name())
              .set("entity", entity.name())
              .set("entity_keys", entity.keyNames())
              .set("value_type", types.get(f.name()))
              .set("definition", FeatureTables.describe(f))
              .set("source", view.source())
              .set("ttl", Durations.format(view.ttl()))
              .set("owner", view.owner())
              .set("description", view.description())
              .set("definition_hash", view.definitionHash())
              .set("table_name", table.qualifiedName())
              .set("delta_version", version)
              .set("last_run_id", runId)
              .set("last_date_from", java.sql.Date.valueOf(from))
              .set("last_date_to", java.sql.Date.valueOf(to))
              .set("rows_written", written)
              .set("updated_at", Timestamp.from(finished))
              .build());
    }
    TableContract registry = FeatureTables.REGISTRY;
    lakehouse
        .rows(registry, rows)
        .write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", "view = '" + view.name() + "'")
        .save(lakehouse.location(registry));
  }
}
