package dev.lakeml.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.schemas.sealed.Leased;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Operator endpoints (admin key): snapshot rollback, rollout state and changes. */
final class AdminApi {
  private final OnlineSnapshots snapshots;
  private final Models models;
  private final ObjectMapper mapper;
  private final long maxBodyBytes;

  AdminApi(OnlineSnapshots snapshots, Models models, ObjectMapper mapper, long maxBodyBytes) {
    this.snapshots = snapshots;
    this.models = models;
    this.mapper = mapper;
    this.maxBodyBytes = maxBodyBytes;
  }

  void rollbackSnapshot(Context ctx) {
    Http.json(ctx, snapshots.rollback(), mapper);
  }

  void rollout(Context ctx) {
    Models.Served m = models.model(LookupApi.model(ctx));
    Http.json(ctx, state(m), mapper);
  }

  void setRollout(Context ctx) {
    Models.Served m = models.model(LookupApi.model(ctx));
    JsonNode body = Http.jsonObject(ctx, maxBodyBytes, mapper);
    Http.onlyFields(body, "", Set.of("mode", "percent"));
    JsonNode modeNode = body.get("mode");
    if (modeNode == null || !modeNode.isTextual()) {
      throw ApiException.invalidField(
          "mode", "'mode' is required: one of champion, shadow, canary, ab");
    }
    Rollout.Mode mode;
    try {
      mode = Rollout.Mode.valueOf(modeNode.textValue().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidField(
          "mode", "'mode' must be one of champion, shadow, canary, ab; found " + modeNode);
    }
    int percent = 0;
    JsonNode p = body.get("percent");
    if (p != null && !p.isNull()) {
      if (!p.isIntegralNumber() || p.asInt() < 0 || p.asInt() > 100) {
        throw ApiException.invalidField(
            "percent", "'percent' must be a whole number 0..100, found " + p);
      }
      percent = p.asInt();
    }
    if ((mode == Rollout.Mode.CANARY || mode == Rollout.Mode.AB) && (p == null || p.isNull())) {
      throw ApiException.invalidField("percent", "'percent' is required for mode " + mode.wire());
    }
    if (mode != Rollout.Mode.CHAMPION) {
      Leased<Models.Variant> ch = m.acquire(Models.CHALLENGER);
      if (ch == null) {
        throw ApiException.unprocessable(
            "no-challenger",
            "No challenger",
            "model '" + m.name + "' has no challenger loaded; mode " + mode.wire() + " needs one");
      }
      ch.release();
    }
    m.rollout.set(mode, percent);
    Http.json(ctx, state(m), mapper);
  }

  private Map<String, Object> state(Models.Served m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", m.name);
    out.putAll(m.rollout.state());
    out.put("variants", models.summary().get(m.name));
    return out;
  }
}
