package dev.lakeml.orchestration.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AirflowSettingsTest {
  static final String SECRET = "hunter2-secret";
  static final String TOKEN = "eyJhbGciOi.secret-token";

  static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static String problem(Map<String, String> env) {
    Throwable t = catchThrowable(() -> AirflowSettings.fromEnvironment(env));
    assertThat(t).isInstanceOf(IllegalArgumentException.class);
    assertThat(t.getMessage()).doesNotContain(SECRET).doesNotContain(TOKEN);
    return t.getMessage();
  }

  @Test
  void readsUrlCredentialsAndTimeout() {
    AirflowSettings s =
        AirflowSettings.fromEnvironment(
            env(
                "LAKEML_AIRFLOW_URL", "http://airflow.internal:8080/",
                "LAKEML_AIRFLOW_USERNAME", "lakeml",
                "LAKEML_AIRFLOW_PASSWORD", SECRET,
                "LAKEML_AIRFLOW_TIMEOUT", "5s"));

    assertThat(s.baseUrl()).isEqualTo(URI.create("http://airflow.internal:8080"));
    assertThat(s.credentials()).isEqualTo(new AirflowSettings.Password("lakeml", SECRET));
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.retry()).isEqualTo(RetryPolicy.DEFAULT);
  }

  @Test
  void defaultsTheTimeoutsAndKeepsAPathPrefix() {
    AirflowSettings s =
        AirflowSettings.fromEnvironment(
            env(
                "LAKEML_AIRFLOW_URL",
                "https://ops.example.com/airflow",
                "LAKEML_AIRFLOW_TOKEN",
                TOKEN));

    assertThat(s.baseUrl()).hasToString("https://ops.example.com/airflow");
    assertThat(s.credentials()).isEqualTo(new AirflowSettings.Token(TOKEN));
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void acceptsTheUsualWaysOfWritingTheTimeout() {
    Map<String, Duration> forms =
        Map.of(
            "500ms",
            Duration.ofMillis(500),
            "2m",
            Duration.ofMinutes(2),
            "PT45S",
            Duration.ofSeconds(45),
            "1h",
            Duration.ofHours(1),
            " 30 s ",
            Duration.ofSeconds(30));
    forms.forEach(
        (text, expected) ->
            assertThat(
                    AirflowSettings.fromEnvironment(
                            env(
                                "LAKEML_AIRFLOW_URL", "http://localhost:8080",
                                "LAKEML_AIRFLOW_TOKEN", TOKEN,
                                "LAKEML_AIRFLOW_TIMEOUT", text))
                        .requestTimeout())
                .as(text)
                .isEqualTo(expected));
  }

  @Test
  void aMissingUrlIsNamedWithAnExample() {
    assertThat(problem(env("LAKEML_AIRFLOW_TOKEN", TOKEN)))
        .contains("LAKEML_AIRFLOW_URL is not set")
        .contains("http://localhost:8080");
    assertThat(problem(env("LAKEML_AIRFLOW_URL", "  ", "LAKEML_AIRFLOW_TOKEN", TOKEN)))
        .contains("LAKEML_AIRFLOW_URL is not set");
  }

  @Test
  void anInvalidUrlIsNamedWithWhatIsExpected() {
    assertThat(problem(env("LAKEML_AIRFLOW_URL", "localhost:8080", "LAKEML_AIRFLOW_TOKEN", TOKEN)))
        .contains("LAKEML_AIRFLOW_URL must be an http(s) URL such as http://localhost:8080")
        .contains("'localhost:8080'");
    assertThat(problem(env("LAKEML_AIRFLOW_URL", "ftp://x/", "LAKEML_AIRFLOW_TOKEN", TOKEN)))
        .contains("LAKEML_AIRFLOW_URL must be an http(s) URL");
    assertThat(problem(env("LAKEML_AIRFLOW_URL", "http://a b", "LAKEML_AIRFLOW_TOKEN", TOKEN)))
        .contains("LAKEML_AIRFLOW_URL must be an http(s) URL");
  }

  @Test
  void aUrlWithTheApiPathIsRefused() {
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "http://localhost:8080/api/v1/",
                    "LAKEML_AIRFLOW_TOKEN",
                    TOKEN)))
        .contains("LAKEML_AIRFLOW_URL must be Airflow's base URL without /api/v1 or /api/v2");
  }

  @Test
  void credentialsInTheUrlAreRefusedWithoutRepeatingThem() {
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "http://admin:" + SECRET + "@localhost:8080",
                    "LAKEML_AIRFLOW_TOKEN",
                    TOKEN)))
        .contains("LAKEML_AIRFLOW_URL must not contain a user name or password")
        .contains("LAKEML_AIRFLOW_USERNAME");
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "admin:" + SECRET + "@localhost",
                    "LAKEML_AIRFLOW_TOKEN",
                    TOKEN)))
        .contains("LAKEML_AIRFLOW_URL");
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "http://localhost:8080/?token=" + SECRET,
                    "LAKEML_AIRFLOW_TOKEN",
                    TOKEN)))
        .contains("LAKEML_AIRFLOW_URL must not have a query");
  }

  @Test
  void aUserNameNeedsItsPasswordAndTheOtherWayRound() {
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "http://localhost:8080",
                    "LAKEML_AIRFLOW_USERNAME",
                    "lakeml")))
        .contains(
            "LAKEML_AIRFLOW_PASSWORD is not set: it is required with LAKEML_AIRFLOW_USERNAME");
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "http://localhost:8080",
                    "LAKEML_AIRFLOW_PASSWORD",
                    SECRET)))
        .contains(
            "LAKEML_AIRFLOW_USERNAME is not set: it is required with LAKEML_AIRFLOW_PASSWORD");
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL", "http://localhost:8080",
                    "LAKEML_AIRFLOW_USERNAME", "domain:user",
                    "LAKEML_AIRFLOW_PASSWORD", SECRET)))
        .contains("LAKEML_AIRFLOW_USERNAME must not contain ':'");
  }

  @Test
  void noCredentialsNamesBothWays() {
    assertThat(problem(env("LAKEML_AIRFLOW_URL", "http://localhost:8080")))
        .contains("no Airflow credentials")
        .contains("LAKEML_AIRFLOW_USERNAME")
        .contains("LAKEML_AIRFLOW_PASSWORD")
        .contains("LAKEML_AIRFLOW_TOKEN");
  }

  @Test
  void aTokenAndAPasswordTogetherAreAmbiguous() {
    assertThat(
            problem(
                env(
                    "LAKEML_AIRFLOW_URL",
                    "http://localhost:8080",
                    "LAKEML_AIRFLOW_USERNAME",
                    "lakeml",
                    "LAKEML_AIRFLOW_PASSWORD",
                    SECRET,
                    "LAKEML_AIRFLOW_TOKEN",
                    TOKEN)))
        .contains(
            "set either LAKEML_AIRFLOW_TOKEN or LAKEML_AIRFLOW_USERNAME and LAKEML_AIRFLOW_PASSWORD, not both");
  }

  @Test
  void anInvalidTimeoutIsNamedWithExamples() {
    for (String bad : new String[] {"soon", "30", "0s", "-5s", "PT-1S"}) {
      assertThat(
              problem(
                  env(
                      "LAKEML_AIRFLOW_URL", "http://localhost:8080",
                      "LAKEML_AIRFLOW_TOKEN", TOKEN,
                      "LAKEML_AIRFLOW_TIMEOUT", bad)))
          .as(bad)
          .contains("LAKEML_AIRFLOW_TIMEOUT must be a positive duration such as 30s")
          .contains("'" + bad + "'");
    }
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThat(problem(env("LAKEML_AIRFLOW_TIMEOUT", "later")))
        .contains("LAKEML_AIRFLOW_URL")
        .contains("no Airflow credentials")
        .contains("LAKEML_AIRFLOW_TIMEOUT");
  }

  @Test
  void noSecretInToString() {
    AirflowSettings withPassword =
        AirflowSettings.of(
            URI.create("http://localhost:8080"), new AirflowSettings.Password("lakeml", SECRET));
    AirflowSettings withToken =
        AirflowSettings.of(URI.create("http://localhost:8080"), new AirflowSettings.Token(TOKEN));

    assertThat(withPassword.toString())
        .contains("lakeml")
        .contains("http://localhost:8080")
        .contains("30s")
        .doesNotContain(SECRET);
    assertThat(withPassword.credentials().toString()).doesNotContain(SECRET).contains("****");
    assertThat(withToken.toString()).doesNotContain(TOKEN).contains("Token[****]");
  }

  @Test
  void settingsRefuseBadValuesWhenBuiltInCode() {
    assertThatThrownBy(
            () ->
                AirflowSettings.of(
                    URI.create("http://u:" + SECRET + "@h"), new AirflowSettings.Token(TOKEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> new AirflowSettings.Token(" ")).hasMessageContaining("token is empty");
    assertThatThrownBy(
            () ->
                AirflowSettings.of(URI.create("http://h"), new AirflowSettings.Token(TOKEN))
                    .withRequestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout must be positive");
  }

  @Test
  void describesDurationsForPeople() {
    assertThat(AirflowSettings.describe(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(AirflowSettings.describe(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(AirflowSettings.describe(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(AirflowSettings.describe(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(AirflowSettings.describe(Duration.ofHours(2))).isEqualTo("2h");
  }
}
