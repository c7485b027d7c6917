package dev.lakeml.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakeml.orchestration.airflow.AirflowException.Call;
import dev.lakeml.orchestration.airflow.AirflowHttp.Reply;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A small client for Apache Airflow's REST API, for Airflow 2 ({@code /api/v1}, basic auth) and
 * Airflow 3 ({@code /api/v2}, a bearer token from {@code POST /auth/token}); it asks the server
 * which one it is.
 *
 * <p>It triggers DAG runs, reads them, waits for them and pauses DAGs. Triggers are idempotent: the
 * run id comes from the logical date ({@link #runId}), so triggering the same DAG and date again
 * returns the existing run instead of a second one (and a trigger retried after a lost answer is
 * harmless). Every call has a timeout, and failures worth retrying are retried as the {@link
 * RetryPolicy} says. Failures are thrown as {@link AirflowException}, whose message says what to
 * fix.
 *
 * <p>Instances are thread-safe; the server's version and the Airflow 3 token are kept.
 */
public final class AirflowClient {
  /** Waits between attempts and polls; tests replace it so that they do not wait. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    /** {@link Thread#sleep}. */
    Sleeper REAL =
        d -> {
          if (!d.isZero() && !d.isNegative()) {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
          }
        };
  }

  /** The start of the run ids this client gives the runs it triggers. */
  public static final String RUN_ID_PREFIX = "lakeml__";

  private static final Set<Integer> CONFLICT = Set.of(409);

  private final AirflowSettings settings;
  private final AirflowHttp http;
  private final Sleeper sleeper;
  private final Clock clock;

  /** A client that really sleeps between attempts and reads the system clock. */
  public AirflowClient(AirflowSettings settings) {
    this(settings, Sleeper.REAL, Clock.systemUTC());
  }

  /**
   * A client with its own way of waiting and telling the time (both used for retries and {@link
   * #waitFor}).
   */
  public AirflowClient(AirflowSettings settings, Sleeper sleeper, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http = new AirflowHttp(settings, sleeper, clock);
  }

  /** A client configured from the environment; see {@link AirflowSettings#fromEnvironment}. */
  public static AirflowClient fromEnvironment() {
    return new AirflowClient(AirflowSettings.fromEnvironment(System.getenv()));
  }

  public AirflowSettings settings() {
    return settings;
  }

  /** The Airflow release and API the server speaks, e.g. {@code Airflow 3.2.1 (/api/v2)}. */
  public AirflowVersion version() {
    return http.version();
  }

  /** The run id this client gives a run of a logical date, e.g. {@code lakeml__2011-12-09}. */
  public static String runId(LocalDate logicalDate) {
    return RUN_ID_PREFIX + logicalDate;
  }

  /**
   * Triggers a run of {@code dagId} for {@code logicalDate} (midnight UTC) with {@code conf}, under
   * the run id {@link #runId}. When that run exists already, returns it with {@code created} false
   * (its conf is the one it was first triggered with).
   *
   * @param conf JSON values (maps, lists, strings, numbers, booleans, null); null means none
   * @throws AirflowException when Airflow refuses, e.g. 404 when it does not know the DAG, or 409
   *     when another run (not triggered by this client) has the same logical date
   */
  public DagRun trigger(String dagId, LocalDate logicalDate, Map<String, Object> conf) {
    requireId("dagId", dagId);
    Objects.requireNonNull(logicalDate, "logicalDate");
    String runId = runId(logicalDate);
    Instant logical = logicalDate.atStartOfDay(ZoneOffset.UTC).toInstant();
    Call call = Call.of("trigger DAG '" + dagId + "'", dagId);
    String path = dagRuns(dagId);
    Reply r =
        http.api(call, "POST", path, null, AirflowJson.triggerBody(runId, logical, conf), CONFLICT);
    if (r.status() != 409) {
      return parseRun(call, "POST", path, r, true);
    }
    Call lookup = new Call("read run '" + runId + "' of DAG '" + dagId + "'", dagId, runId);
    Reply existing = http.api(lookup, "GET", runPath(dagId, runId), null, null, Set.of(404));
    if (existing.status() == 404) {
      AirflowException conflict = http.error(call, "POST", path, r);
      throw new AirflowException(
          AirflowException.Kind.HTTP,
          409,
          "POST",
          version().apiPath() + path,
          conflict.detail().orElse(null),
          "DAG '"
              + dagId
              + "' already has a run for logical date "
              + logicalDate
              + " under another run id than '"
              + runId
              + "' (Airflow allows one run per DAG and logical date): look at the DAG's runs in"
              + " Airflow. "
              + conflict.getMessage(),
          null);
    }
    return parseRun(lookup, "GET", runPath(dagId, runId), existing, false);
  }

  /** The run {@code dagRunId} of {@code dagId}. */
  public DagRun run(String dagId, String dagRunId) {
    requireId("dagId", dagId);
    requireId("dagRunId", dagRunId);
    Call call = new Call("read run '" + dagRunId + "' of DAG '" + dagId + "'", dagId, dagRunId);
    String path = runPath(dagId, dagRunId);
    return parseRun(call, "GET", path, http.api(call, "GET", path, null, null, Set.of()), false);
  }

  /** The newest {@code limit} runs of {@code dagId}, newest (by logical date) first. */
  public List<DagRun> runs(String dagId, int limit) {
    requireId("dagId", dagId);
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    Call call = Call.of("list the runs of DAG '" + dagId + "'", dagId);
    // Airflow 2 orders by execution_date (the logical date); Airflow 3 by run_after, which is
    // the logical date for runs that have one.
    String order = version().isAirflow3() ? "-run_after" : "-execution_date";
    String path = dagRuns(dagId);
    Reply r = http.api(call, "GET", path, "limit=" + limit + "&order_by=" + order, null, Set.of());
    try {
      return List.copyOf(AirflowJson.dagRuns(r.json()));
    } catch (IllegalArgumentException e) {
      throw AirflowException.invalidResponse(
          call, "GET", version().apiPath() + path, r.status(), e.getMessage());
    }
  }

  /**
   * Reads the run every {@code pollEvery} until it is successful or failed, and returns it.
   *
   * @throws AirflowWaitTimeoutException when it is neither after {@code timeout}; it names the
   *     state the run was last in
   */
  public DagRun waitFor(String dagId, String dagRunId, Duration timeout, Duration pollEvery) {
    requirePositive("timeout", timeout);
    requirePositive("pollEvery", pollEvery);
    Instant deadline = clock.instant().plus(timeout);
    while (true) {
      DagRun r = run(dagId, dagRunId);
      if (r.state().finished()) {
        return r;
      }
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new AirflowWaitTimeoutException(
            r, timeout, "GET", version().apiPath() + runPath(dagId, dagRunId));
      }
      try {
        sleeper.sleep(left.compareTo(pollEvery) < 0 ? left : pollEvery);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AirflowException.interrupted(
            Call.of("wait for run '" + dagRunId + "' of DAG '" + dagId + "'", dagId),
            "GET",
            version().apiPath() + runPath(dagId, dagRunId),
            e);
      }
    }
  }

  /** Pauses {@code dagId}: Airflow schedules no new runs of it. */
  public void pause(String dagId) {
    setPaused(dagId, true);
  }

  /** Unpauses {@code dagId}. */
  public void unpause(String dagId) {
    setPaused(dagId, false);
  }

  private void setPaused(String dagId, boolean paused) {
    requireId("dagId", dagId);
    Call call = Call.of((paused ? "pause" : "unpause") + " DAG '" + dagId + "'", dagId);
    String path = "/dags/" + segment(dagId);
    ObjectNode body = AirflowJson.MAPPER.createObjectNode();
    body.put("is_paused", paused);
    // Airflow 2 updates every field of the body unless update_mask names the ones to change.
    String query = version().isAirflow3() ? null : "update_mask=is_paused";
    Reply r = http.api(call, "PATCH", path, query, body, Set.of());
    JsonNode now = r.json() == null ? null : r.json().get("is_paused");
    if (now == null || !now.isBoolean() || now.booleanValue() != paused) {
      throw AirflowException.invalidResponse(
          call,
          "PATCH",
          version().apiPath() + path,
          r.status(),
          "the DAG's is_paused is " + now + ", not " + paused);
    }
  }

  private DagRun parseRun(Call call, String method, String path, Reply r, boolean created) {
    try {
      return AirflowJson.dagRun(r.json(), created);
    } catch (IllegalArgumentException e) {
      throw AirflowException.invalidResponse(
          call, method, version().apiPath() + path, r.status(), e.getMessage());
    }
  }

  private static String dagRuns(String dagId) {
    return "/dags/" + segment(dagId) + "/dagRuns";
  }

  private static String runPath(String dagId, String dagRunId) {
    return dagRuns(dagId) + "/" + segment(dagRunId);
  }

  /** A path segment with everything but unreserved characters percent-encoded. */
  static String segment(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.write(c);
      } else {
        byte[] hex = String.format("%%%02X", b & 0xff).getBytes(StandardCharsets.US_ASCII);
        out.write(hex, 0, hex.length);
      }
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static void requireId(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
