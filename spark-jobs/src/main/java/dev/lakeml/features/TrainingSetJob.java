package dev.lakeml.features;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.features.Durations;
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
import dev.lakeml.schemas.tables.TrainingSetTables;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.LogicalRelation;

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

  public TrainingSetJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
    this.clock = clock;
    this.log = log;
  }

  /** Everything a build depends on, as recorded in (or read from) a manifest. */
  private record Plan(
      String name,
      Spine spine,
      Optional<LabelSpec> label,
      String spineTime,
      Map<String, Long> versions,
      Map<String, String> locations,
      List<String> views,
      Map<String, String> hashes,
      Map<String, List<String>> features,
      Map<String, List<String>> keys,
      Map<String, Long> ttlSeconds,
      boolean asKnownAt,
      Optional<List<String>> requestFeatures) {}

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
      pin(silver.qualifiedName(), lakehouse.location(silver), versions, locations);
      spineTime = LabelSpine.TIME;
      spineColumns =
          LabelSpine.columns(spec, entity(spec.entity()), lakehouse.read(silver).columns());
    } else {
      Spine.FromSql s = (Spine.FromSql) spine;
      for (Map.Entry<String, String> t : tablesRead(s.sql()).entrySet()) {
        pin(t.getKey(), t.getValue(), versions, locations);
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
      pin(table, location, versions, locations);
      hashes.put(v.name(), v.definitionHash());
      features.put(v.name(), v.features().stream().map(FeatureSpec::name).toList());
      keys.put(v.name(), entity(v.entity()).keyNames());
      ttl.put(v.name(), v.ttl().toSeconds());
    }
    Plan plan =
        new Plan(
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
    TableContract manifests = TrainingSetTables.MANIFESTS;
    if (!lakehouse.exists(manifests)) {
      throw new LakehouseException("no training set has been built yet (ops.training_sets)");
    }
    List<Row> found =
        lakehouse
            .read(manifests)
            .where(org.apache.spark.sql.functions.col("id").equalTo(id))
            .collectAsList();
    if (found.isEmpty()) {
      throw new LakehouseException(
          "no training set build with id '"
              + id
              + "'; see SELECT id, name, created_at FROM ops.training_sets");
    }
    Row m = found.get(0);
    Spine spine;
    Optional<LabelSpec> label = Optional.empty();
    if (m.<String>getAs("spine_kind").equals("label")) {
      Map<String, String> d = m.getJavaMap(m.fieldIndex("label_definition"));
      LabelSpec spec =
          new LabelSpec(
              m.getAs("label"),
              d.get("entity"),
              d.get("source"),
              d.get("event_time"),
              LabelSpec.Kind.valueOf(d.get("kind")),
              Durations.parse(d.get("window")),
              Optional.ofNullable(d.get("events")),
              d.get("match").isEmpty() ? List.of() : List.of(d.get("match").split(",")),
              "");
      label = Optional.of(spec);
      spine =
          new Spine.FromLabel(
              spec.name(),
              LocalDate.parse(d.get("from")),
              LocalDate.parse(d.get("to")),
              Integer.parseInt(d.get("every_days")));
    } else {
      spine = new Spine.FromSql(m.getAs("spine"), m.getAs("spine_time"));
    }
    Map<String, List<String>> features = new LinkedHashMap<>();
    Map<String, List<String>> keys = new LinkedHashMap<>();
    Map<String, List<?>> rawFeatures = m.getJavaMap(m.fieldIndex("view_features"));
    Map<String, List<?>> rawKeys = m.getJavaMap(m.fieldIndex("view_keys"));
    List<String> views = m.getList(m.fieldIndex("views"));
    for (String v : views) {
      features.put(v, seqStrings(rawFeatures.get(v)));
      keys.put(v, seqStrings(rawKeys.get(v)));
    }
    Plan plan =
        new Plan(
            into.orElse(m.getAs("name")),
            spine,
            label,
            m.getAs("spine_time"),
            new LinkedHashMap<>(m.<String, Long>getJavaMap(m.fieldIndex("input_tables"))),
            new LinkedHashMap<>(m.<String, String>getJavaMap(m.fieldIndex("input_locations"))),
            views,
            new LinkedHashMap<>(m.<String, String>getJavaMap(m.fieldIndex("view_hashes"))),
            features,
            keys,
            new LinkedHashMap<>(m.<String, Long>getJavaMap(m.fieldIndex("view_ttl_seconds"))),
            m.getAs("as_known_at"),
            Optional.of(
                m.isNullAt(m.fieldIndex("request_features"))
                    ? List.<String>of()
                    : m.<String>getList(m.fieldIndex("request_features"))));
    Result r = execute(plan, Optional.of(id));
    long rows = m.getAs("rows");
    long checksum = m.getAs("checksum");
    if (r.rows() != rows || r.checksum() != checksum) {
      throw new LakehouseException(
          "rebuild of "
              + id
              + " differs from the original: "
              + r.rows()
              + " rows (checksum "
              + r.checksum()
              + ") against "
              + rows
              + " rows (checksum "
              + checksum
              + ")");
    }
    return r;
  }

  private static List<String> seqStrings(Object value) {
    if (value instanceof scala.collection.Seq<?> s) {
      return scala.collection.JavaConverters.seqAsJavaList(s).stream()
          .map(Object::toString)
          .toList();
    }
    return ((List<?>) value).stream().map(Object::toString).toList();
  }

  private Result execute(Plan plan, Optional<String> rebuiltFrom) {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Instant started = clock.instant();
    Dataset<Row> spine;
    String spineText;
    Map<String, String> labelDefinition = null;
    if (plan.spine() instanceof Spine.FromLabel l) {
      LabelSpec spec = plan.label().orElseThrow();
      String silver = Layer.SILVER.database() + "." + spec.source();
      Dataset<Row> rows = readPinned(silver, plan);
      spine =
          LabelSpine.build(
              spark, spec, entity(spec.entity()), rows, l.from(), l.to(), l.everyDays());
      spineText =
          "label "
              + spec.name()
              + " from "
              + l.from()
              + " to "
              + l.to()
              + " every "
              + l.everyDays()
              + "d";
      Map<String, String> definition = new LinkedHashMap<>();
      labelDefinition = definition;
      labelDefinition.put("entity", spec.entity());
      labelDefinition.put("source", spec.source());
      labelDefinition.put("event_time", spec.eventTime());
      labelDefinition.put("kind", spec.kind().name());
      labelDefinition.put("window", Durations.format(spec.window()));
      spec.events().ifPresent(e -> definition.put("events", e));
      labelDefinition.put("match", String.join(",", spec.match()));
      labelDefinition.put("from", l.from().toString());
      labelDefinition.put("to", l.to().toString());
      labelDefinition.put("every_days", String.valueOf(l.everyDays()));
    } else {
      Spine.FromSql s = (Spine.FromSql) plan.spine();
      spine = runPinned(s.sql(), plan.versions(), plan.locations());
      spineText = s.sql();
    }
    List<PointInTimeJoin.ViewInput> inputs = new ArrayList<>();
    List<String> allKeys = new ArrayList<>();
    for (String v : plan.views()) {
      Dataset<Row> rows = readPinned(Layer.FEATURES.database() + "." + v, plan);
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

    lakehouse.ensure(List.of(TrainingSetTables.MANIFESTS));
    Map<String, List<String>> viewFeatures = new LinkedHashMap<>(plan.features());
    Row manifest =
        RowFactory.create(
            id,
            plan.name(),
            Timestamp.from(started),
            plan.label().isPresent() ? "label" : "sql",
            spineText,
            plan.label().map(LabelSpec::name).orElse(null),
            labelDefinition,
            plan.spineTime(),
            plan.versions(),
            plan.locations(),
            plan.views(),
            plan.hashes(),
            viewFeatures,
            plan.keys(),
            plan.ttlSeconds(),
            added,
            plan.asKnownAt(),
            rows,
            checksum,
            Layer.TRAINING_SETS.database() + "." + plan.name(),
            version,
            rebuiltFrom.orElse(null));
    TableContract manifests = TrainingSetTables.MANIFESTS;
    lakehouse
        .rows(manifests, List.of(manifest))
        .write()
        .format("delta")
        .mode("append")
        .save(lakehouse.location(manifests));
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

  private void pin(
      String table, String location, Map<String, Long> versions, Map<String, String> locations) {
    versions.put(table, lakehouse.currentVersion(location));
    locations.put(table, location);
  }

  private Dataset<Row> readPinned(String table, Plan plan) {
    Long version = plan.versions().get(table);
    if (version == null) {
      throw new LakehouseException("the manifest has no version for " + table);
    }
    return lakehouse.readAt(plan.locations().get(table), version);
  }

  /** The lakehouse tables a SQL query reads, with their locations. */
  Map<String, String> tablesRead(String sql) {
    LogicalPlan analyzed;
    try {
      analyzed = spark.sql(sql).queryExecution().analyzed();
    } catch (Exception e) {
      throw new LakehouseException("the spine query does not run: " + firstLine(e), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    collectTables(analyzed, out);
    return out;
  }

  private static void collectTables(LogicalPlan plan, Map<String, String> out) {
    if (plan instanceof LogicalRelation r && r.catalogTable().isDefined()) {
      CatalogTable t = r.catalogTable().get();
      String name = t.identifier().database().get() + "." + t.identifier().table();
      out.put(name, t.location().toString().replaceFirst("^file:(?!//)", "file://"));
    }
    for (LogicalPlan child : scala.collection.JavaConverters.seqAsJavaList(plan.children())) {
      collectTables(child, out);
    }
    for (LogicalPlan sub : scala.collection.JavaConverters.seqAsJavaList(plan.subqueries())) {
      collectTables(sub, out);
    }
  }

  /**
   * Runs a spine query with each table it reads replaced, for this query only, by a view of the
   * pinned Delta version. The catalog entries are restored before returning; the query's plan keeps
   * the pinned snapshots.
   */
  private Dataset<Row> runPinned(
      String sql, Map<String, Long> versions, Map<String, String> locations) {
    List<String> swapped = new ArrayList<>();
    try {
      for (Map.Entry<String, Long> e : versions.entrySet()) {
        String name = e.getKey();
        if (name.startsWith(Layer.FEATURES.database() + ".")) {
          continue; // feature tables are read by the join, not by the spine query
        }
        spark.sql("DROP TABLE IF EXISTS " + name);
        spark.sql(
            "CREATE VIEW "
                + name
                + " AS SELECT * FROM delta.`"
                + locations.get(name).replace("`", "``")
                + "` VERSION AS OF "
                + e.getValue());
        swapped.add(name);
      }
      try {
        return spark.sql(sql).localCheckpoint(true);
      } catch (Exception ex) {
        throw new LakehouseException("the spine query does not run: " + firstLine(ex), ex);
      }
    } finally {
      for (String name : swapped) {
        spark.sql("DROP VIEW IF EXISTS " + name);
        spark.sql(
            "CREATE TABLE "
                + name
                + " USING delta LOCATION '"
                + locations.get(name).replace("\\", "\\\\").replace("'", "\\'")
                + "'");
      }
    }
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
