package dev.lakeml.features;

import static dev.lakeml.schemas.tables.FeatureTables.CREATED_TIMESTAMP;
import static dev.lakeml.schemas.tables.FeatureTables.EVENT_TIMESTAMP;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;

import dev.lakeml.lakehouse.LakehouseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Joins feature views to a spine of (entity keys, time, ...) rows as of each row's time.
 *
 * <p>Semantics: for each spine row at time t, the feature row of the same entity with the newest
 * {@code event_timestamp <= t} wins (inclusive); among rows with the same event time the later
 * {@code created_timestamp} wins, and a full tie goes to the greatest values (compared column by
 * column in declared order, NULL lowest), so the result never depends on file order. If the winner
 * is older than the view's TTL measured back from t ({@code event_timestamp < t - ttl}), the
 * features are NULL; TTL 0 is unbounded. Spine rows are kept one for one, duplicates included, with
 * every spine column. In as-known-at mode a feature row is visible only once it was also created
 * ({@code created_timestamp <= t}), so late-computed values never leak into training.
 *
 * <p>Plan: instead of joining every spine row to every older feature row and ranking (which grows
 * with spine rows × history), feature rows and spine rows are unioned, partitioned by entity key,
 * ordered by visibility time (feature rows before spine rows at the same instant), and a running
 * {@code max} of (event time, created time, values) is carried forward: one shuffle and one sort
 * per view, linear in spine + feature rows.
 */
public final class PointInTimeJoin {
  /** One feature view as the join sees it: its rows, key columns, feature columns and TTL. */
  public record ViewInput(
      String name, Dataset<Row> rows, List<String> keys, List<String> features, Duration ttl) {}

  private static final String VIS = "_pit_visible_at";
  private static final String ORDER = "_pit_order";
  private static final String VAL = "_pit_value";
  private static final String SPINE = "_pit_spine";
  private static final String TIME = "_pit_time";
  private static final String BEST = "_pit_best";

  private PointInTimeJoin() {}

  /**
   * The spine's time column as a UTC instant: TIMESTAMP as is, TIMESTAMP_NTZ read as UTC, text
   * parsed as ISO-8601 (an offset such as {@code +02:00} is honoured).
   */
  public static Column normalisedTime(Dataset<Row> spine, String timeColumn) {
    DataType type = field(spine, timeColumn).dataType();
    Column c = col(timeColumn);
    if (type instanceof TimestampType) {
      return c;
    }
    if (type instanceof TimestampNTZType || type.equals(DataTypes.DateType)) {
      return c.cast(DataTypes.TimestampType);
    }
    if (type instanceof StringType) {
      return expr("to_timestamp(`" + timeColumn + "`)");
    }
    throw new LakehouseException(
        "spine column '"
            + timeColumn
            + "' is "
            + type.sql()
            + "; expected a TIMESTAMP (or a date, or ISO-8601 text)");
  }

  /**
   * Refuses a spine whose keys or time are missing or NULL, naming the column, the number of such
   * rows and an example.
   */
  public static void check(Dataset<Row> spine, String timeColumn, List<String> keys) {
    List<String> needed = new ArrayList<>(keys);
    needed.add(timeColumn);
    List<String> columns = List.of(spine.columns());
    for (String k : needed) {
      if (!columns.contains(k)) {
        throw new LakehouseException(
            "the spine has no column '"
                + k
                + "' (needed as "
                + (k.equals(timeColumn) ? "the spine time" : "an entity key")
                + "); its columns are "
                + columns);
      }
    }
    Column time = normalisedTime(spine, timeColumn);
    List<Column> counts = new ArrayList<>();
    for (String k : keys) {
      counts.add(expr("count_if(`" + k + "` IS NULL)").as(k));
    }
    counts.add(expr("count_if(`" + timeColumn + "` IS NULL)").as("_raw_time"));
    counts.add(
        functionsCountIf(time.isNull().and(col(timeColumn).isNotNull())).as("_unparsable_time"));
    Row r =
        spine.agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new)).first();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (r.getLong(i) > 0) {
        problems.add(r.getLong(i) + " rows have no " + keys.get(i) + " (an entity key)");
      }
    }
    if (r.getLong(keys.size()) > 0) {
      problems.add(r.getLong(keys.size()) + " rows have no " + timeColumn + " (the spine time)");
    }
    if (r.getLong(keys.size() + 1) > 0) {
      Row example =
          spine.where(time.isNull().and(col(timeColumn).isNotNull())).select(timeColumn).first();
      problems.add(
          r.getLong(keys.size() + 1)
              + " rows have a "
              + timeColumn
              + " that is not a timestamp, e.g. '"
              + example.get(0)
              + "' (expected ISO-8601 such as 2011-06-01T10:00:00Z)");
    }
    if (!problems.isEmpty()) {
      throw new LakehouseException(
          "The spine cannot be joined: " + String.join("; ", problems) + ". Nothing was written.");
    }
  }

  private static Column functionsCountIf(Column condition) {
    return org.apache.spark.sql.functions.sum(
        org.apache.spark.sql.functions.when(condition, 1L).otherwise(0L));
  }

  /**
   * Adds each view's features to the spine as of {@code timeColumn}. The spine must pass {@link
   * #check}; its time column is normalised to a UTC TIMESTAMP in the output.
   */
  public static Dataset<Row> join(
      Dataset<Row> spine, String timeColumn, List<ViewInput> views, boolean asKnownAt) {
    Dataset<Row> out = spine.withColumn(timeColumn, normalisedTime(spine, timeColumn));
    for (ViewInput v : views) {
      for (String f : v.features()) {
        if (List.of(out.columns()).contains(f)) {
          throw new LakehouseException(
              "the spine already has a column '" + f + "', a feature of view " + v.name());
        }
      }
      out = joinOne(out, timeColumn, v, asKnownAt);
    }
    return out;
  }

  private static Dataset<Row> joinOne(
      Dataset<Row> spine, String timeColumn, ViewInput view, boolean asKnownAt) {
    String[] spineColumns = spine.columns();
    List<Column> valueFields = new ArrayList<>();
    valueFields.add(col(EVENT_TIMESTAMP).as("e"));
    valueFields.add(col(CREATED_TIMESTAMP).as("c"));
    for (int i = 0; i < view.features().size(); i++) {
      valueFields.add(col(view.features().get(i)).as("f" + i));
    }
    Dataset<Row> features =
        view.rows()
            .select(
                concat(
                    keyColumns(view.keys(), view.rows(), null),
                    List.of(
                        (asKnownAt
                                ? expr(
                                    "greatest(" + EVENT_TIMESTAMP + ", " + CREATED_TIMESTAMP + ")")
                                : col(EVENT_TIMESTAMP))
                            .as(VIS),
                        lit(0).as(ORDER),
                        struct(valueFields.toArray(Column[]::new)).as(VAL))));
    DataType valueType = features.schema().apply(VAL).dataType();
    List<Column> spineFields = new ArrayList<>();
    for (String c : spineColumns) {
      spineFields.add(col(c));
    }
    Dataset<Row> spineSide =
        spine.select(
            concat(
                keyColumns(view.keys(), view.rows(), spine),
                List.of(
                    col(timeColumn).as(VIS),
                    lit(1).as(ORDER),
                    lit(null).cast(valueType).as(VAL),
                    struct(spineFields.toArray(Column[]::new)).as(SPINE))));
    DataType spineType = spineSide.schema().apply(SPINE).dataType();
    Dataset<Row> unioned =
        features.withColumn(SPINE, lit(null).cast(spineType)).unionByName(spineSide);

    WindowSpec upToHere =
        Window.partitionBy(view.keys().stream().map(k -> col(k)).toArray(Column[]::new))
            .orderBy(col(VIS), col(ORDER))
            .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> carried =
        unioned.withColumn(BEST, max(col(VAL)).over(upToHere)).where(col(ORDER).equalTo(1));

    List<Column> out = new ArrayList<>();
    for (String c : spineColumns) {
      out.add(col(SPINE + ".`" + c + "`").as(c));
    }
    // TTL: the newest visible row is the freshest there is; if it is too old, so is every other.
    Column fresh =
        view.ttl().isZero()
            ? lit(true)
            : col(BEST + ".e")
                .geq(
                    expr(
                        SPINE
                            + ".`"
                            + timeColumn
                            + "` - INTERVAL "
                            + view.ttl().toSeconds()
                            + " SECONDS"));
    out.add(col(SPINE + ".`" + timeColumn + "`").as(TIME));
    for (int i = 0; i < view.features().size(); i++) {
      out.add(
          org.apache
              .spark
              .sql
              .functions
              .when(fresh, col(BEST + ".f" + i))
              .as(view.features().get(i)));
    }
    return carried.select(out.toArray(Column[]::new)).drop(TIME);
  }

  /** The key columns, cast on the spine side to the feature table's key types. */
  private static List<Column> keyColumns(
      List<String> keys, Dataset<Row> featureRows, Dataset<Row> spine) {
    List<Column> out = new ArrayList<>();
    for (String k : keys) {
      if (spine == null) {
        out.add(col(k));
      } else {
        out.add(col(k).cast(field(featureRows, k).dataType()).as(k));
      }
    }
    return out;
  }

  private static StructField field(Dataset<Row> df, String name) {
    for (StructField f : df.schema().fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new LakehouseException("no column '" + name + "' in " + List.of(df.columns()));
  }

  private static Column[] concat(List<Column> a, List<Column> b) {
    List<Column> all = new ArrayList<>(a);
    all.addAll(b);
    return all.toArray(Column[]::new);
  }

  /**
   * The plan PIT joins are usually written with, for comparison (benchmark only): join each spine
   * row to every older feature row of its entity, then keep the newest with {@code row_number()}.
   */
  public static Dataset<Row> naive(Dataset<Row> spine, String timeColumn, ViewInput view) {
    Dataset<Row> s =
        spine.withColumn("_naive_id", org.apache.spark.sql.functions.monotonically_increasing_id());
    List<Column> projected = new ArrayList<>();
    for (String k : view.keys()) {
      projected.add(col(k).as("_f_" + k));
    }
    projected.add(col(EVENT_TIMESTAMP).as("_f_e"));
    projected.add(col(CREATED_TIMESTAMP).as("_f_c"));
    for (String f : view.features()) {
      projected.add(col(f));
    }
    Dataset<Row> f = view.rows().select(projected.toArray(Column[]::new));
    Column on = col("_f_e").leq(col(timeColumn));
    for (String k : view.keys()) {
      on = on.and(col(k).equalTo(col("_f_" + k)));
    }
    Dataset<Row> joined = s.join(f, on, "left");
    WindowSpec w = Window.partitionBy("_naive_id").orderBy(col("_f_e").desc(), col("_f_c").desc());
    return joined
        .withColumn("_rn", org.apache.spark.sql.functions.row_number().over(w))
        .where("_rn = 1")
        .drop("_rn", "_naive_id", "_f_e", "_f_c")
        .drop(view.keys().stream().map(k -> "_f_" + k).toArray(String[]::new));
  }
}
