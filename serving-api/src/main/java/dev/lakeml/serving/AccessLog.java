package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The access log: one JSON object per request on its own line (time, method, path, route, status,
 * latency, request id, the API key's name). The key itself is never written.
 */
final class AccessLog {
  private final PrintStream out;
  private final ObjectMapper json;
  private final Clock clock;

  AccessLog(PrintStream out, ObjectMapper json, Clock clock) {
    this.out = out;
    this.json = json;
    this.clock = clock;
  }

  void log(
      String method,
      String path,
      String route,
      int status,
      double latencyMs,
      String requestId,
      String keyName) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", clock.instant().toString());
    line.put("log", "access");
    line.put("method", method);
    line.put("path", path);
    line.put("route", route);
    line.put("status", status);
    line.put("latency_ms", Math.round(latencyMs * 1000) / 1000.0);
    line.put("request_id", requestId);
    line.put("key_name", keyName);
    try {
      out.println(json.writeValueAsString(line));
    } catch (Exception e) {
      // an access log line must never fail a request
    }
  }
}
