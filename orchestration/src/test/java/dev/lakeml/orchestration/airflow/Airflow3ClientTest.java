package dev.lakeml.orchestration.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lakeml.orchestration.airflow.FakeAirflow.Fault;
import dev.lakeml.orchestration.airflow.FakeAirflow.Flavor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client against Airflow 3.2 ({@code /api/v2}, bearer tokens from {@code /auth/token}). */
class Airflow3ClientTest extends AirflowClientContract {
  @Override
  Flavor flavor() {
    return Flavor.AIRFLOW_3;
  }

  @Override
  Fault validationFault() {
    var details = AirflowJson.MAPPER.createArrayNode();
    var error = details.addObject();
    error.put("type", "datetime_from_date_parsing");
    error.putArray("loc").add("body").add("logical_date");
    error.put("msg", "Input should be a valid datetime or date, input is too short");
    error.put("input", "2011");
    var second = details.addObject();
    second.put("type", "dict_type");
    second.putArray("loc").add("body").add("conf");
    second.put("msg", "Input should be a valid dictionary");
    return Fault.status(422).on("POST", "/dagRuns").detail(details);
  }

  @Override
  String expectedValidationDetail() {
    return "logical_date: Input should be a valid datetime or date, input is too short;"
        + " conf: Input should be a valid dictionary";
  }

  @Test
  void fetchesOneTokenAndSendsItAsBearer() {
    AirflowClient client = client();
    client.trigger(DAG, DAY, Map.of());
    client.runs(DAG, 1);
    client.pause(DAG);

    assertThat(fake.tokensIssued()).isEqualTo(1);
    assertThat(fake.requests())
        .filteredOn(r -> r.path().startsWith("/api/v2/dags/"))
        .hasSize(3)
        .allMatch(r -> "Bearer tok-1".equals(r.header("Authorization")));
    assertThat(fake.requests())
        .filteredOn(r -> r.path().equals("/api/v2/version"))
        .allMatch(r -> r.header("Authorization") == null);
  }

  @Test
  void fetchesANewTokenOnceAfterA401() {
    AirflowClient client = client();
    client.trigger(DAG, DAY, Map.of());
    fake.expireTokens();

    DagRun run = client.run(DAG, "lakeml__2011-12-09");

    assertThat(run.dagRunId()).isEqualTo("lakeml__2011-12-09");
    assertThat(fake.tokensIssued()).isEqualTo(2);
    assertThat(fake.count("GET", runsPath() + "/lakeml__2011-12-09")).isEqualTo(2);
    assertThat(fake.requests().get(fake.requests().size() - 1).header("Authorization"))
        .isEqualTo("Bearer tok-2");
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void a401WithAFreshTokenIsAnError() {
    fake.tokensExpireAtOnce();

    AirflowException e = catchThrowableOfType(AirflowException.class, () -> client().runs(DAG, 1));

    assertThat(e.status()).hasValue(401);
    assertThat(e.path()).isEqualTo(runsPath());
    assertThat(e.detail()).hasValue("Not authenticated");
    assertThat(fake.tokensIssued()).isEqualTo(2);
    assertThat(fake.count("GET", runsPath())).isEqualTo(2);
  }

  @Test
  void aPreIssuedTokenIsSentAsItIsAndA401NamesTheTokenVariable() {
    AirflowClient client =
        client(settings(fake.url(), new AirflowSettings.Token("expired-token-0815")));

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client.trigger(DAG, DAY, Map.of()));

    assertThat(e.status()).hasValue(401);
    assertThat(e.getMessage())
        .contains("LAKEML_AIRFLOW_TOKEN")
        .doesNotContain("expired-token-0815");
    assertThat(fake.count("POST", "/auth/token")).isZero();
    assertThat(fake.count("POST", runsPath())).isEqualTo(1);
    assertThat(fake.requests().get(fake.requests().size() - 1).header("Authorization"))
        .isEqualTo("Bearer expired-token-0815");
  }
}
