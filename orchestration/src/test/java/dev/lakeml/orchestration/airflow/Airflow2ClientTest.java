package dev.lakeml.orchestration.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lakeml.orchestration.airflow.FakeAirflow.Fault;
import dev.lakeml.orchestration.airflow.FakeAirflow.Flavor;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client against Airflow 2.10 ({@code /api/v1}, basic auth, RFC 7807 errors). */
class Airflow2ClientTest extends AirflowClientContract {
  @Override
  Flavor flavor() {
    return Flavor.AIRFLOW_2;
  }

  @Override
  Fault validationFault() {
    return Fault.status(400)
        .on("POST", "/dagRuns")
        .detail("{'conf': ['Not a valid mapping type.']}");
  }

  @Override
  String expectedValidationDetail() {
    return "Bad Request: {'conf': ['Not a valid mapping type.']}";
  }

  @Test
  void sendsBasicAuthAndAsksForNoToken() {
    client().trigger(DAG, DAY, Map.of());

    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (FakeAirflow.USER + ":" + FakeAirflow.PASSWORD)
                        .getBytes(StandardCharsets.UTF_8));
    assertThat(fake.requests())
        .filteredOn(r -> r.path().startsWith("/api/v1/dags/"))
        .isNotEmpty()
        .allMatch(r -> basic.equals(r.header("Authorization")));
    assertThat(fake.count("POST", "/auth/token")).isZero();
  }

  @Test
  void readsTheTitleAndDetailOfAProblemDocument() {
    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client().run(DAG, "nope"));

    assertThat(e.detail())
        .hasValue(
            "DAGRun not found: DAGRun with DAG ID: '" + DAG + "' and DagRun ID: 'nope' not found");
  }
}
