package dev.lakeml.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading request bodies and writing answers, the same way for every endpoint. */
final class Http {
  static final String PROBLEM_JSON = "application/problem+json";

  private Http() {}

  /**
   * The API's JSON mapper: strict on input (a second value after the body, a repeated key, or a
   * bare NaN is malformed JSON) and UTF-8 on output.
   */
  static ObjectMapper mapper() {
    return JsonMapper.builder()
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  /**
   * The earliest and latest instants the API takes: Spark's timestamp range (years 1 to 9999), so
   * every accepted instant has a value in microseconds and in Delta.
   */
  static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

  static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999Z");

  /**
   * An instant the client sent (a field, a query parameter): ISO-8601 and within years 1..9999,
   * else a 400 naming {@code field}.
   */
  static Instant instant(String field, String text) {
    Instant t;
    try {
      t = Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiException.invalidField(
          field,
          field
              + " must be an ISO-8601 instant such as 2011-09-01T10:00:00Z, found '"
              + text
              + "'");
    }
    if (t.isBefore(MIN_INSTANT) || t.isAfter(MAX_INSTANT)) {
      throw ApiException.invalidField(
          field, field + " must lie in the years 0001 to 9999, found '" + text + "'");
    }
    return t;
  }

  /** The body the request gate buffered, or the stream read up to {@code limit} bytes. */
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
    e.headers().forEach(ctx::header);
    ctx.status(e.status());
    send(
        ctx,
        PROBLEM_JSON,
        problemBytes(e, ctx.path(), ctx.attribute(ServingServer.REQUEST_ID), mapper));
  }

  /**
   * Writes a whole answer straight into the response's (pooled) buffer. Javalin's {@code
   * ctx.result(bytes)} would copy it through a new 32 KiB buffer per request: at a few thousand
   * lookups a second that buffer was half of all the server allocated, and the young collections it
   * caused were a share of the latency tail (docs/benchmarks.md, "Tail latency"). No length is set:
   * Jetty sets it when the exchange completes, after the access log has the request, as before.
   */
  static void send(Context ctx, String contentType, byte[] bytes) {
    ctx.contentType(contentType);
    try {
      ctx.res().getOutputStream().write(bytes);
    } catch (IOException e) {
      // The client went away; there is no one left to answer.
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The problem document of {@code e} (RFC 9457) as UTF-8 bytes: the one shape every error takes,
   * whether a route, the request gate or Jetty itself refuses the request.
   */
  static byte[] problemBytes(
      ApiException e, String instance, String requestId, ObjectMapper mapper) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", e.type());
    body.put("title", e.title());
    body.put("status", e.status());
    body.put("detail", e.detail());
    body.put("instance", instance);
    if (requestId != null) {
      body.put("request_id", requestId);
    }
    body.putAll(e.extensions());
    try {
      return mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException ex) {
      return ("{\"status\":" + e.status() + "}").getBytes(StandardCharsets.UTF_8);
    }
  }

  /** A success body as UTF-8 JSON (JSON has no other encoding: RFC 8259). */
  static void json(Context ctx, Object body, ObjectMapper mapper) {
    try {
      send(ctx, "application/json", mapper.writeValueAsBytes(body));
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
