package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.yaml.snakeyaml.Yaml;

/**
 * Fuzzes the HTTP surface of a real server over raw sockets: methods, paths filled from the OpenAPI
 * document's templates (and mutated), API keys, headers, and bodies that are valid requests, random
 * mutations of their JSON trees, truncations, trailing junk or noise.
 *
 * <p>Properties, for every request: never a 5xx; an error is a problem+json document whose {@code
 * status} is the HTTP status; a JSON success parses. After all tries the server is still ready and
 * its heap after GC has not grown by more than 64 MiB. The seed is fixed so that CI is repeatable;
 * change it (or the tries) to explore further.
 */
class ApiFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static Path tmp;
  private static Fixture f;
  private static List<String[]> operations;
  private static long heapBefore;
  private static int requests;

  /** One request as sent on the wire. */
  record Raw(String method, String target, Map<String, String> headers, byte[] body) {
    @Override
    public String toString() {
      return method
          + " "
          + target
          + " "
          + headers
          + " "
          + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
    }
  }

  @BeforeContainer
  static void start() throws Exception {
    tmp = Files.createTempDirectory("lakeml-fuzz");
    f = new Fixture(tmp);
    f.publishWithChampions();
    f.start("--max-body-bytes", "8192");
    operations = operations();
    heapBefore = usedHeapAfterGc();
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      assertThat(f.get("/health/ready", null).statusCode()).isEqualTo(200);
      long grown = usedHeapAfterGc() - heapBefore;
      System.out.printf(
          Locale.ROOT,
          "fuzz: %d requests, heap after GC grew by %.1f MiB%n",
          requests,
          grown / 1048576.0);
      assertThat(grown).as("heap growth after GC, bytes").isLessThan(64L << 20);
    } finally {
      f.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String[]> operations() throws IOException {
    try (InputStream in = ServingServer.class.getResourceAsStream("/openapi.yaml")) {
      Map<String, Object> doc = new Yaml().load(in);
      List<String[]> out = new ArrayList<>();
      ((Map<String, Map<String, Object>>) doc.get("paths"))
          .forEach(
              (path, ops) ->
                  ops.keySet()
                      .forEach(m -> out.add(new String[] {m.toUpperCase(Locale.ROOT), path})));
      return out;
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Property(tries = 2000, seed = "20261202", shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void neverA5xxAndEveryErrorIsAProblem(@ForAll("requests") Raw request) throws Exception {
    requests++;
    Answer a = send(request);
    assertThat(a.status).as(request + " -> " + a).isBetween(200, 499);
    if (request.method().equals("HEAD")) {
      return;
    }
    if (a.status >= 400) {
      assertThat(a.contentType()).as(request + " -> " + a).startsWith(Http.PROBLEM_JSON);
      JsonNode p = JSON.readTree(a.body);
      assertThat(p.get("status").asInt()).as(request + " -> " + a).isEqualTo(a.status);
      assertThat(p.get("type").asText()).startsWith(ApiException.TYPE_BASE);
      assertThat(p.get("title").asText()).isNotBlank();
      assertThat(p.get("detail").asText()).isNotBlank();
    } else if (a.contentType().startsWith("application/json")) {
      assertThat(JSON.readTree(a.body).isContainerNode()).as(request + " -> " + a).isTrue();
    } else {
      assertThat(a.body).as(request + " -> " + a).isNotEmpty();
    }
  }

  @Provide
  Arbitrary<Raw> requests() {
    Arbitrary<String[]> op = Arbitraries.of(operations);
    Arbitrary<String> method =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.just("")), // the operation's own
            net.jqwik.api.Tuple.of(
                3, Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")),
            net.jqwik.api.Tuple.of(1, Arbitraries.strings().withCharRange('A', 'Z').ofLength(5)));
    return Combinators.combine(
            op, method, Arbitraries.randoms(), key(), contentType(), Arbitraries.integers())
        .as(
            (o, m, random, key, type, n) -> {
              String verb = m.isEmpty() ? o[0] : m;
              Map<String, String> headers = new LinkedHashMap<>();
              if (key != null) {
                headers.put(
                    random.nextInt(4) == 0 ? "Authorization" : "X-API-Key",
                    random.nextInt(4) == 0 ? "Bearer " + key : key);
              }
              if (type != null) {
                headers.put("Content-Type", type);
              }
              if (random.nextInt(10) == 0) {
                headers.put("X-HTTP-Method-Override", random.nextBoolean() ? "DELETE" : "GET");
              }
              if (random.nextInt(10) == 0) {
                headers.put("X-Request-Id", noise(random, 200, true));
              }
              if (random.nextInt(10) == 0) {
                headers.put("Accept", random.nextBoolean() ? "text/html" : "application/xml");
              }
              return new Raw(verb, target(o[1], random), headers, body(o[1], random));
            });
  }

  private static Arbitrary<String> key() {
    return Arbitraries.of(
        Fixture.READ_KEY, Fixture.READ_KEY, Fixture.ADMIN_KEY, null, "", "nope-0123456789abcdef");
  }

  private static Arbitrary<String> contentType() {
    return Arbitraries.of(
        "application/json", "application/json", "text/plain", "application/json; charset=latin1");
  }

  /** A request target: the template with values for its parameters, maybe mutated. */
  static String target(String template, Random r) {
    StringBuilder out = new StringBuilder();
    for (String part : template.substring(1).split("/")) {
      out.append('/');
      out.append(part.startsWith("{") ? parameter(part, r) : part);
    }
    String path = out.toString();
    switch (r.nextInt(12)) {
      case 0 -> path = path + "/";
      case 1 -> path = path + "/" + encode(noise(r, 12, false));
      case 2 -> path = path.replaceFirst("/[^/]*$", "/..");
      case 3 -> path = "/" + encode(noise(r, 30, false));
      case 4 -> path = path.toUpperCase(Locale.ROOT);
      default -> {}
    }
    if (r.nextInt(5) == 0) {
      path += "?at=" + (r.nextBoolean() ? encode(instant(r)) : encode(noise(r, 20, false)));
    }
    return path;
  }

  private static String parameter(String name, Random r) {
    List<String> good =
        switch (name) {
          case "{model}" -> List.of("customer_churn", "line_cancellation", "no_such_model");
          case "{view}" ->
              List.of(
                  "customer_activity", "product_stats", "customer_product", "predictions.x", "");
          case "{key}" -> List.of("12347", "85123A", "12347,85123A", "-1", "99999999999999999999");
          case "{file}" -> List.of("swagger-ui.css", "swagger-ui-bundle.js", "../pom.xml");
          default -> List.of("x");
        };
    return r.nextInt(3) == 0 ? encode(noise(r, 40, false)) : good.get(r.nextInt(good.size()));
  }

  /** A body: for POST/PUT routes a valid one, mutated or not; else noise or nothing. */
  static byte[] body(String template, Random r) {
    ObjectNode valid;
    if (template.equals("/v1/score/{model}")) {
      valid = NODES.objectNode();
      valid.putObject("entities").put("customer_id", 12347).put("stock_code", "85123A");
      valid
          .putObject("request")
          .put("unit_price", 2.55)
          .put("quantity", 6)
          .put("invoice_ts", "2011-11-25T10:00:00Z");
      if (r.nextBoolean()) {
        valid.put("at", instant(r));
      }
    } else if (template.equals("/v1/predictions/{model}")) {
      valid = NODES.objectNode();
      ArrayNode keys = valid.putArray("keys");
      keys.add(12347);
      keys.add(NODES.objectNode().put("customer_id", 12348));
    } else if (template.equals("/admin/models/{model}/rollout")) {
      valid = NODES.objectNode().put("mode", "canary").put("percent", 10);
    } else {
      valid = null;
    }
    String text = valid == null ? "" : valid.toString();
    switch (r.nextInt(10)) {
      case 0, 1, 2 -> {
        return text.getBytes(StandardCharsets.UTF_8);
      }
      case 3, 4, 5 -> {
        if (valid != null) {
          mutate(valid, r);
          return valid.toString().getBytes(StandardCharsets.UTF_8);
        }
        return noise(r, 100, true).getBytes(StandardCharsets.UTF_8);
      }
      case 6 -> {
        return text.substring(0, r.nextInt(text.length() + 1)).getBytes(StandardCharsets.UTF_8);
      }
      case 7 -> {
        return (text + noise(r, 5, true)).getBytes(StandardCharsets.UTF_8);
      }
      case 8 -> {
        byte[] b = new byte[r.nextInt(64)];
        r.nextBytes(b);
        return b;
      }
      default -> {
        return r.nextInt(20) == 0 ? new byte[9000] : new byte[0];
      }
    }
  }

  /** Replaces, removes or adds one member somewhere in the tree. */
  static void mutate(JsonNode node, Random r) {
    List<ObjectNode> objects = new ArrayList<>();
    collect(node, objects);
    ObjectNode target = objects.get(r.nextInt(objects.size()));
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = target.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    int what = r.nextInt(4);
    if (what == 0 && !names.isEmpty()) {
      target.remove(names.get(r.nextInt(names.size())));
    } else if (what == 1) {
      target.set(noise(r, 8, false), value(r));
    } else if (!names.isEmpty()) {
      target.set(names.get(r.nextInt(names.size())), value(r));
    }
  }

  private static void collect(JsonNode node, List<ObjectNode> out) {
    if (node instanceof ObjectNode o) {
      out.add(o);
    }
    node.elements().forEachRemaining(child -> collect(child, out));
  }

  private static JsonNode value(Random r) {
    return switch (r.nextInt(14)) {
      case 0 -> NODES.numberNode(1e308);
      case 1 -> NODES.numberNode(-1e308);
      case 2 -> NODES.numberNode(Double.MIN_VALUE);
      case 3 -> NODES.numberNode(Long.MAX_VALUE);
      case 4 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
      case 5 -> NODES.textNode(noise(r, 30, true));
      case 6 -> NODES.textNode("a\u0000b");
      case 7 -> NODES.textNode(instant(r));
      case 8 -> NODES.nullNode();
      case 9 -> NODES.booleanNode(r.nextBoolean());
      case 10 -> NODES.arrayNode().add(1).add("x");
      case 11 -> NODES.objectNode().put("customer_id", r.nextInt());
      case 12 -> NODES.numberNode(-0.0);
      default -> NODES.numberNode(r.nextGaussian() * 1e6);
    };
  }

  private static String instant(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> "+999999999-12-31T23:59:59Z";
      case 1 -> "-999999999-01-01T00:00:00Z";
      case 2 -> "0000-01-01T00:00:00Z";
      case 3 -> "2011-11-25T10:00:00.123456789Z";
      case 4 -> "9999-12-31T23:59:59.999999999Z";
      default -> "2011-11-" + (10 + r.nextInt(20)) + "T00:00:00Z";
    };
  }

  /** Random text: printable ASCII, or any code points including controls and non-BMP ones. */
  private static String noise(Random r, int maxLength, boolean anyCodePoint) {
    int n = r.nextInt(maxLength + 1);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (anyCodePoint && r.nextInt(3) == 0) {
        int cp = r.nextInt(4) == 0 ? r.nextInt(32) : 0x80 + r.nextInt(0x1F000);
        if (Character.isValidCodePoint(cp) && !Character.isSurrogate((char) cp)) {
          b.appendCodePoint(cp);
        }
      } else {
        b.append((char) (0x21 + r.nextInt(0x5E)));
      }
    }
    return b.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** An answer as read from the wire. */
  record Answer(int status, Map<String, String> headers, byte[] body) {
    String contentType() {
      return headers.getOrDefault("content-type", "");
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Sends the request with {@code Connection: close} and reads the whole answer. */
  static Answer send(Raw r) throws IOException {
    try (Socket s = new Socket("127.0.0.1", f.port)) {
      s.setSoTimeout(10_000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StringBuilder head = new StringBuilder();
      head.append(r.method()).append(' ').append(r.target()).append(" HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1\r\n");
      r.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("Content-Length: ").append(r.body().length).append("\r\n");
      head.append("Connection: close\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.UTF_8));
      out.write(r.body());
      s.getOutputStream().write(out.toByteArray());
      s.getOutputStream().flush();
      byte[] all = s.getInputStream().readAllBytes();
      return parse(all);
    }
  }

  private static Answer parse(byte[] all) {
    int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(end).as("an HTTP answer: " + new String(all, StandardCharsets.UTF_8)).isPositive();
    String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Answer(status, headers, body);
  }

  private static byte[] dechunk(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < in.length) {
      int eol = indexOf(java.util.Arrays.copyOfRange(in, i, in.length), new byte[] {'\r', '\n'});
      int size =
          Integer.parseInt(new String(in, i, eol, StandardCharsets.US_ASCII).split(";")[0], 16);
      if (size == 0) {
        break;
      }
      out.write(in, i + eol + 2, size);
      i += eol + 2 + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    outer:
    for (int i = 0; i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
