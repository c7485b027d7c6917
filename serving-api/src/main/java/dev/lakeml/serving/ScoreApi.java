package dev.lakeml.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lakeml.schemas.sealed.Leased;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code POST /v1/score/{model}}: online features + request features → the model in-process.
 *
 * <p>Rule for missing online features: if any view the model reads has no usable row for the entity
 * (MISSING, or EXPIRED past its TTL), the request is refused with 422 and a {@code missing} list
 * naming each view, key and status; the model is never scored on silently-absent data. Null values
 * inside a found row are passed to the model as missing (NaN), as in training.
 */
final class ScoreApi {
  private static final Set<String> FIELDS = Set.of("request_id", "entities", "request", "at");

  private final Models models;
  private final ObjectMapper mapper;
  private final long maxBodyBytes;

  ScoreApi(Models models, ObjectMapper mapper, long maxBodyBytes) {
    this.models = models;
    this.mapper = mapper;
    this.maxBodyBytes = maxBodyBytes;
  }

  void score(Context ctx) {
    long start = System.nanoTime();
    String modelName = LookupApi.model(ctx);
    Models.Served model = models.model(modelName);
    JsonNode body = Http.jsonObject(ctx, maxBodyBytes, mapper);
    Http.onlyFields(body, "", FIELDS);
    String requestId = ctx.attribute(ServingServer.REQUEST_ID);
    JsonNode rid = body.get("request_id");
    if (rid != null && !rid.isNull()) {
      if (!rid.isTextual()) {
        throw ApiException.invalidField("request_id", "request_id must be a string, found " + rid);
      }
      requestId = rid.textValue();
    }
    JsonNode entities = body.get("entities");
    if (entities == null || !entities.isObject()) {
      throw ApiException.invalidField(
          "entities", "'entities' is required: an object of entity key columns");
    }
    JsonNode request = body.get("request");
    if (request == null || request.isNull()) {
      request = JsonNodeFactory.instance.objectNode();
    } else if (!request.isObject()) {
      throw ApiException.invalidField("request", "'request' must be an object of request fields");
    }
    Instant at = null;
    JsonNode atNode = body.get("at");
    if (atNode != null && !atNode.isNull()) {
      if (!atNode.isTextual()) {
        throw ApiException.invalidField(
            "at", "'at' must be an ISO-8601 instant such as 2011-09-01T10:00:00Z, found " + atNode);
      }
      at = Http.instant("at", atNode.textValue());
    }

    Leased<Models.Variant> champion = model.acquire(Models.CHAMPION);
    if (champion == null) {
      throw ApiException.unavailable(
          "model '" + modelName + "' has no champion loaded: " + model.error);
    }
    Leased<Models.Variant> challenger = null;
    try {
      if (!champion.value().servable()) {
        throw ApiException.unprocessable(
            "model-not-servable",
            "Model not servable in-process",
            "model '"
                + modelName
                + "' champion v"
                + champion.value().alias().version()
                + " has format '"
                + champion.value().alias().format()
                + "', which is scored in batch only; use GET /v1/predictions/"
                + modelName
                + "/{key}");
      }
      acceptedFields(model, champion.value(), entities, request);
      String sticky = sticky(entities);
      boolean useChallenger = model.rollout.challengerAnswers(sticky);
      boolean shadow = model.rollout.shadow();
      if (useChallenger || shadow) {
        challenger = model.acquire(Models.CHALLENGER);
        if (challenger != null && !challenger.value().servable()) {
          challenger.release();
          challenger = null;
        }
      }
      final Leased<Models.Variant> ch = challenger;
      final JsonNode req = request;
      final Instant atFinal = at;
      final String rId = requestId;
      Map<String, Object> out =
          models.snapshots.read(
              store -> {
                Instant now = models.clock.instant();
                Map<String, Object> answer = null;
                if (useChallenger && ch != null) {
                  answer =
                      tryChallenger(
                          model, ch.value(), store, entities, req, atFinal, now, rId, "challenger");
                }
                if (answer == null) {
                  answer =
                      run(
                          model,
                          champion.value(),
                          "champion",
                          store,
                          entities,
                          req,
                          atFinal,
                          now,
                          rId);
                }
                if (shadow && ch != null) {
                  tryChallenger(
                      model, ch.value(), store, entities, req, atFinal, now, rId, "shadow");
                }
                answer.put("snapshot_version", store.manifest().version());
                return answer;
              });
      metrics(modelName, (String) out.get("variant"), "ok", System.nanoTime() - start);
      Http.json(ctx, out, mapper);
    } finally {
      champion.release();
      if (challenger != null) {
        challenger.release();
      }
    }
  }

  /**
   * Refuses an entity column or request field that no loaded version of the model reads (the
   * champion's, or the challenger's while one is loaded, whatever the rollout mode: which requests
   * are valid does not change when the mode does), naming it by its path.
   */
  private static void acceptedFields(
      Models.Served model, Models.Variant champion, JsonNode entities, JsonNode request) {
    java.util.Set<String> keys = champion.plan().entityFields();
    java.util.Set<String> fields = champion.plan().requestFields();
    Leased<Models.Variant> ch = model.acquire(Models.CHALLENGER);
    if (ch != null) {
      try {
        if (ch.value().servable()) {
          // Sets are built only while a challenger is loaded; champion-only requests copy none.
          keys = new java.util.TreeSet<>(keys);
          keys.addAll(ch.value().plan().entityFields());
          fields = new java.util.TreeSet<>(fields);
          fields.addAll(ch.value().plan().requestFields());
        }
      } finally {
        ch.release();
      }
    }
    Http.onlyFields(entities, "entities.", keys);
    Http.onlyFields(request, "request.", fields);
  }

  private void metrics(String model, String variant, String outcome, long nanos) {
    models.metricsRef().score(model, variant, outcome, nanos);
  }

  /** The challenger's answer, or null when it failed (recorded; the champion answers instead). */
  private Map<String, Object> tryChallenger(
      Models.Served model,
      Models.Variant v,
      dev.lakeml.online.OnlineFeatureReader store,
      JsonNode entities,
      JsonNode request,
      Instant at,
      Instant now,
      String requestId,
      String variant) {
    long t0 = System.nanoTime();
    try {
      Map<String, Object> out =
          run(model, v, variant, store, entities, request, at, now, requestId);
      model.rollout.record(false, System.nanoTime() - t0, now);
      return variant.equals("shadow") ? null : out;
    } catch (ApiException e) {
      if (e.status() < 500 && !e.isNonFiniteScore()) {
        throw e; // the request is at fault, not the challenger
      }
      model.rollout.record(true, System.nanoTime() - t0, now);
      metrics(model.name, variant, "error", System.nanoTime() - t0);
      return null;
    } catch (RuntimeException e) {
      model.rollout.record(true, System.nanoTime() - t0, now);
      metrics(model.name, variant, "error", System.nanoTime() - t0);
      org.slf4j.LoggerFactory.getLogger(ScoreApi.class)
          .warn("model {} {} failed: {}", model.name, variant, e.toString());
      return null;
    }
  }

  private Map<String, Object> run(
      Models.Served model,
      Models.Variant v,
      String variant,
      dev.lakeml.online.OnlineFeatureReader store,
      JsonNode entities,
      JsonNode request,
      Instant at,
      Instant now,
      String requestId) {
    long t0 = System.nanoTime();
    ScoringPlan.Prepared p = v.plan().prepare(store, entities, request, at, now);
    if (!p.missing().isEmpty()) {
      throw ApiException.unprocessable(
              "missing-features",
              "Missing online features",
              "model '"
                  + model.name
                  + "' needs online features that are not available: "
                  + String.join("; ", p.missing()))
          .with(Map.of("missing", p.missing(), "freshness", p.freshness()));
    }
    double score = v.scorer().score(p.row());
    if (!Double.isFinite(score)) {
      throw ApiException.nonFiniteScore(
          "model '"
              + model.name
              + "' v"
              + v.alias().version()
              + " gave the score "
              + score
              + " for inputs "
              + Http.values(p.values())
              + "; such inputs lie outside what it can score, and nothing was logged");
    }
    long elapsed = System.nanoTime() - t0;
    if (variant.equals("shadow")) {
      models.metricsRef().score(model.name, "shadow", "ok", elapsed);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("request_id", requestId);
    out.put("model", model.name);
    out.put("version", v.alias().version());
    out.put("variant", variant);
    out.put("score", score);
    out.put("reference_time", p.reference().toString());
    out.put("freshness", p.freshness());
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("time", now.toString());
    record.put("request_id", requestId);
    record.put("model", model.name);
    record.put("version", v.alias().version());
    record.put("run_id", v.alias().runId());
    record.put("variant", variant);
    record.put("returned", !variant.equals("shadow"));
    record.put("entities", entities);
    record.put("features", Http.values(p.values()));
    record.put("reference_time", p.reference().toString());
    record.put("score", score);
    record.put("latency_ms", elapsed / 1e6);
    models.log.offer(record);
    return out;
  }

  /** The entity key, canonical (sorted by column), for the sticky A/B split. */
  static String sticky(JsonNode entities) {
    Map<String, String> sorted = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = entities.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      sorted.put(e.getKey(), e.getValue().asText());
    }
    return String.join(
        "|", sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
  }

  static List<String> fields() {
    return List.copyOf(FIELDS);
  }
}
