package dev.lakeml.schemas.features;

import dev.lakeml.schemas.project.ColumnSpec;
import dev.lakeml.schemas.project.ColumnType;
import dev.lakeml.schemas.project.DerivedColumn;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.yaml.ConfigNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads the feature declarations of a project file ({@code entities}, {@code feature_views}, {@code
 * request_features}, {@code labels}) and checks them against each other and against the sources
 * they read, with the file, line and key path of every problem.
 */
public final class FeatureLoader {
  private static final Pattern PLAIN_COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private FeatureLoader() {}

  /** Reads the declarations under {@code root}; the keys are optional. */
  public static FeatureCatalog read(ConfigNode root, List<SourceSpec> sources) {
    Map<String, SourceSpec> byName = new HashMap<>();
    sources.forEach(s -> byName.put(s.name(), s));

    List<EntitySpec> entities = new ArrayList<>();
    Map<String, EntitySpec> entityByName = new HashMap<>();
    for (ConfigNode n : root.optional("entities").map(x -> x.list("entities")).orElse(List.of())) {
      EntitySpec e = entity(n);
      if (entityByName.put(e.name(), e) != null) {
        throw n.error("entity '" + e.name() + "' is declared twice");
      }
      entities.add(e);
    }

    List<FeatureViewSpec> views = new ArrayList<>();
    Map<String, String> featureOwner = new HashMap<>();
    for (ConfigNode n :
        root.optional("feature_views").map(x -> x.list("feature views")).orElse(List.of())) {
      FeatureViewSpec v = view(n, entityByName, byName);
      if (views.stream().anyMatch(o -> o.name().equals(v.name()))) {
        throw n.error("feature view '" + v.name() + "' is declared twice");
      }
      for (FeatureSpec f : v.features()) {
        String other = featureOwner.putIfAbsent(f.name(), v.name());
        if (other != null) {
          throw n.error(
              "feature '"
                  + f.name()
                  + "' of view '"
                  + v.name()
                  + "' is also a feature of view '"
                  + other
                  + "'; feature names are unique across views (they name training-set columns)");
        }
      }
      views.add(v);
    }

    List<RequestFeatureSpec> requestFeatures = new ArrayList<>();
    for (ConfigNode n :
        root.optional("request_features").map(x -> x.list("request features")).orElse(List.of())) {
      RequestFeatureSpec r = requestFeature(n, views);
      if (featureOwner.containsKey(r.name())
          || requestFeatures.stream().anyMatch(o -> o.name().equals(r.name()))) {
        throw n.error("request feature '" + r.name() + "' has the name of another feature");
      }
      requestFeatures.add(r);
    }

    List<LabelSpec> labels = new ArrayList<>();
    for (ConfigNode n : root.optional("labels").map(x -> x.list("labels")).orElse(List.of())) {
      LabelSpec l = label(n, entityByName, byName);
      if (labels.stream().anyMatch(o -> o.name().equals(l.name()))) {
        throw n.error("label '" + l.name() + "' is declared twice");
      }
      labels.add(l);
    }
    return new FeatureCatalog(entities, views, requestFeatures, labels);
  }

  private static EntitySpec entity(ConfigNode n) {
    String name = n.requiredIdentifier("name", "entity name");
    List<EntitySpec.Key> keys = new ArrayList<>();
    for (ConfigNode k : n.required("keys", "the entity's key columns").list("key columns")) {
      String key = k.requiredIdentifier("name", "key column name");
      ConfigNode typeNode = k.required("type", ColumnType.ACCEPTED);
      ColumnType type = parse(typeNode, () -> ColumnType.parse(typeNode.string("a type")));
      k.finish();
      keys.add(new EntitySpec.Key(key, type));
    }
    String description = n.optionalString("description", "text").orElse("");
    n.finish();
    return parse(n, () -> new EntitySpec(name, keys, description));
  }

  private static FeatureViewSpec view(
      ConfigNode n, Map<String, EntitySpec> entities, Map<String, SourceSpec> sources) {
    String name = n.requiredIdentifier("name", "feature view name");
    EntitySpec entity =
        known(n.required("entity", "the entity the view describes"), entities, "entity");
    SourceSpec source =
        known(n.required("source", "the source whose silver table is read"), sources, "source");
    String eventTime = eventTime(n, source);
    for (EntitySpec.Key k : entity.keys()) {
      if (!columns(source).containsKey(k.name())) {
        throw n.error(
            "source '"
                + source.name()
                + "' has no column '"
                + k.name()
                + "' for the key of entity '"
                + entity.name()
                + "'; its columns are "
                + columns(source).keySet());
      }
    }
    Optional<String> filter = n.optionalString("filter", "a Spark SQL condition on source rows");
    Duration ttl = duration(n, "ttl");
    List<FeatureSpec> features = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode f : n.required("features", "the list of features").list("features")) {
      FeatureSpec spec = feature(f, source);
      if (!names.add(spec.name())) {
        throw f.error("feature '" + spec.name() + "' is declared twice in view '" + name + "'");
      }
      features.add(spec);
    }
    checkRatios(n, name, features);
    String owner = n.requiredString("owner", "who answers for the view (a team or a person)");
    String description = n.optionalString("description", "text").orElse("");
    n.finish();
    return parse(
        n,
        () ->
            new FeatureViewSpec(
                name,
                entity.name(),
                source.name(),
                eventTime,
                filter,
                features,
                ttl,
                owner,
                description));
  }

  private static FeatureSpec feature(ConfigNode f, SourceSpec source) {
    String name = f.requiredIdentifier("name", "feature name");
    String description = f.optionalString("description", "text").orElse("");
    Optional<ConfigNode> ratio = f.optional("ratio");
    FeatureSpec spec;
    if (ratio.isPresent()) {
      List<String> parts = ratio.get().stringList("[numerator, denominator] feature names");
      if (parts.size() != 2) {
        throw ratio
            .get()
            .error("expected [numerator, denominator], two feature names of this view");
      }
      spec = new FeatureSpec.Ratio(name, parts.get(0), parts.get(1), description);
    } else {
      ConfigNode aggNode = f.required("agg", FeatureSpec.Function.ACCEPTED + ", or 'ratio'");
      FeatureSpec.Function function =
          parse(aggNode, () -> FeatureSpec.Function.parse(aggNode.string("an aggregation")));
      Optional<ConfigNode> ofNode = f.optional("of");
      Optional<String> of = ofNode.map(x -> x.string("a column or Spark SQL expression"));
      if (ofNode.isPresent()
          && PLAIN_COLUMN.matcher(of.get()).matches()
          && !columns(source).containsKey(of.get())) {
        throw ofNode
            .get()
            .error(
                "unknown column '"
                    + of.get()
                    + "' of source '"
                    + source.name()
                    + "'; expected one of "
                    + columns(source).keySet());
      }
      Optional<String> where = f.optionalString("where", "a Spark SQL condition");
      Duration window = duration(f, "window");
      if (window.toSeconds() % 86_400 != 0) {
        throw f.required("window", Durations.EXPECTED)
            .error(
                "window '"
                    + Durations.format(window)
                    + "' is not whole days; feature views are computed once per logical day, so"
                    + " their windows are whole days (e.g. 1d, 7d, 90d)");
      }
      spec =
          parse(f, () -> new FeatureSpec.Aggregate(name, function, of, where, window, description));
    }
    f.finish();
    return spec;
  }

  /** Ratios must name features of the same view and must not depend on themselves. */
  private static void checkRatios(ConfigNode n, String view, List<FeatureSpec> features) {
    Map<String, FeatureSpec> byName = new LinkedHashMap<>();
    features.forEach(f -> byName.put(f.name(), f));
    for (FeatureSpec f : features) {
      if (f instanceof FeatureSpec.Ratio r) {
        for (String part : List.of(r.numerator(), r.denominator())) {
          if (!byName.containsKey(part)) {
            throw n.error(
                "ratio '"
                    + r.name()
                    + "' of view '"
                    + view
                    + "' refers to '"
                    + part
                    + "', which is not a feature of the view; expected one of "
                    + byName.keySet());
          }
        }
        List<String> path = new ArrayList<>();
        if (cycle(r.name(), byName, path, new HashSet<>())) {
          throw n.error(
              "features of view '"
                  + view
                  + "' depend on each other in a circle: "
                  + String.join(" -> ", path));
        }
      }
    }
  }

  private static boolean cycle(
      String name, Map<String, FeatureSpec> byName, List<String> path, Set<String> done) {
    if (path.contains(name)) {
      path.add(name);
      return true;
    }
    if (done.contains(name) || !(byName.get(name) instanceof FeatureSpec.Ratio r)) {
      return false;
    }
    path.add(name);
    for (String next : List.of(r.numerator(), r.denominator())) {
      if (cycle(next, byName, path, done)) {
        return true;
      }
    }
    path.remove(path.size() - 1);
    done.add(name);
    return false;
  }

  private static RequestFeatureSpec requestFeature(ConfigNode n, List<FeatureViewSpec> views) {
    String name = n.requiredIdentifier("name", "request feature name");
    ConfigNode tNode = n.required("transform", "one of " + RequestTransform.builtIns().keySet());
    String transformName = tNode.string("a transform name");
    RequestTransform transform = RequestTransform.builtIns().get(transformName);
    if (transform == null) {
      throw tNode.error(
          "unknown transform '"
              + transformName
              + "'; expected one of "
              + RequestTransform.builtIns().keySet());
    }
    ConfigNode inputsNode =
        n.required("inputs", "the transform's inputs: " + transform.parameters());
    Map<String, String> inputs = inputsNode.stringMap("request.<field> or <view>.<feature>");
    if (!inputs.keySet().equals(Set.copyOf(transform.parameters()))) {
      throw inputsNode.error(
          "transform '"
              + transformName
              + "' takes exactly "
              + transform.parameters()
              + ", found "
              + inputs.keySet());
    }
    for (String ref : inputs.values()) {
      if (ref.startsWith(RequestFeatureSpec.REQUEST_PREFIX)) {
        continue;
      }
      int dot = ref.indexOf('.');
      String view = dot < 0 ? "" : ref.substring(0, dot);
      String feature = dot < 0 ? ref : ref.substring(dot + 1);
      boolean found =
          views.stream().anyMatch(v -> v.name().equals(view) && v.feature(feature).isPresent());
      if (!found) {
        throw inputsNode.error(
            "'" + ref + "' is neither request.<field> nor <view>.<feature> of a declared view");
      }
    }
    String description = n.optionalString("description", "text").orElse("");
    n.finish();
    return new RequestFeatureSpec(name, transformName, inputs, description);
  }

  private static LabelSpec label(
      ConfigNode n, Map<String, EntitySpec> entities, Map<String, SourceSpec> sources) {
    String name = n.requiredIdentifier("name", "label name");
    EntitySpec entity =
        known(n.required("entity", "the entity the label is about"), entities, "entity");
    SourceSpec source =
        known(n.required("source", "the source whose rows are the events"), sources, "source");
    String eventTime = eventTime(n, source);
    ConfigNode kindNode = n.required("kind", LabelSpec.Kind.ACCEPTED);
    LabelSpec.Kind kind =
        parse(kindNode, () -> LabelSpec.Kind.parse(kindNode.string("a label kind")));
    Duration window = duration(n, "window");
    Optional<String> events = n.optionalString("events", "a Spark SQL condition on source rows");
    List<String> match =
        n.optional("match").map(x -> x.stringList("column names")).orElse(List.of());
    for (String m : match) {
      if (!columns(source).containsKey(m)) {
        throw n.error("match column '" + m + "' is not a column of source '" + source.name() + "'");
      }
    }
    String description = n.optionalString("description", "text").orElse("");
    n.finish();
    return parse(
        n,
        () ->
            new LabelSpec(
                name,
                entity.name(),
                source.name(),
                eventTime,
                kind,
                window,
                events,
                match,
                description));
  }

  private static <T> T known(ConfigNode n, Map<String, T> known, String what) {
    String name = n.string("a " + what + " name");
    T value = known.get(name);
    if (value == null) {
      throw n.error("unknown " + what + " '" + name + "'; expected one of " + known.keySet());
    }
    return value;
  }

  /** The typed and derived columns of a source's silver table, by name. */
  private static Map<String, ColumnType> columns(SourceSpec source) {
    Map<String, ColumnType> out = new LinkedHashMap<>();
    for (ColumnSpec c : source.columns()) {
      out.put(c.name(), c.type());
    }
    for (DerivedColumn d : source.derived()) {
      out.put(d.name(), d.type());
    }
    return out;
  }

  /** A required duration key such as {@code window} or {@code ttl}. */
  private static Duration duration(ConfigNode n, String key) {
    ConfigNode node = n.required(key, Durations.EXPECTED);
    return parse(node, () -> Durations.parse(node.string(Durations.EXPECTED)));
  }

  /** The {@code event_time} key: a timestamp column of the source. */
  private static String eventTime(ConfigNode n, SourceSpec source) {
    ConfigNode timeNode = n.required("event_time", "the source's timestamp column");
    String column = timeNode.string("a column name");
    requireTimestamp(timeNode, source, column);
    return column;
  }

  private static void requireTimestamp(ConfigNode n, SourceSpec source, String column) {
    ColumnType type = columns(source).get(column);
    if (type == null) {
      throw n.error(
          "unknown column '"
              + column
              + "' of source '"
              + source.name()
              + "'; expected one of "
              + columns(source).keySet());
    }
    if (type.kind() != ColumnType.Kind.TIMESTAMP) {
      throw n.error("'" + column + "' is " + type + "; an event time must be a timestamp column");
    }
  }

  private static <T> T parse(ConfigNode node, Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw node.error(e.getMessage());
    }
  }
}
