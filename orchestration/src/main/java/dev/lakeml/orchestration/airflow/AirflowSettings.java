package dev.lakeml.orchestration.airflow;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Airflow is and how to talk to it: the base URL of the Airflow webserver (2.x) or API server
 * (3.x), the credentials, the timeouts and the retry policy.
 *
 * <p>Secrets never appear in {@link #toString()} or in any exception message.
 *
 * @param baseUrl the URL Airflow's UI is served from, without {@code /api/v1} or {@code /api/v2},
 *     e.g. {@code http://localhost:8080}; a trailing slash is dropped
 * @param credentials a user name and password, or a pre-issued token
 * @param connectTimeout how long to wait for a connection
 * @param requestTimeout how long to wait for each answer
 * @param retry when and how long to retry
 */
public record AirflowSettings(
    URI baseUrl,
    Credentials credentials,
    Duration connectTimeout,
    Duration requestTimeout,
    RetryPolicy retry) {

  /** Airflow's base URL (required). */
  public static final String URL = "LAKEML_AIRFLOW_URL";

  /** The user name for basic auth (Airflow 2) or the token exchange (Airflow 3). */
  public static final String USERNAME = "LAKEML_AIRFLOW_USERNAME";

  /** The password that goes with {@link #USERNAME}. */
  public static final String PASSWORD = "LAKEML_AIRFLOW_PASSWORD";

  /** A pre-issued bearer token, instead of a user name and password. */
  public static final String TOKEN = "LAKEML_AIRFLOW_TOKEN";

  /** The timeout of each request, e.g. {@code 30s} (optional). */
  public static final String TIMEOUT = "LAKEML_AIRFLOW_TIMEOUT";

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** How the client proves who it is. */
  public sealed interface Credentials permits Password, Token {}

  /**
   * A user name and password: HTTP basic auth on Airflow 2, exchanged for a token at {@code POST
   * /auth/token} on Airflow 3.
   */
  public record Password(String username, String password) implements Credentials {
    public Password {
      if (username == null || username.isBlank()) {
        throw new IllegalArgumentException("the Airflow user name is empty");
      }
      if (username.contains(":")) {
        throw new IllegalArgumentException("the Airflow user name must not contain ':'");
      }
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException("the Airflow password is empty");
      }
    }

    @Override
    public String toString() {
      return "Password[username=" + username + ", password=****]";
    }
  }

  /** A token issued beforehand, sent as {@code Authorization: Bearer}. */
  public record Token(String token) implements Credentials {
    public Token {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("the Airflow token is empty");
      }
    }

    @Override
    public String toString() {
      return "Token[****]";
    }
  }

  public AirflowSettings {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(retry, "retry");
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("requestTimeout", requestTimeout);
    String problem = urlProblem(baseUrl);
    if (problem != null) {
      throw new IllegalArgumentException("the Airflow URL " + problem);
    }
    String s = baseUrl.toString();
    baseUrl = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }

  /** Settings with the default timeouts and retry policy. */
  public static AirflowSettings of(URI baseUrl, Credentials credentials) {
    return new AirflowSettings(
        baseUrl,
        credentials,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        RetryPolicy.DEFAULT);
  }

  /** These settings with another request timeout; the connect timeout is at most as long. */
  public AirflowSettings withRequestTimeout(Duration timeout) {
    requirePositive("requestTimeout", timeout);
    Duration connect = connectTimeout.compareTo(timeout) > 0 ? timeout : connectTimeout;
    return new AirflowSettings(baseUrl, credentials, connect, timeout, retry);
  }

  /** These settings with another retry policy. */
  public AirflowSettings withRetry(RetryPolicy policy) {
    return new AirflowSettings(baseUrl, credentials, connectTimeout, requestTimeout, policy);
  }

  /**
   * Settings from environment variables only: {@value #URL} (required), and either {@value
   * #USERNAME} with {@value #PASSWORD} or {@value #TOKEN}; optionally {@value #TIMEOUT} (e.g.
   * {@code 30s}, {@code 500ms}, {@code 2m} or {@code PT30S}).
   *
   * @param env the environment, e.g. {@code System.getenv()}
   * @throws IllegalArgumentException naming every missing or invalid variable and what it expects
   */
  public static AirflowSettings fromEnvironment(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    URI url = null;
    String rawUrl = value(env, URL);
    if (rawUrl == null) {
      problems.add(
          URL
              + " is not set: set it to the base URL of the Airflow webserver (2.x) or API server"
              + " (3.x), e.g. http://localhost:8080");
    } else {
      try {
        url = new URI(rawUrl);
        String problem = urlProblem(url);
        if (problem != null) {
          problems.add(URL + " " + problem);
          url = null;
        }
      } catch (URISyntaxException e) {
        problems.add(
            URL + " must be an http(s) URL such as http://localhost:8080, got " + shown(rawUrl));
      }
    }

    Credentials credentials = null;
    String user = value(env, USERNAME);
    String password =
        env.get(PASSWORD) == null || env.get(PASSWORD).isEmpty() ? null : env.get(PASSWORD);
    String token = value(env, TOKEN);
    if (token != null && (user != null || password != null)) {
      problems.add("set either " + TOKEN + " or " + USERNAME + " and " + PASSWORD + ", not both");
    } else if (token != null) {
      credentials = new Token(token);
    } else if (user != null && password == null) {
      problems.add(PASSWORD + " is not set: it is required with " + USERNAME);
    } else if (user == null && password != null) {
      problems.add(USERNAME + " is not set: it is required with " + PASSWORD);
    } else if (user == null) {
      problems.add(
          "no Airflow credentials: set "
              + USERNAME
              + " and "
              + PASSWORD
              + " (basic auth on Airflow 2, exchanged for a token on Airflow 3), or "
              + TOKEN
              + " (a pre-issued token)");
    } else if (user.contains(":")) {
      problems.add(USERNAME + " must not contain ':' (HTTP basic auth cannot carry it)");
    } else {
      credentials = new Password(user, password);
    }

    Duration timeout = DEFAULT_REQUEST_TIMEOUT;
    String rawTimeout = value(env, TIMEOUT);
    if (rawTimeout != null) {
      timeout = parseDuration(rawTimeout);
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        problems.add(
            TIMEOUT
                + " must be a positive duration such as 30s, 500ms, 2m or PT30S, got '"
                + rawTimeout
                + "'");
      }
    }

    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "Airflow settings are incomplete: " + String.join("; ", problems));
    }
    return of(url, credentials).withRequestTimeout(timeout);
  }

  @Override
  public String toString() {
    return "AirflowSettings[baseUrl="
        + baseUrl
        + ", credentials="
        + credentials
        + ", connectTimeout="
        + describe(connectTimeout)
        + ", requestTimeout="
        + describe(requestTimeout)
        + ", retry="
        + retry
        + "]";
  }

  /**
   * A duration in the form people write it: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or
   * ISO-8601 ({@code PT30S}); null when it is neither.
   */
  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)").matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        default:
          return Duration.ofHours(n);
      }
    }
    try {
      return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** A duration for people: {@code 250ms}, {@code 30s}, {@code 1m30s}, {@code 2h}. */
  static String describe(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder sb = new StringBuilder();
    if (d.toHours() > 0) {
      sb.append(d.toHours()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      sb.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0 || d.toMillisPart() > 0) {
      sb.append(d.toSecondsPart());
      if (d.toMillisPart() > 0) {
        sb.append('.').append(String.format("%03d", d.toMillisPart()).replaceAll("0+$", ""));
      }
      sb.append('s');
    }
    return sb.toString();
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** Why a URL cannot be Airflow's base URL, or null when it can; never repeats credentials. */
  private static String urlProblem(URI url) {
    String raw = url.toString();
    if (url.getRawUserInfo() != null || raw.contains("@")) {
      return "must not contain a user name or password: set "
          + USERNAME
          + " and "
          + PASSWORD
          + " (or "
          + TOKEN
          + ") instead";
    }
    if (url.getScheme() == null
        || !(url.getScheme().equalsIgnoreCase("http") || url.getScheme().equalsIgnoreCase("https"))
        || url.getHost() == null) {
      return "must be an http(s) URL such as http://localhost:8080, got " + shown(raw);
    }
    if (url.getRawQuery() != null || url.getRawFragment() != null) {
      return "must not have a query or fragment, got " + shown(raw);
    }
    String path = url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
    if (path.endsWith("/api/v1") || path.endsWith("/api/v2")) {
      return "must be Airflow's base URL without /api/v1 or /api/v2 (the client finds the API"
          + " version itself), got "
          + shown(raw);
    }
    return null;
  }

  /** A value fit for a message: hidden when it might carry credentials. */
  private static String shown(String raw) {
    return raw.contains("@") || raw.contains("?")
        ? "a value that is hidden because it may contain credentials"
        : "'" + raw + "'";
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
