package dev.lakeml.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakeml.orchestration.airflow.AirflowException.Call;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP side of the client: timeouts, retries, authentication (basic auth on Airflow 2, a bearer
 * token from {@code POST /auth/token} on Airflow 3) and finding which API the server speaks.
 */
final class AirflowHttp {
  /** An answer from Airflow, and how many attempts it took. */
  record Reply(int status, String body, JsonNode json, int attempts) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private static final Call VERSION = Call.of("read Airflow's version", null);
  private static final Call TOKEN = Call.of("get an API token", null);

  private final AirflowSettings settings;
  private final HttpClient http;
  private final AirflowClient.Sleeper sleeper;
  private final Clock clock;
  private final Object lock = new Object();
  private volatile AirflowVersion version;
  private volatile String token;

  AirflowHttp(AirflowSettings settings, AirflowClient.Sleeper sleeper, Clock clock) {
    this.settings = settings;
    this.sleeper = sleeper;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * The server's Airflow release and API, found once: {@code GET /api/v2/version} (Airflow 3), and
   * on 404 {@code GET /api/v1/version} (Airflow 2).
   */
  AirflowVersion version() {
    AirflowVersion v = version;
    if (v != null) {
      return v;
    }
    synchronized (lock) {
      if (version == null) {
        version = detectVersion();
      }
      return version;
    }
  }

  private AirflowVersion detectVersion() {
    String v2 = AirflowVersion.V2 + "/version";
    // Airflow 3 serves its version without authentication; Airflow 2 answers 404 here.
    Reply r = exchange(VERSION, "GET", v2, v2, null, null);
    if (r.ok()) {
      return readVersion(r, "GET", v2, AirflowVersion.V2);
    }
    if (r.status() != 404) {
      throw error(VERSION, "GET", v2, r);
    }
    String v1 = AirflowVersion.V1 + "/version";
    Reply r1 = exchange(VERSION, "GET", v1, v1, null, staticAuthorization());
    if (r1.ok()) {
      return readVersion(r1, "GET", v1, AirflowVersion.V1);
    }
    if (r1.status() == 404) {
      throw AirflowException.invalidResponse(
          VERSION,
          "GET",
          v1,
          404,
          "neither " + v2 + " nor " + v1 + " exists, so this is no Airflow 2 or 3 REST API");
    }
    throw error(VERSION, "GET", v1, r1);
  }

  private AirflowVersion readVersion(Reply r, String method, String path, String apiPath) {
    try {
      return AirflowJson.version(r.json(), apiPath);
    } catch (IllegalArgumentException e) {
      throw AirflowException.invalidResponse(VERSION, method, path, r.status(), e.getMessage());
    }
  }

  /**
   * Calls {@code path} (relative to the API root, e.g. {@code /dags/x/dagRuns}) and returns a 2xx
   * answer, or one whose status is in {@code passThrough}; any other answer is thrown as an {@link
   * AirflowException}. On Airflow 3 a 401 fetches a fresh token once and tries again.
   */
  Reply api(
      Call call,
      String method,
      String path,
      String query,
      JsonNode body,
      Set<Integer> passThrough) {
    AirflowVersion v = version();
    String full = v.apiPath() + path + (query == null || query.isEmpty() ? "" : "?" + query);
    String shownPath = v.apiPath() + path;
    boolean refreshed = false;
    while (true) {
      String auth = authorization(v);
      Reply r = exchange(call, method, full, shownPath, body, auth);
      if (r.status() == 401 && canRefresh(v) && !refreshed) {
        refreshed = true;
        synchronized (lock) {
          if (auth.equals("Bearer " + token)) {
            token = null; // fetch a new one, unless another thread already did
          }
        }
        continue;
      }
      if (r.ok() || passThrough.contains(r.status())) {
        return r;
      }
      throw error(call, method, shownPath, r);
    }
  }

  AirflowException error(Call call, String method, String path, Reply r) {
    return AirflowException.forStatus(
        call, method, path, r.status(), AirflowJson.problemDetail(r.json()), r.attempts());
  }

  private boolean canRefresh(AirflowVersion v) {
    return v.isAirflow3() && settings.credentials() instanceof AirflowSettings.Password;
  }

  /** The Authorization header for an API call. */
  private String authorization(AirflowVersion v) {
    if (v.isAirflow3() && settings.credentials() instanceof AirflowSettings.Password) {
      return "Bearer " + token();
    }
    return staticAuthorization();
  }

  /** Basic auth for a user name and password, a bearer header for a pre-issued token. */
  private String staticAuthorization() {
    if (settings.credentials() instanceof AirflowSettings.Password p) {
      String pair = p.username() + ":" + p.password();
      return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
    return "Bearer " + ((AirflowSettings.Token) settings.credentials()).token();
  }

  /** Airflow 3's token for the configured user: {@code POST /auth/token}, kept until a 401. */
  private String token() {
    String t = token;
    if (t != null) {
      return t;
    }
    synchronized (lock) {
      if (token == null) {
        token = fetchToken();
      }
      return token;
    }
  }

  private String fetchToken() {
    AirflowSettings.Password p = (AirflowSettings.Password) settings.credentials();
    ObjectNode body = AirflowJson.MAPPER.createObjectNode();
    body.put("username", p.username());
    body.put("password", p.password());
    String path = "/auth/token";
    Reply r = exchange(TOKEN, "POST", path, path, body, null);
    if (r.status() == 404) {
      throw AirflowException.invalidResponse(
          TOKEN,
          "POST",
          path,
          404,
          "Airflow 3 issues no tokens at "
              + path
              + " (is its auth manager one that does?); set "
              + AirflowSettings.TOKEN
              + " to a token issued by Airflow instead");
    }
    if (!r.ok()) {
      throw error(TOKEN, "POST", path, r);
    }
    JsonNode access = r.json() == null ? null : r.json().get("access_token");
    if (access == null || !access.isTextual() || access.asText().isBlank()) {
      throw AirflowException.invalidResponse(TOKEN, "POST", path, r.status(), "no access_token");
    }
    return access.asText();
  }

  /**
   * One request with the retry policy: connection failures, timeouts, 5xx and 429 are retried
   * (honouring Retry-After); any other answer is returned as it is.
   *
   * @param target the path and query after the base URL
   * @param shownPath the path to name in errors (no query)
   */
  private Reply exchange(
      Call call, String method, String target, String shownPath, JsonNode body, String auth) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(settings.baseUrl() + target))
            .timeout(settings.requestTimeout())
            .header("Accept", "application/json");
    if (auth != null) {
      b.header("Authorization", auth);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(AirflowJson.write(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpRequest request = b.build();
    RetryPolicy policy = settings.retry();
    for (int attempt = 1; ; attempt++) {
      Optional<Duration> retryAfter = Optional.empty();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        Reply reply =
            new Reply(status, response.body(), AirflowJson.parse(response.body()), attempt);
        if (!(status == 429 || status >= 500) || attempt >= policy.maxAttempts()) {
          return reply;
        }
        retryAfter =
            RetryPolicy.parseRetryAfter(
                response.headers().firstValue("Retry-After").orElse(null), clock.instant());
      } catch (HttpConnectTimeoutException e) {
        if (attempt >= policy.maxAttempts()) {
          throw AirflowException.unreachable(
              call, method, shownPath, settings.baseUrl(), e, attempt);
        }
      } catch (HttpTimeoutException e) {
        if (attempt >= policy.maxAttempts()) {
          throw AirflowException.timeout(
              call, method, shownPath, settings.requestTimeout(), e, attempt);
        }
      } catch (IOException e) {
        if (attempt >= policy.maxAttempts()) {
          throw AirflowException.unreachable(
              call, method, shownPath, settings.baseUrl(), e, attempt);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AirflowException.interrupted(call, method, shownPath, e);
      }
      Duration wait = policy.delay(attempt, retryAfter, ThreadLocalRandom.current().nextDouble());
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw AirflowException.interrupted(call, method, shownPath, e);
      }
    }
  }
}
