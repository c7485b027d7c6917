package dev.lakeml.orchestration.airflow;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback Airflow 2 or 3 for tests: DAGs and runs in memory, the operations the client uses with
 * the response shapes of Airflow's OpenAPI documents, authentication as the release does it, and
 * scripted faults.
 *
 * <p>Every request it receives and every response it sends is checked against the release's OpenAPI
 * document ({@link AirflowSpecs}); every finding is collected in {@link #problems()}, which a test
 * must find empty. What the documents do not cover is checked by hand and reported the same way:
 * {@code POST /auth/token} (Airflow 3's auth manager, not in the document), the client's probe of
 * {@code /api/v2/version} on Airflow 2 (a request valid for Airflow 3's document, answered by
 * Airflow 2's web server with its HTML 404 page), and the statuses that come from the server or a
 * proxy rather than from an operation (429 and 5xx, which the documents do not list: for those the
 * validator's one allowed finding is "status not defined", and the body is still Airflow's error
 * shape). Airflow 2 sends errors as {@code application/problem+json}, its document declares {@code
 * application/json}: the body is validated against the declared schema under the declared type.
 */
final class FakeAirflow implements AutoCloseable {

  /** Which Airflow to play. */
  enum Flavor {
    AIRFLOW_2("2.10.0", AirflowVersion.V1, 400),
    AIRFLOW_3("3.2.1", AirflowVersion.V2, 422);

    final String version;
    final String apiPath;
    final int validationStatus;

    Flavor(String version, String apiPath, int validationStatus) {
      this.version = version;
      this.apiPath = apiPath;
      this.validationStatus = validationStatus;
    }

    boolean airflow3() {
      return this == AIRFLOW_3;
    }
  }

  static final String USER = "lakeml-ci";
  static final String PASSWORD = "pw-Zq7!not-for-logs";

  /** A request as received. */
  record Recorded(
      String method, String path, String query, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /**
   * A scripted answer for the next {@code times} API requests that match: an error status with
   * Airflow's error body (status 0: the normal answer), after {@code delay}.
   */
  record Fault(
      Predicate<Recorded> when,
      int status,
      String detail,
      JsonNode detailJson,
      Map<String, String> headers,
      Duration delay,
      int times) {

    static Fault status(int status) {
      return new Fault(r -> true, status, null, null, Map.of(), Duration.ZERO, 1);
    }

    static Fault slow(Duration delay) {
      return new Fault(r -> true, 0, null, null, Map.of(), delay, 1);
    }

    Fault on(String method, String pathSuffix) {
      return new Fault(
          r -> r.method().equals(method) && r.path().endsWith(pathSuffix),
          status,
          detail,
          detailJson,
          headers,
          delay,
          times);
    }

    Fault detail(String text) {
      return new Fault(when, status, text, detailJson, headers, delay, times);
    }

    /** Airflow 3's 422 body: a list of {loc, msg, type}. */
    Fault detail(JsonNode json) {
      return new Fault(when, status, detail, json, headers, delay, times);
    }

    Fault header(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Fault(when, status, detail, detailJson, h, delay, times);
    }

    Fault times(int n) {
      return new Fault(when, status, detail, detailJson, headers, delay, n);
    }

    Fault always() {
      return times(Integer.MAX_VALUE);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter V1_DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");
  private static final DateTimeFormatter V2_DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssX");
  private static final Pattern RUNS = Pattern.compile("/dags/([^/]+)/dagRuns");
  private static final Pattern RUN = Pattern.compile("/dags/([^/]+)/dagRuns/([^/]+)");
  private static final Pattern DAG = Pattern.compile("/dags/([^/]+)");

  private final Flavor flavor;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Recorded> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger validated = new AtomicInteger();
  private final Deque<Fault> faults = new ArrayDeque<>();
  private final Map<String, Dag> dags = new LinkedHashMap<>();
  private final Set<String> tokens = Collections.synchronizedSet(new HashSet<>());
  private final AtomicInteger issued = new AtomicInteger();
  private volatile boolean tokensExpireAtOnce;

  private static final class Dag {
    boolean paused = true; // Airflow's default: new DAGs are paused
    final Map<String, Run> runs = new LinkedHashMap<>();
  }

  private static final class Run {
    String dagId;
    String runId;
    Instant logicalDate;
    String state;
    Instant queuedAt;
    Instant startDate;
    Instant endDate;
    String runType;
    JsonNode conf;
    final Deque<String> nextStates = new ArrayDeque<>();
  }

  FakeAirflow(Flavor flavor) throws IOException {
    this.flavor = flavor;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  Flavor flavor() {
    return flavor;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- what tests set up ----

  synchronized void addDag(String dagId) {
    dags.put(dagId, new Dag());
  }

  synchronized void addRun(
      String dagId, String runId, Instant logicalDate, String state, Map<String, Object> conf) {
    Run r = new Run();
    r.dagId = dagId;
    r.runId = runId;
    r.logicalDate = logicalDate;
    r.state = state;
    r.queuedAt = logicalDate;
    r.startDate = state.equals("queued") ? null : logicalDate.plusSeconds(60);
    r.endDate = finished(state) ? logicalDate.plusSeconds(600) : null;
    r.runType = runId.startsWith("scheduled__") ? "scheduled" : "manual";
    r.conf = AirflowJson.toJson(conf);
    dags.get(dagId).runs.put(runId, r);
  }

  /** Each following read of the run moves it to the next of these states (then it stays). */
  synchronized void statesOnRead(String dagId, String runId, String... states) {
    Run r = dags.get(dagId).runs.get(runId);
    r.nextStates.clear();
    r.nextStates.addAll(List.of(states));
  }

  synchronized void enqueue(Fault fault) {
    faults.add(fault);
  }

  /** Airflow 3: every token issued so far stops being accepted. */
  void expireTokens() {
    tokens.clear();
  }

  /** Airflow 3: tokens are rejected as soon as they are issued. */
  void tokensExpireAtOnce() {
    tokensExpireAtOnce = true;
  }

  // ---- what tests check ----

  /** Spec validation findings and hand-check failures; a test must end with none. */
  List<String> problems() {
    synchronized (problems) {
      return List.copyOf(problems);
    }
  }

  /** How many requests and responses went through the OpenAPI validator. */
  int validatedCount() {
    return validated.get();
  }

  List<Recorded> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  long count(String method, String path) {
    return requests().stream()
        .filter(r -> r.method().equals(method) && r.path().equals(path))
        .count();
  }

  int tokensIssued() {
    return issued.get();
  }

  synchronized boolean paused(String dagId) {
    return dags.get(dagId).paused;
  }

  synchronized int runCount(String dagId) {
    return dags.get(dagId).runs.size();
  }

  // ---- the server ----

  private void handle(HttpExchange ex) throws IOException {
    try {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Recorded rec = new Recorded(method, path, query, headers, body);
      requests.add(rec);

      Answer answer;
      if (path.equals("/auth/token")) {
        answer = token(rec);
      } else if (path.startsWith(flavor.apiPath + "/")) {
        answer = api(rec);
      } else if (!flavor.airflow3() && path.equals(AirflowVersion.V2 + "/version")) {
        answer = airflow3Probe(rec);
      } else {
        problems.add("request outside the API: " + method + " " + path);
        answer = new Answer(404, "text/html", "<h1>404</h1>", Map.of(), Duration.ZERO);
      }
      if (!answer.delay.isZero()) {
        try {
          Thread.sleep(answer.delay.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] bytes = answer.body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", answer.contentType);
      answer.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(answer.status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      // The client gave up (a timeout test): nothing to answer.
    } catch (RuntimeException e) {
      problems.add("the fake failed: " + e);
      ex.sendResponseHeaders(500, -1);
    } finally {
      ex.close();
    }
  }

  private record Answer(
      int status, String contentType, String body, Map<String, String> headers, Duration delay) {}

  /** POST /auth/token (Airflow 3's auth manager; not in the API document): checked by hand. */
  private Answer token(Recorded rec) {
    if (!flavor.airflow3()) {
      problems.add("the client asked Airflow 2 for a token: " + rec.method() + " " + rec.path());
      return new Answer(404, "text/html", "<h1>404</h1>", Map.of(), Duration.ZERO);
    }
    JsonNode body = AirflowJson.parse(rec.body());
    List<String> wrong = new ArrayList<>();
    if (!rec.method().equals("POST")) {
      wrong.add("method " + rec.method() + " (expected POST)");
    }
    String type = rec.header("Content-Type");
    if (type == null || !type.startsWith("application/json")) {
      wrong.add("Content-Type " + type + " (expected application/json)");
    }
    if (body == null
        || !body.isObject()
        || body.size() != 2
        || !body.path("username").isTextual()
        || !body.path("password").isTextual()) {
      wrong.add("body is not {\"username\": string, \"password\": string}");
    }
    if (rec.header("Authorization") != null) {
      wrong.add("it carries an Authorization header");
    }
    if (!wrong.isEmpty()) {
      problems.add("POST /auth/token request: " + String.join(", ", wrong));
      return error(422, "invalid token request");
    }
    if (!USER.equals(body.get("username").asText())
        || !PASSWORD.equals(body.get("password").asText())) {
      return error(401, "Invalid credentials");
    }
    String token = "tok-" + issued.incrementAndGet();
    if (!tokensExpireAtOnce) {
      tokens.add(token);
    }
    ObjectNode out = JSON.createObjectNode().put("access_token", token);
    // The response, by hand: 201 with a non-empty access_token string.
    return new Answer(201, "application/json", write(out), Map.of(), Duration.ZERO);
  }

  /** Airflow 2 asked whether it is Airflow 3: a valid 3.x request, answered with Flask's 404. */
  private Answer airflow3Probe(Recorded rec) {
    check(AirflowSpecs.v2(), "Airflow 3 probe", rec);
    if (!rec.method().equals("GET")) {
      problems.add("unexpected probe " + rec.method() + " " + rec.path());
    }
    return new Answer(
        404,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><h1>404 Not Found</h1>",
        Map.of(),
        Duration.ZERO);
  }

  private Answer api(Recorded rec) {
    OpenApiInteractionValidator validator = AirflowSpecs.forApi(flavor.apiPath);
    check(validator, "request", rec);
    String sub = rec.path().substring(flavor.apiPath.length());
    Answer answer;
    if (!sub.equals("/version") && !authenticated(rec)) {
      answer =
          flavor.airflow3()
              ? error(401, "Not authenticated")
              : error(401, "Unauthorized", "No credentials found or invalid credentials.");
    } else {
      Fault fault = sub.equals("/version") ? null : takeFault(rec);
      if (fault != null && fault.status() != 0) {
        answer = faultAnswer(fault);
      } else {
        answer = operation(rec, sub);
        if (fault != null) {
          answer =
              new Answer(
                  answer.status, answer.contentType, answer.body, answer.headers, fault.delay());
        }
      }
    }
    checkResponse(validator, rec, answer);
    return answer;
  }

  private boolean authenticated(Recorded rec) {
    String auth = rec.header("Authorization");
    if (auth == null) {
      return false;
    }
    if (flavor.airflow3()) {
      return auth.startsWith("Bearer ") && tokens.contains(auth.substring(7));
    }
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    return auth.equals(expected);
  }

  private synchronized Fault takeFault(Recorded rec) {
    for (Fault f : faults) {
      if (f.when().test(rec)) {
        faults.remove(f);
        if (f.times() > 1) {
          faults.addFirst(f.times(f.times() == Integer.MAX_VALUE ? f.times() : f.times() - 1));
        }
        return f;
      }
    }
    return null;
  }

  private Answer faultAnswer(Fault f) {
    Answer a;
    if (f.detailJson() != null) {
      ObjectNode body = JSON.createObjectNode();
      body.set("detail", f.detailJson());
      a = new Answer(f.status(), "application/json", write(body), Map.of(), Duration.ZERO);
    } else {
      String detail = f.detail() == null ? "scripted " + f.status() : f.detail();
      a = error(f.status(), detail);
    }
    return new Answer(a.status, a.contentType, a.body, f.headers(), f.delay());
  }

  private synchronized Answer operation(Recorded rec, String sub) {
    String m = rec.method();
    if (sub.equals("/version") && m.equals("GET")) {
      ObjectNode v = JSON.createObjectNode().put("version", flavor.version);
      v.putNull("git_version");
      return ok(v);
    }
    Matcher run = RUN.matcher(sub);
    if (run.matches() && m.equals("GET")) {
      return getRun(decode(run.group(1)), decode(run.group(2)));
    }
    Matcher runs = RUNS.matcher(sub);
    if (runs.matches() && m.equals("POST")) {
      return trigger(decode(runs.group(1)), rec);
    }
    if (runs.matches() && m.equals("GET")) {
      return list(decode(runs.group(1)), rec);
    }
    Matcher dag = DAG.matcher(sub);
    if (dag.matches() && m.equals("PATCH")) {
      return patchDag(decode(dag.group(1)), rec);
    }
    problems.add("the fake does not serve " + m + " " + rec.path());
    return error(404, "Not Found");
  }

  private Answer getRun(String dagId, String runId) {
    Dag dag = dags.get(dagId);
    Run r = dag == null ? null : dag.runs.get(runId);
    if (r == null) {
      return flavor.airflow3()
          ? error(
              404,
              "The DagRun with dag_id: `" + dagId + "` and run_id: `" + runId + "` was not found")
          : error(
              404,
              "DAGRun not found",
              "DAGRun with DAG ID: '" + dagId + "' and DagRun ID: '" + runId + "' not found");
    }
    if (!r.nextStates.isEmpty()) {
      setState(r, r.nextStates.poll());
    }
    return ok(runJson(r));
  }

  private Answer trigger(String dagId, Recorded rec) {
    Dag dag = dags.get(dagId);
    if (dag == null) {
      return flavor.airflow3()
          ? error(404, "The Dag with ID: `" + dagId + "` was not found")
          : error(404, "DAG not found", "DAG with dag_id: '" + dagId + "' not found");
    }
    JsonNode body = AirflowJson.parse(rec.body());
    String runId = body.path("dag_run_id").asText();
    Instant logical = OffsetDateTime.parse(body.path("logical_date").asText()).toInstant();
    if (dag.runs.containsKey(runId)) {
      return conflict(dagId, "DAGRun ID: '" + runId + "'");
    }
    for (Run other : dag.runs.values()) {
      if (logical.equals(other.logicalDate)) {
        return conflict(dagId, "DAGRun logical date: '" + V1_DATE.format(at(logical)) + "'");
      }
    }
    Run r = new Run();
    r.dagId = dagId;
    r.runId = runId;
    r.logicalDate = logical;
    r.state = "queued";
    r.queuedAt = Instant.parse("2026-01-01T10:00:00Z");
    r.runType = "manual";
    r.conf = body.has("conf") ? body.get("conf") : JSON.createObjectNode();
    dag.runs.put(runId, r);
    return ok(runJson(r));
  }

  private Answer conflict(String dagId, String what) {
    String detail = "DAGRun with DAG ID: '" + dagId + "' and " + what + " already exists";
    return flavor.airflow3() ? error(409, detail) : error(409, "Conflict", detail);
  }

  private Answer list(String dagId, Recorded rec) {
    Dag dag = dags.get(dagId);
    if (dag == null && flavor.airflow3()) {
      return error(404, "The Dag with ID: `" + dagId + "` was not found");
    }
    Map<String, List<String>> q = query(rec.query());
    int limit = q.containsKey("limit") ? Integer.parseInt(q.get("limit").get(0)) : 100;
    String expectedOrder = flavor.airflow3() ? "-run_after" : "-execution_date";
    if (!List.of(expectedOrder).equals(q.get("order_by"))) {
      problems.add("runs listed without order_by=" + expectedOrder + ": " + rec.query());
    }
    List<Run> all = dag == null ? List.of() : new ArrayList<>(dag.runs.values());
    all.sort(Comparator.comparing((Run r) -> r.logicalDate).reversed());
    ArrayNode items = JSON.createArrayNode();
    all.stream().limit(limit).forEach(r -> items.add(runJson(r)));
    ObjectNode out = JSON.createObjectNode();
    out.set("dag_runs", items);
    out.put("total_entries", all.size());
    return ok(out);
  }

  private Answer patchDag(String dagId, Recorded rec) {
    Dag dag = dags.get(dagId);
    if (dag == null) {
      return flavor.airflow3()
          ? error(404, "Dag with id: " + dagId + " was not found")
          : error(404, "DAG not found", "DAG with dag_id: '" + dagId + "' not found");
    }
    if (!flavor.airflow3() && !List.of("is_paused").equals(query(rec.query()).get("update_mask"))) {
      problems.add("Airflow 2 PATCH without update_mask=is_paused: " + rec.query());
    }
    dag.paused = AirflowJson.parse(rec.body()).path("is_paused").asBoolean();
    ObjectNode d = JSON.createObjectNode();
    d.put("dag_id", dagId);
    d.put("dag_display_name", dagId);
    d.put("is_paused", dag.paused);
    d.put("fileloc", "/opt/airflow/dags/" + dagId + ".py");
    d.put("file_token", "Ii9vcHQvYWlyZmxvdy9kYWdzIg.token");
    d.putArray("owners").add("data-platform");
    d.putNull("description");
    d.put("has_import_errors", false);
    d.put("has_task_concurrency_limits", false);
    d.put("max_active_tasks", 16);
    d.put("max_active_runs", 1);
    if (flavor.airflow3()) {
      d.putArray("tags");
      d.put("is_stale", false);
      d.put("timetable_partitioned", false);
      d.put("max_consecutive_failed_dag_runs", 0);
      d.put("timetable_summary", "0 4 * * *");
    } else {
      d.putArray("tags").addObject().put("name", "lakeml");
      d.put("is_active", true);
      d.put("is_subdag", false);
      d.putNull("root_dag_id");
      d.put("timetable_description", "At 04:00");
    }
    return ok(d);
  }

  private ObjectNode runJson(Run r) {
    DateTimeFormatter f = flavor.airflow3() ? V2_DATE : V1_DATE;
    ObjectNode n = JSON.createObjectNode();
    n.put("dag_id", r.dagId);
    n.put("dag_run_id", r.runId);
    n.put("logical_date", f.format(at(r.logicalDate)));
    n.put("data_interval_start", f.format(at(r.logicalDate)));
    n.put("data_interval_end", f.format(at(r.logicalDate.plusSeconds(86_400))));
    date(n, "start_date", r.startDate, f);
    date(n, "end_date", r.endDate, f);
    n.putNull("last_scheduling_decision");
    n.put("run_type", r.runType);
    n.put("state", r.state);
    // Airflow 3's conf is nullable; Airflow 2's is an object ({} when a run has none).
    n.set("conf", r.conf.isNull() && !flavor.airflow3() ? JSON.createObjectNode() : r.conf);
    n.putNull("note");
    if (flavor.airflow3()) {
      n.put("dag_display_name", r.dagId);
      n.put("run_after", f.format(at(r.logicalDate)));
      date(n, "queued_at", r.queuedAt, f);
      n.put("triggered_by", r.runType.equals("manual") ? "rest_api" : "timetable");
      n.putArray("dag_versions");
      n.putNull("bundle_version");
      if (r.endDate != null && r.startDate != null) {
        n.put("duration", (double) (r.endDate.getEpochSecond() - r.startDate.getEpochSecond()));
      } else {
        n.putNull("duration");
      }
    } else {
      n.put("execution_date", f.format(at(r.logicalDate)));
      n.put("external_trigger", r.runType.equals("manual"));
    }
    return n;
  }

  private void setState(Run r, String state) {
    r.state = state;
    if (!state.equals("queued") && r.startDate == null) {
      r.startDate = Instant.parse("2026-01-01T10:00:05Z");
    }
    if (finished(state)) {
      r.endDate = Instant.parse("2026-01-01T10:20:00Z");
    }
  }

  // ---- validation ----

  private void check(OpenApiInteractionValidator validator, String what, Recorded rec) {
    ValidationReport report =
        AirflowSpecs.validateRequest(
            validator, rec.method(), rec.path(), query(rec.query()), rec.headers(), rec.body());
    validated.incrementAndGet();
    for (ValidationReport.Message msg : report.getMessages()) {
      if (msg.getLevel() == ValidationReport.Level.ERROR) {
        problems.add(
            what
                + " "
                + rec.method()
                + " "
                + rec.path()
                + ": ["
                + msg.getKey()
                + "] "
                + msg.getMessage());
      }
    }
  }

  private void checkResponse(OpenApiInteractionValidator validator, Recorded rec, Answer a) {
    // Airflow 2 sends problem+json; its document declares application/json for the same schema.
    String declaredType =
        a.contentType.startsWith("application/problem+json") ? "application/json" : a.contentType;
    if (!flavor.airflow3()
        && a.status >= 400
        && !a.contentType.startsWith("application/problem+json")) {
      problems.add("Airflow 2 error without application/problem+json: " + a.contentType);
    }
    ValidationReport report =
        AirflowSpecs.validateResponse(
            validator, rec.method(), rec.path(), a.status, declaredType, a.body);
    validated.incrementAndGet();
    boolean infrastructure = a.status == 429 || a.status >= 500;
    for (ValidationReport.Message msg : report.getMessages()) {
      if (msg.getLevel() != ValidationReport.Level.ERROR) {
        continue;
      }
      if (infrastructure && msg.getKey().equals("validation.response.status.unknown")) {
        continue; // 429/5xx: from the server or a proxy, not listed by the document
      }
      problems.add(
          "response "
              + a.status
              + " to "
              + rec.method()
              + " "
              + rec.path()
              + ": ["
              + msg.getKey()
              + "] "
              + msg.getMessage());
    }
    if (infrastructure) {
      JsonNode body = AirflowJson.parse(a.body);
      boolean shaped =
          body != null
              && (flavor.airflow3()
                  ? body.has("detail")
                  : body.has("type") && body.has("title") && body.has("status"));
      if (!shaped) {
        problems.add("a " + a.status + " answer without Airflow's error shape: " + a.body);
      }
    }
  }

  // ---- helpers ----

  /** Airflow's error: 3.x {"detail": ...}; 2.x an RFC 7807 problem document. */
  private Answer error(int status, String detail) {
    return error(status, reason(status), detail);
  }

  private Answer error(int status, String title, String detail) {
    if (flavor.airflow3()) {
      ObjectNode body = JSON.createObjectNode().put("detail", detail);
      return new Answer(status, "application/json", write(body), Map.of(), Duration.ZERO);
    }
    ObjectNode body = JSON.createObjectNode();
    body.put(
        "type",
        "https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/"
            + title.replace(" ", ""));
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    return new Answer(status, "application/problem+json", write(body), Map.of(), Duration.ZERO);
  }

  private static Answer ok(JsonNode body) {
    return new Answer(200, "application/json", write(body), Map.of(), Duration.ZERO);
  }

  private static String reason(int status) {
    switch (status) {
      case 400:
        return "Bad Request";
      case 401:
        return "Unauthorized";
      case 403:
        return "Forbidden";
      case 404:
        return "Not Found";
      case 409:
        return "Conflict";
      case 429:
        return "Too Many Requests";
      case 500:
        return "Internal Server Error";
      case 503:
        return "Service Unavailable";
      default:
        return "Error";
    }
  }

  private static void date(ObjectNode n, String field, Instant value, DateTimeFormatter f) {
    if (value == null) {
      n.putNull(field);
    } else {
      n.put(field, f.format(at(value)));
    }
  }

  private static OffsetDateTime at(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }

  private static boolean finished(String state) {
    return state.equals("success") || state.equals("failed");
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static String write(JsonNode n) {
    return AirflowJson.write(n);
  }
}
