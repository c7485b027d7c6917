package dev.lakeml.orchestration.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.orchestration.airflow.FakeAirflow.Flavor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code lakeml airflow trigger / runs} against both Airflows, every exchange validated. */
class PipelineRunsTest {
  static final String DAG = "online-retail__retrain";
  static final LocalDate DAY = LocalDate.of(2011, 9, 30);

  @ParameterizedTest
  @EnumSource(Flavor.class)
  void triggersOnceWaitsForTheRunAndListsIt(Flavor flavor) throws Exception {
    try (FakeAirflow fake = new FakeAirflow(flavor)) {
      fake.addDag(DAG);
      FakeTime time = new FakeTime();
      AirflowClient client =
          new AirflowClient(
              AirflowSettings.of(
                      fake.url(),
                      new AirflowSettings.Password(FakeAirflow.USER, FakeAirflow.PASSWORD))
                  .withRequestTimeout(Duration.ofSeconds(5)),
              time,
              time.clock());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      PipelineRuns runs =
          new PipelineRuns(client, new PrintStream(bytes, true, StandardCharsets.UTF_8));

      DagRun first = runs.trigger(DAG, DAY, "drift on customer_churn", Optional.empty());
      fake.statesOnRead(DAG, first.dagRunId(), "running", "success");
      DagRun again =
          runs.trigger(DAG, DAY, "drift on customer_churn", Optional.of(Duration.ofMinutes(5)));
      List<DagRun> listed = runs.runs(DAG, 10);

      String out = bytes.toString(StandardCharsets.UTF_8);
      assertThat(first.created()).isTrue();
      assertThat(first.conf()).containsEntry("trigger", "drift on customer_churn");
      assertThat(again.created()).as("the same date is the same run").isFalse();
      assertThat(again.state()).isEqualTo(DagRun.State.SUCCESS);
      assertThat(listed).extracting(DagRun::dagRunId).containsExactly(first.dagRunId());
      assertThat(out)
          .contains(DAG + " lakeml__2011-09-30: triggered (queued)")
          .contains(DAG + " lakeml__2011-09-30: already existed")
          .contains(DAG + " lakeml__2011-09-30: success")
          .contains("run id");
      assertThat(fake.problems()).as("OpenAPI validation, " + flavor).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Flavor.class)
  void anUnknownDagIsRefusedNamingIt(Flavor flavor) throws Exception {
    try (FakeAirflow fake = new FakeAirflow(flavor)) {
      AirflowClient client =
          new AirflowClient(
              AirflowSettings.of(
                  fake.url(), new AirflowSettings.Password(FakeAirflow.USER, FakeAirflow.PASSWORD)),
              new FakeTime(),
              new FakeTime().clock());
      PipelineRuns runs = new PipelineRuns(client, new PrintStream(new ByteArrayOutputStream()));

      assertThatThrownBy(() -> runs.trigger("online-retail__nope", DAY, "test", Optional.empty()))
          .isInstanceOf(AirflowException.class)
          .hasMessageContaining("online-retail__nope");
      assertThat(fake.problems()).isEmpty();
    }
  }
}
