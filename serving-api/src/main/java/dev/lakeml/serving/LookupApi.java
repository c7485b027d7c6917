package dev.lakeml.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Feature and nightly-prediction lookups, answered from the online snapshot. */
final class LookupApi {
  static final String PREDICTIONS_PREFIX = "predictions.";

  private final OnlineSnapshots snapshots;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final long maxBodyBytes;
  private final int maxBatch;

  LookupApi(
      OnlineSnapshots snapshots,
      ObjectMapper mapper,
      Clock clock,
      long maxBodyBytes,
      int maxBatch) {
    this.snapshots = snapshots;
    this.mapper = mapper;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
    this.maxBatch = maxBatch;
  }

  /** {@code GET /v1/features/{view}/{key}}. */
  void features(Context ctx) {
    String view = ctx.pathParam("view");
    String keyText = ctx.pathParam("key");
    // ?at=<instant>: the TTL applies as of then (default now), e.g. to read a past snapshot.
    String atText = ctx.queryParam("at");
    Instant at = atText == null ? clock.instant() : Http.instant("query parameter at", atText);
    Map<String, Object> out =
        snapshots.read(
            store -> {
              SnapshotManifest m = store.manifest();
              SnapshotManifest.ViewEntry entry =
                  view.startsWith(PREDICTIONS_PREFIX) ? null : m.view(view).orElse(null);
              if (entry == null) {
                throw ApiException.notFound(
                    "view",
                    "snapshot v"
                        + m.version()
                        + " has no feature view '"
                        + view
                        + "'; it has "
                        + featureViews(m));
              }
              List<Object> key = EntityKeys.parsePath(keyText, entry.keys(), view);
              FeatureVector v = store.get(view, key, at);
              if (v.status() == FeatureVector.Status.MISSING) {
                throw ApiException.notFound(
                    "key",
                    "view '"
                        + view
                        + "' has no row for "
                        + EntityKeys.asMap(entry.keys(), key)
                        + " in snapshot v"
                        + m.version());
              }
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("view", view);
              body.put("key", EntityKeys.asMap(entry.keys(), key));
              body.put("status", v.status().name());
              body.put("event_time", v.eventTime().toString());
              body.put("age_seconds", ageSeconds(v.eventTime()));
              body.put("features", Http.values(v.values()));
              body.put("snapshot_version", m.version());
              body.put("snapshot_created_at", m.createdAt().toString());
              return body;
            });
    Http.json(ctx, out, mapper);
  }

  /** {@code GET /v1/predictions/{model}/{key}}. */
  void prediction(Context ctx) {
    String model = model(ctx);
    String keyText = ctx.pathParam("key");
    Map<String, Object> out =
        snapshots.read(
            store -> {
              SnapshotManifest.ViewEntry entry = predictionView(store.manifest(), model);
              List<Object> key = EntityKeys.parsePath(keyText, entry.keys(), model);
              FeatureVector v = store.get(entry.name(), key, clock.instant());
              if (v.status() == FeatureVector.Status.MISSING) {
                throw ApiException.notFound(
                    "key",
                    "model '"
                        + model
                        + "' has no nightly prediction for "
                        + EntityKeys.asMap(entry.keys(), key)
                        + " in snapshot v"
                        + store.manifest().version());
              }
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("model", model);
              body.putAll(prediction(entry, key, v));
              body.put("snapshot_version", store.manifest().version());
              return body;
            });
    Http.json(ctx, out, mapper);
  }

  /** {@code POST /v1/predictions/{model}} with {@code {"keys": [...]}}. */
  void predictionBatch(Context ctx) {
    String model = model(ctx);
    JsonNode body = Http.jsonObject(ctx, maxBodyBytes, mapper);
    Http.onlyFields(body, "", Set.of("keys"));
    JsonNode keys = body.get("keys");
    if (keys == null || !keys.isArray()) {
      throw ApiException.invalidField("keys", "'keys' is required: an array of keys");
    }
    if (keys.size() > maxBatch) {
      throw ApiException.unprocessable(
          "batch-too-large",
          "Batch too large",
          "'keys' has " + keys.size() + " entries; the limit is " + maxBatch);
    }
    Map<String, Object> out =
        snapshots.read(
            store -> {
              SnapshotManifest.ViewEntry entry = predictionView(store.manifest(), model);
              List<List<Object>> parsed = new ArrayList<>();
              for (int i = 0; i < keys.size(); i++) {
                parsed.add(
                    EntityKeys.parseJson(keys.get(i), entry.keys(), model, "keys[" + i + "]"));
              }
              List<Map<String, Object>> results = new ArrayList<>();
              Instant now = clock.instant();
              for (List<Object> key : parsed) {
                FeatureVector v = store.get(entry.name(), key, now);
                if (v.status() == FeatureVector.Status.MISSING) {
                  Map<String, Object> r = new LinkedHashMap<>();
                  r.put("key", EntityKeys.asMap(entry.keys(), key));
                  r.put("status", "MISSING");
                  results.add(r);
                } else {
                  results.add(prediction(entry, key, v));
                }
              }
              Map<String, Object> b = new LinkedHashMap<>();
              b.put("model", model);
              b.put("snapshot_version", store.manifest().version());
              b.put("results", results);
              return b;
            });
    Http.json(ctx, out, mapper);
  }

  private Map<String, Object> prediction(
      SnapshotManifest.ViewEntry entry, List<Object> key, FeatureVector v) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("key", EntityKeys.asMap(entry.keys(), key));
    r.put("status", v.status().name());
    Map<String, Object> values = v.values();
    if (values.containsKey("score")) {
      r.put("score", values.get("score"));
    }
    if (values.containsKey("items")) {
      Object items = values.get("items");
      try {
        r.put("items", items == null ? null : mapper.readTree(items.toString()));
      } catch (Exception e) {
        r.put("items", items);
      }
    }
    r.put("model_version", values.get("model_version"));
    Object date = values.get("prediction_date");
    r.put(
        "prediction_date",
        date instanceof Instant t ? t.atOffset(ZoneOffset.UTC).toLocalDate().toString() : date);
    r.put("scored_at", Http.value(values.get("scored_at")));
    return r;
  }

  private static SnapshotManifest.ViewEntry predictionView(SnapshotManifest m, String model) {
    return m.view(PREDICTIONS_PREFIX + model)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "model",
                    "snapshot v"
                        + m.version()
                        + " has no nightly predictions for model '"
                        + model
                        + "'; it has them for "
                        + m.viewNames().stream()
                            .filter(n -> n.startsWith(PREDICTIONS_PREFIX))
                            .map(n -> n.substring(PREDICTIONS_PREFIX.length()))
                            .toList()));
  }

  static String model(Context ctx) {
    String model = ctx.pathParam("model");
    if (!ModelNames.isModelName(model)) {
      throw ApiException.badRequest(
          "'" + model + "' is not a model name (letters, digits, '_' and '-')");
    }
    return model;
  }

  private static List<String> featureViews(SnapshotManifest m) {
    return m.viewNames().stream().filter(n -> !n.startsWith(PREDICTIONS_PREFIX)).toList();
  }

  private double ageSeconds(Instant eventTime) {
    return (clock.millis() - eventTime.toEpochMilli()) / 1000.0;
  }
}
