package dev.lakeml.features;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.features.LabelSpec;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.TrainingSetTables;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;

/**
 * {@code ops.training_sets}: one manifest per training-set build, the only reader and writer of its
 * rows. A manifest holds the build's {@link TrainingSetPlan} (so a rebuild runs the same one) and
 * what the build wrote (rows, checksum, output Delta version).
 */
final class TrainingSetManifests {
  /** A build as recorded: its plan, the request features it added, and what it wrote. */
  record Manifest(
      String id,
      Instant createdAt,
      TrainingSetPlan plan,
      List<String> requestFeatures,
      long rows,
      long checksum,
      long outputVersion,
      Optional<String> rebuiltFrom) {

    String outputTable() {
      return Layer.TRAINING_SETS.database() + "." + plan.name();
    }
  }

  private final Lakehouse lakehouse;

  TrainingSetManifests(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  void append(Manifest m) {
    lakehouse.ensure(List.of(TrainingSetTables.MANIFESTS));
    TrainingSetPlan p = m.plan();
    Row row =
        TableRow.of(TrainingSetTables.MANIFESTS)
            .set("id", m.id())
            .set("name", p.name())
            .set("created_at", Timestamp.from(m.createdAt()))
            .set("spine_kind", p.label().isPresent() ? "label" : "sql")
            .set("spine", describe(p.spine()))
            .set("label", p.label().map(LabelSpec::name).orElse(null))
            .set("label_definition", labelDefinition(p))
            .set("spine_time", p.spineTime())
            .set("input_tables", p.versions())
            .set("input_locations", relative(p.locations()))
            .set("views", p.views())
            .set("view_hashes", p.hashes())
            .set("view_features", p.features())
            .set("view_keys", p.keys())
            .set("view_ttl_seconds", p.ttlSeconds())
            .set("request_features", m.requestFeatures())
            .set("as_known_at", p.asKnownAt())
            .set("rows", m.rows())
            .set("checksum", m.checksum())
            .set("output_table", m.outputTable())
            .set("output_version", m.outputVersion())
            .set("rebuilt_from", m.rebuiltFrom().orElse(null))
            .build();
    lakehouse.append(TrainingSetTables.MANIFESTS, List.of(row));
  }

  /** The manifest of build {@code id}; refused with where to look when there is none. */
  Manifest find(String id) {
    if (!lakehouse.exists(TrainingSetTables.MANIFESTS)) {
      throw new LakehouseException("no training set has been built yet (ops.training_sets)");
    }
    List<Row> found =
        lakehouse.read(TrainingSetTables.MANIFESTS).where(col("id").equalTo(id)).collectAsList();
    if (found.isEmpty()) {
      throw new LakehouseException(
          "no training set build with id '"
              + id
              + "'; see SELECT id, name, created_at FROM ops.training_sets");
    }
    return manifest(found.get(0), lakehouse);
  }

  /**
   * Locations as stored: relative to the root, so a moved lakehouse rebuilds from its own tables.
   */
  private Map<String, String> relative(Map<String, String> locations) {
    Map<String, String> out = new LinkedHashMap<>();
    locations.forEach((table, location) -> out.put(table, lakehouse.relative(location)));
    return out;
  }

  static Manifest manifest(Row m, Lakehouse lakehouse) {
    TrainingSetJob.Spine spine;
    Optional<LabelSpec> label = Optional.empty();
    if (m.<String>getAs("spine_kind").equals("label")) {
      Map<String, String> d = m.getJavaMap(m.fieldIndex("label_definition"));
      label =
          Optional.of(
              new LabelSpec(
                  m.getAs("label"),
                  d.get("entity"),
                  d.get("source"),
                  d.get("event_time"),
                  LabelSpec.Kind.valueOf(d.get("kind")),
                  Durations.parse(d.get("window")),
                  Optional.ofNullable(d.get("events")),
                  d.get("match").isEmpty() ? List.of() : List.of(d.get("match").split(",")),
                  ""));
      spine =
          new TrainingSetJob.Spine.FromLabel(
              m.getAs("label"),
              LocalDate.parse(d.get("from")),
              LocalDate.parse(d.get("to")),
              Integer.parseInt(d.get("every_days")));
    } else {
      spine = new TrainingSetJob.Spine.FromSql(m.getAs("spine"), m.getAs("spine_time"));
    }
    List<String> views = m.getList(m.fieldIndex("views"));
    Map<String, List<?>> rawFeatures = m.getJavaMap(m.fieldIndex("view_features"));
    Map<String, List<?>> rawKeys = m.getJavaMap(m.fieldIndex("view_keys"));
    Map<String, List<String>> features = new LinkedHashMap<>();
    Map<String, List<String>> keys = new LinkedHashMap<>();
    for (String v : views) {
      features.put(v, strings(rawFeatures.get(v)));
      keys.put(v, strings(rawKeys.get(v)));
    }
    List<String> requestFeatures =
        m.isNullAt(m.fieldIndex("request_features"))
            ? List.of()
            : List.copyOf(m.<String>getList(m.fieldIndex("request_features")));
    TrainingSetPlan plan =
        new TrainingSetPlan(
            m.getAs("name"),
            spine,
            label,
            m.getAs("spine_time"),
            new LinkedHashMap<>(m.<String, Long>getJavaMap(m.fieldIndex("input_tables"))),
            resolved(m.<String, String>getJavaMap(m.fieldIndex("input_locations")), lakehouse),
            views,
            new LinkedHashMap<>(m.<String, String>getJavaMap(m.fieldIndex("view_hashes"))),
            features,
            keys,
            new LinkedHashMap<>(m.<String, Long>getJavaMap(m.fieldIndex("view_ttl_seconds"))),
            m.getAs("as_known_at"),
            Optional.of(requestFeatures));
    return new Manifest(
        m.getAs("id"),
        m.<Timestamp>getAs("created_at").toInstant(),
        plan,
        requestFeatures,
        m.getAs("rows"),
        m.getAs("checksum"),
        m.getAs("output_version"),
        Optional.ofNullable(m.getAs("rebuilt_from")));
  }

  /** The spine as one line: the label and its cutoffs, or the SQL. */
  private static Map<String, String> resolved(Map<String, String> stored, Lakehouse lakehouse) {
    Map<String, String> out = new LinkedHashMap<>();
    stored.forEach((table, location) -> out.put(table, lakehouse.resolve(location)));
    return out;
  }

  static String describe(TrainingSetJob.Spine spine) {
    if (spine instanceof TrainingSetJob.Spine.FromLabel l) {
      return "label "
          + l.label()
          + " from "
          + l.from()
          + " to "
          + l.to()
          + " every "
          + l.everyDays()
          + "d";
    }
    return ((TrainingSetJob.Spine.FromSql) spine).sql();
  }

  /** The label's definition when built, with the spine's cutoffs; null for a SQL spine. */
  static Map<String, String> labelDefinition(TrainingSetPlan plan) {
    if (plan.label().isEmpty() || !(plan.spine() instanceof TrainingSetJob.Spine.FromLabel l)) {
      return null;
    }
    LabelSpec spec = plan.label().get();
    Map<String, String> d = new LinkedHashMap<>();
    d.put("entity", spec.entity());
    d.put("source", spec.source());
    d.put("event_time", spec.eventTime());
    d.put("kind", spec.kind().name());
    d.put("window", Durations.format(spec.window()));
    spec.events().ifPresent(e -> d.put("events", e));
    d.put("match", String.join(",", spec.match()));
    d.put("from", l.from().toString());
    d.put("to", l.to().toString());
    d.put("every_days", String.valueOf(l.everyDays()));
    return d;
  }

  private static List<String> strings(Object value) {
    if (value instanceof scala.collection.Seq<?> s) {
      return scala.collection.JavaConverters.seqAsJavaList(s).stream()
          .map(Object::toString)
          .toList();
    }
    return ((List<?>) value).stream().map(Object::toString).toList();
  }
}
