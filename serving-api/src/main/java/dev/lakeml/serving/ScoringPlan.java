package dev.lakeml.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakeml.online.OnlineFeatureReader;
import dev.lakeml.schemas.artifact.FeatureEncoder;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.schemas.features.EntitySpec;
import dev.lakeml.schemas.features.FeatureCatalog;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.features.RequestFeatureSpec;
import dev.lakeml.schemas.features.RequestTransform;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.ColumnType;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyColumn;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How one model's inputs are assembled for a request, resolved once when the model is loaded.
 *
 * <p>Each input (by name, in the model's order) is, in this order of precedence: a request feature
 * of the project (computed with its {@link RequestTransform}, the same Java code Spark ran when the
 * training set was built), a feature of a feature view (of the model's training-set views when it
 * lists them, else of any view), or a field of the request itself. An input that is none of these
 * refuses the model.
 */
final class ScoringPlan {
  sealed interface Source {}

  record FromView(String view, String feature) implements Source {}

  record FromRequestFeature(RequestFeatureSpec spec, RequestTransform transform)
      implements Source {}

  record FromRequestField(String field) implements Source {}

  private final FeatureCatalog catalog;
  private final List<ModelInput> inputs;
  private final List<Source> sources;
  private final Set<String> views;
  private final List<String> timeFields;
  private final Set<String> entityFields;
  private final Set<String> requestFields;
  private final FeatureEncoder encoder;

  private ScoringPlan(
      FeatureCatalog catalog,
      List<ModelInput> inputs,
      List<Source> sources,
      Set<String> views,
      List<String> timeFields) {
    this.catalog = catalog;
    this.inputs = inputs;
    this.sources = sources;
    this.views = views;
    this.timeFields = timeFields;
    Set<String> keys = new java.util.TreeSet<>();
    for (String view : views) {
      FeatureViewSpec spec = catalog.view(view).orElseThrow();
      catalog.entity(spec.entity()).ifPresent(e -> keys.addAll(e.keyNames()));
    }
    Set<String> fields = new java.util.TreeSet<>(timeFields);
    for (Source s : sources) {
      if (s instanceof FromRequestField f) {
        fields.add(f.field());
      } else if (s instanceof FromRequestFeature rf) {
        for (String ref : rf.spec().inputs().values()) {
          if (ref.startsWith(RequestFeatureSpec.REQUEST_PREFIX)) {
            fields.add(ref.substring(RequestFeatureSpec.REQUEST_PREFIX.length()));
          }
        }
      }
    }
    this.entityFields = java.util.Collections.unmodifiableSet(keys);
    this.requestFields = java.util.Collections.unmodifiableSet(fields);
    this.encoder = new FeatureEncoder(inputs);
  }

  /** The entity key columns a request must give: those of the views the model reads. */
  Set<String> entityFields() {
    return entityFields;
  }

  /** The request fields the model reads (inputs, request-feature inputs, time fields). */
  Set<String> requestFields() {
    return requestFields;
  }

  Set<String> views() {
    return views;
  }

  static ScoringPlan build(
      ModelManifest manifest, FeatureCatalog catalog, Optional<ModelSpec> spec) {
    List<String> allowedViews =
        spec.flatMap(s -> Optional.ofNullable(s.trainingSet()))
            .map(ModelSpec.TrainingSetSpec::views)
            .filter(v -> !v.isEmpty())
            .orElse(catalog.views().stream().map(FeatureViewSpec::name).toList());
    List<Source> sources = new ArrayList<>();
    Set<String> views = new LinkedHashSet<>();
    List<String> timeFields = new ArrayList<>();
    for (ModelInput in : manifest.inputs()) {
      Optional<RequestFeatureSpec> rf =
          catalog.requestFeatures().stream().filter(r -> r.name().equals(in.name())).findFirst();
      if (rf.isPresent()) {
        RequestTransform t = RequestTransform.builtIns().get(rf.get().transform());
        if (t == null) {
          throw new IllegalArgumentException(
              "request feature '"
                  + in.name()
                  + "' uses unknown transform '"
                  + rf.get().transform()
                  + "'");
        }
        for (String ref : rf.get().inputs().values()) {
          if (ref.startsWith(RequestFeatureSpec.REQUEST_PREFIX)) {
            timeFields.add(ref.substring(RequestFeatureSpec.REQUEST_PREFIX.length()));
          } else {
            String view = ref.substring(0, ref.indexOf('.'));
            requireView(catalog, view, in.name());
            views.add(view);
          }
        }
        sources.add(new FromRequestFeature(rf.get(), t));
        continue;
      }
      Optional<String> view =
          allowedViews.stream()
              .filter(v -> catalog.view(v).flatMap(s -> s.feature(in.name())).isPresent())
              .findFirst();
      if (view.isPresent()) {
        views.add(view.get());
        sources.add(new FromView(view.get(), in.name()));
      } else {
        sources.add(new FromRequestField(in.name()));
      }
    }
    return new ScoringPlan(catalog, manifest.inputs(), sources, views, timeFields);
  }

  private static void requireView(FeatureCatalog catalog, String view, String input) {
    if (catalog.view(view).isEmpty()) {
      throw new IllegalArgumentException(
          "request feature '" + input + "' reads view '" + view + "', which the project lacks");
    }
  }

  /** The features of one request, ready to encode. */
  record Prepared(
      double[] row,
      Map<String, Object> values,
      Map<String, Map<String, Object>> freshness,
      Instant reference,
      List<String> missing) {}

  /**
   * Fetches the views (one multi-get, one snapshot), computes request features and encodes.
   *
   * @param now the serving time: ages are measured from it, and TTLs when {@code at} is null
   * @param at the reference time the request gave, if any: TTLs are measured from it
   */
  Prepared prepare(
      OnlineFeatureReader store, JsonNode entities, JsonNode request, Instant at, Instant now) {
    Map<String, List<?>> keyByView = new LinkedHashMap<>();
    for (String view : views) {
      FeatureViewSpec spec = catalog.view(view).orElseThrow();
      EntitySpec entity =
          catalog
              .entity(spec.entity())
              .orElseThrow(() -> new IllegalStateException("no entity " + spec.entity()));
      List<Object> key = new ArrayList<>();
      for (EntitySpec.Key k : entity.keys()) {
        JsonNode v = entities.get(k.name());
        if (v == null || v.isNull()) {
          throw ApiException.invalidField(
              "entities." + k.name(),
              "entities."
                  + k.name()
                  + " is required: view '"
                  + view
                  + "' is keyed by "
                  + entity.keyNames());
        }
        key.add(entityValue(k, v));
      }
      keyByView.put(view, key);
    }
    // TTLs apply as of the request's reference time when it gives one (a replay, or a request
    // about a past moment), else as of now.
    Map<String, FeatureVector> vectors = store.getAll(keyByView, at != null ? at : now);
    List<String> missing = new ArrayList<>();
    Map<String, Map<String, Object>> freshness = new LinkedHashMap<>();
    for (Map.Entry<String, FeatureVector> e : vectors.entrySet()) {
      FeatureVector v = e.getValue();
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("status", v.status().name());
      if (v.eventTime() != null) {
        f.put("event_time", v.eventTime().toString());
        f.put("age_seconds", (now.toEpochMilli() - v.eventTime().toEpochMilli()) / 1000.0);
      }
      freshness.put(e.getKey(), f);
      if (!v.found()) {
        missing.add(e.getKey() + " " + keyByView.get(e.getKey()) + ": " + v.status());
      }
    }
    Instant reference = at != null ? at : referenceFromRequest(request).orElse(now);
    Map<String, Object> values = new LinkedHashMap<>();
    if (missing.isEmpty()) {
      for (int i = 0; i < inputs.size(); i++) {
        ModelInput in = inputs.get(i);
        Source s = sources.get(i);
        Object value;
        if (s instanceof FromView fv) {
          value = vectors.get(fv.view()).values().get(fv.feature());
        } else if (s instanceof FromRequestFeature rf) {
          Map<String, Double> args = new HashMap<>();
          for (Map.Entry<String, String> p : rf.spec().inputs().entrySet()) {
            args.put(p.getKey(), number(p.getValue(), request, vectors));
          }
          value = rf.transform().apply(args).orElse(null);
          requireFinite(in.name(), value, "computed by " + rf.spec().transform() + " from " + args);
        } else {
          String field = ((FromRequestField) s).field();
          JsonNode v = request.get(field);
          if (v == null) {
            throw ApiException.invalidField(
                "request." + field,
                "request." + field + " is required: it is an input of the model");
          }
          value = requestValue(in, field, v);
          requireFinite(in.name(), value, "request." + field);
        }
        values.put(in.name(), value);
      }
    }
    double[] row = missing.isEmpty() ? encoder.encode(values, reference) : null;
    if (row != null) {
      for (int i = 0; i < row.length; i++) {
        // The scorers take 32-bit floats: a larger magnitude would reach the model as infinity.
        if (!Double.isNaN(row[i]) && Math.abs(row[i]) > Float.MAX_VALUE) {
          throw ApiException.invalidInput(
              inputs.get(i).name(),
              "input '"
                  + inputs.get(i).name()
                  + "' is "
                  + row[i]
                  + ", outside the range a model takes (magnitude up to "
                  + Float.MAX_VALUE
                  + ")");
        }
      }
    }
    return new Prepared(row, values, freshness, reference, missing);
  }

  /** A value computed from the request must be a finite number (or absent). */
  private static void requireFinite(String input, Object value, String from) {
    if (value instanceof Double d && !Double.isFinite(d)) {
      throw ApiException.invalidInput(
          input, "input '" + input + "' is " + d + " (" + from + "); a model takes finite numbers");
    }
  }

  private Optional<Instant> referenceFromRequest(JsonNode request) {
    for (String f : timeFields) {
      JsonNode v = request.get(f);
      if (v != null && v.isTextual() && looksLikeInstant(v.textValue())) {
        return Optional.of(Http.instant("request." + f, v.textValue()));
      }
    }
    return Optional.empty();
  }

  /** A transform input as a double: numbers as is, timestamps as epoch seconds, else null. */
  private static Double number(String ref, JsonNode request, Map<String, FeatureVector> vectors) {
    if (ref.startsWith(RequestFeatureSpec.REQUEST_PREFIX)) {
      String field = ref.substring(RequestFeatureSpec.REQUEST_PREFIX.length());
      JsonNode v = request.get(field);
      if (v == null || v.isNull()) {
        throw ApiException.invalidField(
            "request." + field, "request." + field + " is required by a request feature");
      }
      if (v.isNumber() && Double.isFinite(v.doubleValue())) {
        return v.doubleValue();
      }
      if (v.isTextual() && looksLikeInstant(v.textValue())) {
        Instant t = Http.instant("request." + field, v.textValue());
        return t.getEpochSecond() + t.getNano() / 1e9;
      }
      throw ApiException.invalidField(
          "request." + field,
          "request." + field + " must be a number or an ISO-8601 instant, found " + v);
    }
    int dot = ref.indexOf('.');
    Object value = vectors.get(ref.substring(0, dot)).values().get(ref.substring(dot + 1));
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof Instant t) {
      return t.getEpochSecond() + t.getNano() / 1e9;
    }
    return null;
  }

  private static Object requestValue(ModelInput in, String field, JsonNode v) {
    if (v.isNull()) {
      return null;
    }
    if (in.type() == InputType.DOUBLE && v.isNumber() && Double.isFinite(v.doubleValue())) {
      return v.doubleValue();
    }
    if (in.type() == InputType.BOOLEAN && v.isBoolean()) {
      return v.booleanValue();
    }
    if (in.type() == InputType.DAYS_BEFORE && v.isTextual() && looksLikeInstant(v.textValue())) {
      return Http.instant("request." + field, v.textValue());
    }
    throw ApiException.invalidField(
        "request." + field,
        "request." + field + " is a " + in.type().yamlName() + " input; found " + v);
  }

  private static boolean looksLikeInstant(String text) {
    try {
      Instant.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static Object entityValue(EntitySpec.Key k, JsonNode v) {
    ColumnType.Kind kind = k.type().kind();
    KeyColumn column =
        new KeyColumn(
            k.name(),
            kind == ColumnType.Kind.LONG || kind == ColumnType.Kind.INT
                ? FeatureType.LONG
                : FeatureType.STRING);
    return EntityKeys.jsonValue(column, v, "entity", "entities." + k.name());
  }
}
