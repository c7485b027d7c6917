package dev.lakeml.features;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.features.RequestFeatureSpec;
import dev.lakeml.schemas.project.Declared;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.TableContract;
import io.delta.tables.DeltaTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds point-in-time training sets into {@code training_sets.<name>} and rebuilds them exactly
 * from their manifest in {@code ops.training_sets}.
 *
 * <p>Every table a build reads (the spine's tables and each feature table) is pinned to the Delta
 * version current when the build starts, and read at that version; the manifest records the
 * versions, so a rebuild reads the same snapshots by time travel however much data has landed
 * since, and must produce the same rows (checked by count and an order-independent checksum).
 */
public final class TrainingSetJob {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  /** Where the spine comes from. */
  public sealed interface Spine {
    /** Rows derived from a declared label at cutoff dates (see {@link LabelSpine}). */
    record FromLabel(String label, LocalDate from, LocalDate to, int everyDays) implements Spine {}

    /** Rows from a Spark SQL query over lakehouse tables; {@code time} names its time column. */
    record FromSql(String sql, String time) implements Spine {}
  }

  /** A build's outcome: its manifest id and what it wrote. */
  public record Result(
      String id,
      String name,
      long rows,
      long checksum,
      long outputVersion,
      List<String> views,
      List<String> requestFeatures) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final SparkSession spark;
  private final Clock clock;
  private final Consumer<String> log;
  private final PinnedTables pinned;
  private final TrainingSetManifests manifests;

  public TrainingSetJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
    this.clock = clock;
    this.log = log;
    this.pinned = new PinnedTables(lakehouse);
    this.manifests = new TrainingSetManifests(lakehouse);
  }

  public Result build(String name, Spine spine, List<String> viewNames, boolean asKnownAt) {
    if (!NAME.matcher(name).matches()) {
      throw new LakehouseException(
          "training set name '" + name + "' must be lower case letters, digits and _");
    }
    Map<String, Long> versions = new LinkedHashMap<>();
    Map<String, String> locations = new LinkedHashMap<>();
    Optional<LabelSpec> label = Optional.empty();
    String spineTime;
    List<String> spineColumns;
    if (spine instanceof Spine.FromLabel l) {
      LabelSpec spec =
          Declared.find("label", l.label(), project.features().labels(), LabelSpec::name);
      label = Optional.of(spec);
      TableContract silver = IngestTables.silver(project.source(spec.source()).orElseThrow());
      pinned.pin(silver.qualifiedName(), lakehouse.location(silver), versions, locations);
      spineTime = LabelSpine.TIME;
      spineColumns =
          LabelSpine.columns(spec, entity(spec.entity()), lakehouse.read(silver).columns());
    } else {
      Spine.FromSql s = (Spine.FromSql) spine;
      for (Map.Entry<String, String> t : pinned.tablesRead(s.sql()).entrySet()) {
        pinned.pin(t.getKey(), t.getValue(), versions, locations);
      }
      spineTime = s.time();
      spineColumns = Arrays.asList(spark.sql(s.sql()).columns());
    }
    List<FeatureViewSpec> views = chooseViews(viewNames, spineColumns);
    Map<String, String> hashes = new LinkedHashMap<>();
    Map<String, List<String>> features = new LinkedHashMap<>();
    Map<String, List<String>> keys = new LinkedHashMap<>();
    Map<String, Long> ttl = new LinkedHashMap<>();
    for (FeatureViewSpec v : views) {
      String table = Layer.FEATURES.database() + "." + v.name();
      String location = lakehouse.location(Layer.FEATURES, v.name());
      if (!tableExists(location)) {
        throw new LakehouseException(
            "feature view "
                + v.name()
                + " has not been computed yet ("
                + table
                + " does not exist): run lakeml features first");
      }
      pinned.pin(table, location, versions, locations);
      hashes.put(v.name(), v.definitionHash());
      features.put(v.name(), v.features().stream().map(FeatureSpec::name).toList());
      keys.put(v.name(), entity(v.entity()).keyNames());
      ttl.put(v.name(), v.ttl().toSeconds());
    }
    TrainingSetPlan plan =
        new TrainingSetPlan(
            name,
            spine,
            label,
            spineTime,
            versions,
            locations,
            views.stream().map(FeatureViewSpec::name).toList(),
            hashes,
            features,
            keys,
            ttl,
            asKnownAt,
            Optional.empty());
    return execute(plan, Optional.empty());
  }

  /** Rebuilds a manifest's rows from the same table versions; fails if they differ. */
  public Result rebuild(String id, Optional<String> into) {
    TrainingSetManifests.Manifest m = manifests.find(id);
    Result r = execute(m.plan().named(into.orElse(m.plan().name())), Optional.of(id));
    if (r.rows() != m.rows() || r.checksum() != m.checksum()) {
      throw new LakehouseException(
          "rebuild of "
              + id
              + " differs from the original: "
              + r.rows()
              + " rows (checksum "
              + r.checksum()
              + ") against "
              + m.rows()
              + " rows (checksum "
              + m.checksum()
              + ")");
    }
    return r;
  }

  private Result execute(TrainingSetPlan plan, Optional<String> rebuiltFrom) {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Instant started = clock.instant();
    Dataset<Row> spine;
    if (plan.spine() instanceof Spine.FromLabel l) {
      LabelSpec spec = plan.label().orElseThrow();
      Dataset<Row> rows = pinned.read(Layer.SILVER.database() + "." + spec.source(), plan);
      spine =
          LabelSpine.build(
              spark, spec, entity(spec.entity()), rows, l.from(), l.to(), l.everyDays());
    } else {
      spine =
          pinned.runPinned(((Spine.FromSql) plan.spine()).sql(), plan.versions(), plan.locations());
    }
    List<PointInTimeJoin.ViewInput> inputs = new ArrayList<>();
    List<String> allKeys = new ArrayList<>();
    for (String v : plan.views()) {
      Dataset<Row> rows = pinned.read(Layer.FEATURES.database() + "." + v, plan);
      inputs.add(
          new PointInTimeJoin.ViewInput(
              v,
              rows,
              plan.keys().get(v),
              plan.features().get(v),
              Duration.ofSeconds(plan.ttlSeconds().get(v))));
      plan.keys().get(v).stream().filter(k -> !allKeys.contains(k)).forEach(allKeys::add);
    }
    // Computed once: the checks and the join both read it.
    spine = spine.localCheckpoint(true);
    PointInTimeJoin.check(spine, plan.spineTime(), allKeys);
    Dataset<Row> joined = PointInTimeJoin.join(spine, plan.spineTime(), inputs, plan.asKnownAt());
    // Request-time features whose inputs the rows have: the serving code's own Java transforms.
    List<RequestFeatureSpec> requested =
        project.features().requestFeatures().stream()
            .filter(r -> plan.requestFeatures().map(l -> l.contains(r.name())).orElse(true))
            .toList();
    List<String> added = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    joined = RequestFeatures.apply(joined, requested, added, skipped);
    if (plan.requestFeatures().isPresent() && !added.containsAll(plan.requestFeatures().get())) {
      throw new LakehouseException(
          "the build used request features "
              + plan.requestFeatures().get()
              + " but only "
              + added
              + " can be computed now: their declarations changed");
    }

    String location = lakehouse.location(Layer.TRAINING_SETS, plan.name());
    joined
        .write()
        .format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .save(location);
    lakehouse.registerLayer(Layer.TRAINING_SETS);
    long version = lakehouse.currentVersion(location);
    Dataset<Row> atVersion = lakehouse.readAt(location, version);
    Row stats = atVersion.selectExpr("count(*)", checksumExpression(atVersion.columns())).first();
    long rows = stats.getLong(0);
    long checksum = stats.isNullAt(1) ? 0L : stats.getLong(1);

    manifests.append(
        new TrainingSetManifests.Manifest(
            id, started, plan, added, rows, checksum, version, rebuiltFrom));
    log.accept(
        "  training_sets."
            + plan.name()
            + ": "
            + rows
            + " rows, views "
            + plan.views()
            + (added.isEmpty() ? "" : ", request features " + added)
            + (skipped.isEmpty() ? "" : " (not " + skipped + ": inputs missing)")
            + ", inputs "
            + plan.versions());
    return new Result(id, plan.name(), rows, checksum, version, plan.views(), added);
  }

  /** An order-independent checksum of every row: the sum of a 64-bit hash of all its columns. */
  static String checksumExpression(String[] columns) {
    StringBuilder sb = new StringBuilder("sum(xxhash64(");
    for (int i = 0; i < columns.length; i++) {
      sb.append(i == 0 ? "" : ", ").append('`').append(columns[i]).append('`');
    }
    return sb.append("))").toString();
  }

  private List<FeatureViewSpec> chooseViews(List<String> names, List<String> spineColumns) {
    List<FeatureViewSpec> all = project.features().views();
    if (!names.isEmpty()) {
      List<FeatureViewSpec> out = new ArrayList<>();
      for (String n : names) {
        FeatureViewSpec v = Declared.find("feature view", n, all, FeatureViewSpec::name);
        List<String> missing =
            entity(v.entity()).keyNames().stream().filter(k -> !spineColumns.contains(k)).toList();
        if (!missing.isEmpty()) {
          throw new LakehouseException(
              "feature view "
                  + n
                  + " needs the spine to have its entity keys "
                  + missing
                  + "; the spine's columns are "
                  + spineColumns);
        }
        out.add(v);
      }
      return out;
    }
    List<FeatureViewSpec> out =
        all.stream().filter(v -> spineColumns.containsAll(entity(v.entity()).keyNames())).toList();
    if (out.isEmpty()) {
      throw new LakehouseException(
          "no feature view's entity keys are all spine columns " + spineColumns);
    }
    return out;
  }

  private EntitySpec entity(String name) {
    return project.features().entity(name).orElseThrow();
  }

  private boolean tableExists(String location) {
    try {
      DeltaTable.forPath(spark, location);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
