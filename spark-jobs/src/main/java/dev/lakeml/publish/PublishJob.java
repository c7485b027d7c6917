package dev.lakeml.publish;

import static dev.lakeml.schemas.tables.FeatureTables.CREATED_TIMESTAMP;
import static dev.lakeml.schemas.tables.FeatureTables.EVENT_TIMESTAMP;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.snapshot.FeatureColumn;
import dev.lakeml.schemas.snapshot.FeatureRowCodec;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.tables.Layer;
import java.io.Serializable;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple2;

/**
 * Publishes the latest row of each feature view per entity (within the view's TTL) to an immutable,
 * versioned online snapshot.
 *
 * <p>The rows are encoded to (key, value) bytes here, once for every backend, and written through
 * an {@link OnlineSink}. RocksDB (default, {@link RocksDbSink}): range-partitioned and sorted by
 * key, each partition one SST file; the files cover disjoint key ranges and are ingested into a
 * fresh database at once, with no row-by-row puts. The snapshot's manifest lists views, row counts,
 * source Delta versions and file checksums; the pointer to the current version is switched
 * atomically only after everything is in place.
 *
 * <p>Redis ({@link RedisSink}): the same bytes go under a versioned key prefix, written in
 * pipelined batches from the partitions; the pointer key is switched with one SET after the
 * manifest is written.
 *
 * <p>"Latest" uses exactly the point-in-time join's order (event time, then created time, then the
 * values), so the online value of an entity equals what a training set joins at the same instant.
 */
public final class PublishJob {
  /** One view's rows to publish, already reduced to the latest per entity. */
  public record ViewData(SnapshotManifest.ViewEntry entry, Dataset<Row> rows) {}

  /** What was published. */
  public record Result(SnapshotManifest manifest, double seconds, List<Long> collected) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public PublishJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  /**
   * The views' latest rows as of {@code asOf} (default: each view's newest event time), read at the
   * tables' current Delta versions.
   */
  public List<ViewData> latest(List<FeatureViewSpec> views, Optional<Instant> asOf) {
    List<ViewData> out = new ArrayList<>();
    int viewId = 1;
    for (FeatureViewSpec v : views) {
      String location = lakehouse.location(Layer.FEATURES, v.name());
      long version;
      try {
        version = lakehouse.currentVersion(location);
      } catch (LakehouseException e) {
        throw new LakehouseException(
            "feature view "
                + v.name()
                + " has not been computed yet (features."
                + v.name()
                + " does not exist): run lakeml features first");
      }
      Dataset<Row> rows = lakehouse.readAt(location, version);
      Instant viewAsOf =
          asOf.orElseGet(
              () -> {
                Row r = rows.agg(max(EVENT_TIMESTAMP)).first();
                if (r.isNullAt(0)) {
                  throw new LakehouseException("features." + v.name() + " is empty");
                }
                return r.getTimestamp(0).toInstant();
              });
      EntitySpec entity = project.features().entity(v.entity()).orElseThrow();
      List<String> features = v.features().stream().map(FeatureSpec::name).toList();
      Dataset<Row> latest = latestRows(rows, entity.keyNames(), features, v, viewAsOf);
      List<KeyColumn> keys = new ArrayList<>();
      for (String k : entity.keyNames()) {
        keys.add(new KeyColumn(k, featureType(rows.schema().apply(k).dataType(), k)));
      }
      List<FeatureColumn> columns = new ArrayList<>();
      for (String f : features) {
        columns.add(new FeatureColumn(f, featureType(rows.schema().apply(f).dataType(), f)));
      }
      SnapshotManifest.ViewEntry entry =
          new SnapshotManifest.ViewEntry(
              v.name(),
              viewId++,
              v.entity(),
              keys,
              columns,
              v.ttl().toSeconds(),
              v.definitionHash(),
              "features." + v.name(),
              version,
              0L,
              viewAsOf);
      out.add(new ViewData(entry, latest));
    }
    return out;
  }

  /**
   * The newest date's rows of each {@code predictions.<model>} table, as snapshot views named
   * {@code predictions.<model>} (view ids after {@code firstViewId}): keys, then {@code score} (or
   * {@code items} as a JSON array), {@code model_version}, {@code prediction_date} and {@code
   * scored_at}. The serving API answers prediction lookups from them.
   */
  public List<ViewData> latestPredictions(int firstViewId) {
    List<ViewData> out = new ArrayList<>();
    int viewId = firstViewId;
    for (String model : lakehouse.registerLayer(Layer.PREDICTIONS)) {
      String location = lakehouse.location(Layer.PREDICTIONS, model);
      long version = lakehouse.currentVersion(location);
      Dataset<Row> rows = lakehouse.readAt(location, version);
      Row newest = rows.agg(max("prediction_date")).first();
      if (newest.isNullAt(0)) {
        continue;
      }
      java.sql.Date date = newest.getDate(0);
      List<String> fixed =
          List.of(
              "as_of",
              "score",
              "items",
              "scores",
              "model_name",
              "model_version",
              "scored_at",
              "prediction_date");
      List<String> keyNames =
          java.util.Arrays.stream(rows.columns()).filter(c -> !fixed.contains(c)).toList();
      boolean ranking = List.of(rows.columns()).contains("items");
      List<Column> select = new ArrayList<>();
      List<KeyColumn> keys = new ArrayList<>();
      for (String k : keyNames) {
        select.add(col(k));
        keys.add(new KeyColumn(k, featureType(rows.schema().apply(k).dataType(), k)));
      }
      select.add(col("prediction_date").cast("timestamp").as(EVENT_TIMESTAMP));
      select.add(col("scored_at").as(CREATED_TIMESTAMP));
      List<FeatureColumn> values = new ArrayList<>();
      if (ranking) {
        select.add(org.apache.spark.sql.functions.to_json(col("items")).as("items"));
        values.add(new FeatureColumn("items", FeatureType.STRING));
      } else {
        select.add(col("score"));
        values.add(new FeatureColumn("score", FeatureType.DOUBLE));
      }
      select.add(col("model_version").cast("long").as("model_version"));
      values.add(new FeatureColumn("model_version", FeatureType.LONG));
      select.add(col("prediction_date").cast("timestamp").as("prediction_date"));
      values.add(new FeatureColumn("prediction_date", FeatureType.TIMESTAMP));
      select.add(col("scored_at"));
      values.add(new FeatureColumn("scored_at", FeatureType.TIMESTAMP));
      Dataset<Row> dated =
          rows.where(col("prediction_date").equalTo(lit(date)))
              .select(select.toArray(Column[]::new));
      // One row per key (events of a day may share one, e.g. two lines of the same product on
      // an invoice): the greatest (event, created, values), as for features.
      List<String> valueNames = values.stream().map(FeatureColumn::name).toList();
      Dataset<Row> latest = newestPerKey(dated, keyNames, valueNames);
      SnapshotManifest.ViewEntry entry =
          new SnapshotManifest.ViewEntry(
              Layer.PREDICTIONS.database() + "." + model,
              viewId++,
              "prediction",
              keys,
              values,
              0L,
              "predictions:" + date,
              Layer.PREDICTIONS.database() + "." + model,
              version,
              0L,
              date.toLocalDate().plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant());
      out.add(new ViewData(entry, latest));
    }
    return out;
  }

  /**
   * Per entity, the greatest (event time, created time, values) with event time at or before {@code
   * asOf} and within the TTL: the PIT join's choice for a spine row at {@code asOf}.
   */
  static Dataset<Row> latestRows(
      Dataset<Row> rows,
      List<String> keys,
      List<String> features,
      FeatureViewSpec view,
      Instant asOf) {
    Dataset<Row> visible = rows.where(col(EVENT_TIMESTAMP).leq(Timestamp.from(asOf)));
    if (!view.ttl().isZero()) {
      visible = visible.where(col(EVENT_TIMESTAMP).geq(Timestamp.from(asOf.minus(view.ttl()))));
    }
    return newestPerKey(visible, keys, features);
  }

  /** Per key, the row with the greatest (event time, created time, values). */
  static Dataset<Row> newestPerKey(Dataset<Row> visible, List<String> keys, List<String> features) {
    List<Column> fields = new ArrayList<>();
    fields.add(col(EVENT_TIMESTAMP).as("e"));
    fields.add(col(CREATED_TIMESTAMP).as("c"));
    for (int i = 0; i < features.size(); i++) {
      fields.add(col(features.get(i)).as("f" + i));
    }
    Dataset<Row> best =
        visible
            .groupBy(keys.stream().map(k -> col(k)).toArray(Column[]::new))
            .agg(max(struct(fields.toArray(Column[]::new))).as("_best"));
    List<Column> out = new ArrayList<>();
    keys.forEach(k -> out.add(col(k)));
    out.add(col("_best.e").as(EVENT_TIMESTAMP));
    out.add(col("_best.c").as(CREATED_TIMESTAMP));
    for (int i = 0; i < features.size(); i++) {
      out.add(col("_best.f" + i).as(features.get(i)));
    }
    return best.select(out.toArray(Column[]::new));
  }

  static FeatureType featureType(DataType t, String column) {
    if (t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType)) {
      return FeatureType.LONG;
    }
    if (t.equals(DataTypes.DoubleType)) {
      return FeatureType.DOUBLE;
    }
    if (t.equals(DataTypes.TimestampType)) {
      return FeatureType.TIMESTAMP;
    }
    if (t.equals(DataTypes.StringType)) {
      return FeatureType.STRING;
    }
    if (t.equals(DataTypes.BooleanType)) {
      return FeatureType.BOOLEAN;
    }
    throw new LakehouseException(
        "column " + column + " is " + t.sql() + ", which the online store cannot hold");
  }

  /** The (key, value) bytes of every view's rows: the one encoding both backends store. */
  static Dataset<Row> encoded(List<ViewData> views) {
    Dataset<Row> all = null;
    for (ViewData v : views) {
      Dataset<Tuple2<byte[], byte[]>> kv =
          v.rows()
              .mapPartitions(
                  new Encode(EncodeSpec.of(v.entry())),
                  Encoders.tuple(Encoders.BINARY(), Encoders.BINARY()));
      Dataset<Row> df = kv.toDF("k", "v");
      all = all == null ? df : all.union(df);
    }
    return all;
  }

  /** Publishes to a RocksDB snapshot store; keeps {@code retain} snapshots. */
  public Result publishRocksDb(List<ViewData> views, Path root, int partitions, int retain) {
    return publish(views, new RocksDbSink(root), partitions, retain);
  }

  /** Publishes to Redis under {@code prefix}; keeps {@code retain} versions. */
  public Result publishRedis(
      List<ViewData> views, String host, int port, String prefix, int partitions, int retain) {
    return publish(views, new RedisSink(host, port, prefix), partitions, retain);
  }

  /**
   * Publishes the views as the sink's next version: encodes the rows, lets the sink arrange and
   * write them on the executors, commits the manifest with the rows each view got, and collects
   * versions beyond the newest {@code retain}.
   */
  Result publish(List<ViewData> views, OnlineSink sink, int partitions, int retain) {
    long t0 = System.nanoTime();
    long version = sink.nextVersion();
    List<PartitionWritten> parts =
        sink.arrange(encoded(views), partitions)
            .mapPartitions(sink.writer(version), Encoders.javaSerialization(PartitionWritten.class))
            .collectAsList();
    SnapshotManifest manifest =
        manifest(version, sink.backend(), views, PartitionWritten.sum(parts));
    SnapshotManifest written = sink.commit(manifest, parts);
    List<Long> collected = sink.garbageCollect(retain);
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.accept(
        String.format(
            "  %-45s %6.2f s",
            sink.backend() + " snapshot v" + version + ": " + written.totalRows() + " rows",
            seconds));
    return new Result(written, seconds, collected);
  }

  private SnapshotManifest manifest(
      long version, String backend, List<ViewData> views, Map<Integer, Long> counts) {
    List<SnapshotManifest.ViewEntry> entries = new ArrayList<>();
    for (ViewData v : views) {
      SnapshotManifest.ViewEntry e = v.entry();
      entries.add(
          new SnapshotManifest.ViewEntry(
              e.name(),
              e.viewId(),
              e.entity(),
              e.keys(),
              e.features(),
              e.ttlSeconds(),
              e.definitionHash(),
              e.sourceTable(),
              e.sourceDeltaVersion(),
              counts.getOrDefault(e.viewId(), 0L),
              e.featuresAsOf()));
    }
    return new SnapshotManifest(
        SnapshotManifest.FORMAT_VERSION,
        version,
        project.name(),
        clock.instant(),
        backend,
        entries,
        List.of());
  }

  /** What executors need to encode a view's rows (the manifest records are not serializable). */
  record EncodeSpec(int viewId, String[] keys, String[] keyTypes, String[] features, String[] types)
      implements Serializable {
    static EncodeSpec of(SnapshotManifest.ViewEntry e) {
      return new EncodeSpec(
          e.viewId(),
          e.keys().stream().map(KeyColumn::name).toArray(String[]::new),
          e.keys().stream().map(k -> k.type().name()).toArray(String[]::new),
          e.features().stream().map(FeatureColumn::name).toArray(String[]::new),
          e.features().stream().map(f -> f.type().name()).toArray(String[]::new));
    }

    List<KeyColumn> keyColumns() {
      List<KeyColumn> out = new ArrayList<>();
      for (int i = 0; i < keys.length; i++) {
        out.add(new KeyColumn(keys[i], FeatureType.valueOf(keyTypes[i])));
      }
      return out;
    }

    List<FeatureColumn> featureColumns() {
      List<FeatureColumn> out = new ArrayList<>();
      for (int i = 0; i < features.length; i++) {
        out.add(new FeatureColumn(features[i], FeatureType.valueOf(types[i])));
      }
      return out;
    }
  }

  /** Encodes rows (keys, event_timestamp, created_timestamp, features...) to (key, value). */
  static final class Encode implements MapPartitionsFunction<Row, Tuple2<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;
    private final EncodeSpec spec;

    Encode(EncodeSpec spec) {
      this.spec = spec;
    }

    @Override
    public Iterator<Tuple2<byte[], byte[]>> call(Iterator<Row> rows) {
      List<KeyColumn> keys = spec.keyColumns();
      FeatureRowCodec codec = new FeatureRowCodec(spec.featureColumns());
      int nk = spec.keys().length;
      int nf = spec.features().length;
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Tuple2<byte[], byte[]> next() {
          Row r = rows.next();
          List<Object> key = new ArrayList<>(nk);
          for (int i = 0; i < nk; i++) {
            key.add(r.get(i));
          }
          Object[] values = new Object[nf];
          for (int i = 0; i < nf; i++) {
            values[i] = r.get(nk + 2 + i);
          }
          return new Tuple2<>(
              KeyCodec.encode(spec.viewId(), keys, key),
              codec.encode(
                  r.getTimestamp(nk).toInstant(), r.getTimestamp(nk + 1).toInstant(), values));
        }
      };
    }
  }
}
