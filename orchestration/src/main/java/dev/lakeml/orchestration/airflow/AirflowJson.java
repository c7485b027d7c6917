package dev.lakeml.orchestration.airflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of Airflow's REST API, with Jackson's tree model only (no data binding: the client also
 * runs on Spark's older Jackson).
 */
final class AirflowJson {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AirflowJson() {}

  /** The JSON in {@code text}, or null when it is not JSON. */
  static JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * The body that triggers a run, for Airflow 2 ({@code DAGRun}) and 3 ({@code
   * TriggerDAGRunPostBody}, which requires {@code logical_date} and forbids other fields).
   */
  static ObjectNode triggerBody(String dagRunId, Instant logicalDate, Map<String, Object> conf) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("dag_run_id", dagRunId);
    body.put("logical_date", logicalDate.toString());
    body.set("conf", toJson(conf == null ? Map.of() : conf));
    return body;
  }

  /** A DAG run from Airflow's {@code DAGRun} (2.x) or {@code DAGRunResponse} (3.x). */
  static DagRun dagRun(JsonNode n, boolean created) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("a DAG run must be a JSON object");
    }
    String stateName = text(n, "state");
    DagRun.State state = DagRun.State.fromAirflow(stateName);
    if (state == null) {
      throw new IllegalArgumentException("unknown DAG run state '" + stateName + "'");
    }
    Instant logical = instant(n, "logical_date");
    if (logical == null) {
      logical = instant(n, "execution_date"); // Airflow 2 before logical_date
    }
    JsonNode conf = n.get("conf");
    Map<String, Object> confMap = new LinkedHashMap<>();
    if (conf != null && conf.isObject()) {
      for (Map.Entry<String, JsonNode> e : conf.properties()) {
        confMap.put(e.getKey(), fromJson(e.getValue()));
      }
    } else if (conf != null && !conf.isNull()) {
      throw new IllegalArgumentException("conf must be a JSON object");
    }
    return new DagRun(
        required(n, "dag_id"),
        required(n, "dag_run_id"),
        logical,
        state,
        instant(n, "start_date"),
        instant(n, "end_date"),
        confMap,
        created);
  }

  /** The runs of a {@code DAGRunCollection} (2.x) or {@code DAGRunCollectionResponse} (3.x). */
  static List<DagRun> dagRuns(JsonNode n) {
    JsonNode runs = n == null ? null : n.get("dag_runs");
    if (runs == null || !runs.isArray()) {
      throw new IllegalArgumentException("no dag_runs array");
    }
    List<DagRun> out = new ArrayList<>();
    for (JsonNode run : runs) {
      out.add(dagRun(run, false));
    }
    return out;
  }

  /** A {@code VersionInfo}. */
  static AirflowVersion version(JsonNode n, String apiPath) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not Airflow's version JSON");
    }
    return new AirflowVersion(required(n, "version"), text(n, "git_version"), apiPath);
  }

  /**
   * Airflow's explanation in an error body, or null: {@code title: detail} of a 2.x problem
   * document, the {@code detail} string of a 3.x error, or a 3.x validation error's {@code field:
   * message} pairs.
   */
  static String problemDetail(JsonNode n) {
    if (n == null || !n.isObject()) {
      return null;
    }
    JsonNode detail = n.get("detail");
    if (detail != null && detail.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode error : detail) {
        parts.add(validationError(error));
      }
      return parts.isEmpty() ? null : String.join("; ", parts);
    }
    String title = text(n, "title");
    String text =
        detail == null || detail.isNull()
            ? null
            : detail.isTextual() ? detail.asText() : write(detail);
    if (title != null && text != null && !text.isBlank()) {
      return title + ": " + text;
    }
    return text != null && !text.isBlank() ? text : title;
  }

  /** {@code field: message} of one FastAPI/pydantic error ({@code loc}, {@code msg}). */
  private static String validationError(JsonNode error) {
    List<String> loc = new ArrayList<>();
    JsonNode locs = error.get("loc");
    if (locs != null && locs.isArray()) {
      for (JsonNode l : locs) {
        loc.add(l.asText());
      }
    }
    // The first element says where the field is (body, query, path): not part of its name.
    if (loc.size() > 1 && List.of("body", "query", "path", "header").contains(loc.get(0))) {
      loc.remove(0);
    }
    String msg = text(error, "msg");
    String field = String.join(".", loc);
    return (field.isEmpty() ? "" : field + ": ") + (msg == null ? write(error) : msg);
  }

  /** JSON for a conf value: maps, lists, strings, numbers, booleans and null. */
  static JsonNode toJson(Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (value instanceof JsonNode) {
      return (JsonNode) value;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode o = NODES.objectNode();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("conf keys must be strings, got " + e.getKey());
        }
        o.set(key, toJson(e.getValue()));
      }
      return o;
    }
    if (value instanceof Collection<?> list) {
      ArrayNode a = NODES.arrayNode();
      for (Object item : list) {
        a.add(toJson(item));
      }
      return a;
    }
    if (value instanceof String s) {
      return NODES.textNode(s);
    }
    if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte) {
      return NODES.numberNode(((Number) value).longValue());
    }
    if (value instanceof Double || value instanceof Float) {
      return NODES.numberNode(((Number) value).doubleValue());
    }
    if (value instanceof BigInteger i) {
      return NODES.numberNode(i);
    }
    if (value instanceof BigDecimal d) {
      return NODES.numberNode(d);
    }
    throw new IllegalArgumentException(
        "conf values must be maps, lists, strings, numbers, booleans or null, got "
            + value.getClass().getName());
  }

  /** A plain Java value for JSON: maps, lists, strings, numbers, booleans and null. */
  static Object fromJson(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    if (n.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        map.put(e.getKey(), fromJson(e.getValue()));
      }
      return map;
    }
    if (n.isArray()) {
      List<Object> list = new ArrayList<>();
      for (JsonNode item : n) {
        list.add(fromJson(item));
      }
      return list;
    }
    if (n.isNumber()) {
      return n.numberValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    return n.asText();
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String required(JsonNode n, String field) {
    String v = text(n, field);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing " + field);
    }
    return v;
  }

  private static Instant instant(JsonNode n, String field) {
    String v = text(n, field);
    if (v == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " is not a date-time: '" + v + "'");
    }
  }
}
