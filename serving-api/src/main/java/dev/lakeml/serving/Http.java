package dev.lakeml.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading request bodies and writing answers, the same way for every endpoint. */
final class Http {
  static final String PROBLEM_JSON = "application/problem+json";

  private Http() {}

  static ObjectMapper mapper() {
    return new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  /** The body, read up to {@code limit} bytes; more is a 413 (whatever Content-Length claims). */
  static byte[] body(Context ctx, long limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw ApiException.bodyTooLarge(limit);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > limit) {
          throw ApiException.bodyTooLarge(limit);
        }
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
    }
  }

  /** The body as a JSON object; malformed JSON is a 400 naming the line and column. */
  static JsonNode jsonObject(Context ctx, long limit, ObjectMapper mapper) {
    byte[] bytes = body(ctx, limit);
    if (bytes.length == 0) {
      throw ApiException.malformedJson("the request body is empty; expected a JSON object");
    }
    JsonNode node;
    try {
      node = mapper.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw ApiException.malformedJson(
          "the request body is not valid JSON: "
              + e.getOriginalMessage()
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"));
    } catch (IOException e) {
      throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw ApiException.malformedJson("the request body must be a JSON object");
    }
    return node;
  }

  /** Refuses fields other than {@code allowed} (the API's rule: unknown fields are errors). */
  static void onlyFields(JsonNode node, String prefix, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw ApiException.unknownField(
            prefix + name, String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  static void problem(Context ctx, ApiException e, ObjectMapper mapper) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", e.type());
    body.put("title", e.title());
    body.put("status", e.status());
    body.put("detail", e.detail());
    body.put("instance", ctx.path());
    String requestId = ctx.attribute(ServingServer.REQUEST_ID);
    if (requestId != null) {
      body.put("request_id", requestId);
    }
    body.putAll(e.extensions());
    e.headers().forEach(ctx::header);
    ctx.status(e.status());
    ctx.contentType(PROBLEM_JSON);
    try {
      ctx.result(mapper.writeValueAsString(body));
    } catch (JsonProcessingException ex) {
      ctx.result("{\"status\":" + e.status() + "}");
    }
  }

  static void json(Context ctx, Object body, ObjectMapper mapper) {
    try {
      ctx.contentType("application/json").result(mapper.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the answer as JSON: " + e.getMessage(), e);
    }
  }

  /** A stored value as JSON: timestamps as ISO-8601 text. */
  static Object value(Object v) {
    if (v instanceof Instant t) {
      return t.toString();
    }
    return v;
  }

  static Map<String, Object> values(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, value(v)));
    return out;
  }

  static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }
}
