package dev.lakeml.orchestration.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakeml.orchestration.airflow.FakeAirflow.Fault;
import dev.lakeml.orchestration.airflow.FakeAirflow.Flavor;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client must do against either Airflow, run against {@link FakeAirflow} playing one of
 * them. Every request and response of every test is validated against the release's OpenAPI
 * document; a test fails on any finding.
 */
abstract class AirflowClientContract {
  static final String DAG = "online-retail__nightly";
  static final LocalDate DAY = LocalDate.of(2011, 12, 9);
  static final RetryPolicy FAST =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(30));

  FakeAirflow fake;
  FakeTime time;

  abstract Flavor flavor();

  @BeforeEach
  void start() throws IOException {
    fake = new FakeAirflow(flavor());
    fake.addDag(DAG);
    time = new FakeTime();
  }

  @AfterEach
  void everyExchangeMatchedTheSpecification() {
    fake.close();
    List<String> problems = fake.problems();
    problems.forEach(p -> System.out.println("[" + flavor() + "] " + p));
    assertThat(problems).as("OpenAPI validation and hand checks, " + flavor()).isEmpty();
  }

  AirflowSettings settings() {
    return AirflowSettings.of(
            fake.url(), new AirflowSettings.Password(FakeAirflow.USER, FakeAirflow.PASSWORD))
        .withRequestTimeout(Duration.ofSeconds(5))
        .withRetry(FAST);
  }

  /** {@link #settings()} with another URL and credentials. */
  AirflowSettings settings(URI url, AirflowSettings.Credentials credentials) {
    AirflowSettings s = settings();
    return new AirflowSettings(url, credentials, s.connectTimeout(), s.requestTimeout(), s.retry());
  }

  AirflowClient client() {
    return client(settings());
  }

  AirflowClient client(AirflowSettings settings) {
    return new AirflowClient(settings, time, time.clock());
  }

  String api(String path) {
    return flavor().apiPath + path;
  }

  String runsPath() {
    return api("/dags/" + DAG + "/dagRuns");
  }

  @Test
  void findsTheApiVersionOnceAndReportsIt() {
    AirflowClient client = client();
    AirflowVersion v = client.version();
    assertThat(v.toString())
        .isEqualTo("Airflow " + flavor().version + " (" + flavor().apiPath + ")");
    assertThat(v.isAirflow3()).isEqualTo(flavor().airflow3());
    assertThat(client.version()).isSameAs(v);
    List<String> asked = fake.requests().stream().map(r -> r.method() + " " + r.path()).toList();
    assertThat(asked)
        .containsExactlyElementsOf(
            flavor().airflow3()
                ? List.of("GET /api/v2/version")
                : List.of("GET /api/v2/version", "GET /api/v1/version"));
    assertThat(fake.validatedCount()).isPositive();
  }

  @Test
  void triggersARunWithConfForMidnightUtcOfTheLogicalDate() {
    Map<String, Object> conf =
        Map.of("trigger", "backfill", "days", 3, "ratio", 0.25, "models", List.of("a", "b"));
    DagRun run = client().trigger(DAG, DAY, conf);

    assertThat(run.dagId()).isEqualTo(DAG);
    assertThat(run.dagRunId()).isEqualTo("lakeml__2011-12-09");
    assertThat(run.logicalDate()).isEqualTo(Instant.parse("2011-12-09T00:00:00Z"));
    assertThat(run.state()).isEqualTo(DagRun.State.QUEUED);
    assertThat(run.endDate()).isNull();
    assertThat(run.conf()).isEqualTo(conf);
    assertThat(run.created()).isTrue();

    FakeAirflow.Recorded post =
        fake.requests().stream().filter(r -> r.method().equals("POST")).reduce((a, b) -> b).get();
    assertThat(post.path()).isEqualTo(runsPath());
    JsonNode body = AirflowJson.parse(post.body());
    assertThat(body.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder("dag_run_id", "logical_date", "conf");
    assertThat(body.get("logical_date").asText()).isEqualTo("2011-12-09T00:00:00Z");
    assertThat(body.get("dag_run_id").asText()).isEqualTo("lakeml__2011-12-09");
    assertThat(AirflowJson.fromJson(body.get("conf"))).isEqualTo(conf);
    assertThat(fake.runCount(DAG)).isEqualTo(1);
  }

  @Test
  void triggeringTheSameDayAgainReturnsTheExistingRun() {
    AirflowClient client = client();
    DagRun first = client.trigger(DAG, DAY, Map.of("trigger", "first"));
    DagRun again = client.trigger(DAG, DAY, Map.of("trigger", "second"));

    assertThat(first.created()).isTrue();
    assertThat(again.created()).isFalse();
    assertThat(again.dagRunId()).isEqualTo(first.dagRunId());
    assertThat(again.conf()).containsEntry("trigger", "first");
    assertThat(fake.count("POST", runsPath())).isEqualTo(2);
    assertThat(fake.count("GET", runsPath() + "/lakeml__2011-12-09")).isEqualTo(1);
    assertThat(fake.runCount(DAG)).isEqualTo(1);
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void aRunOfTheSameDayUnderAnotherIdIsAConflict() {
    Instant midnight = DAY.atStartOfDay(ZoneOffset.UTC).toInstant();
    fake.addRun(DAG, "manual__2011-12-09T00:00:00+00:00", midnight, "success", Map.of());

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client().trigger(DAG, DAY, Map.of()));

    assertThat(e.status()).hasValue(409);
    assertThat(e.getMessage())
        .contains("already has a run for logical date 2011-12-09")
        .contains("lakeml__2011-12-09");
    assertThat(e.detail()).hasValueSatisfying(d -> assertThat(d).contains("already exists"));
    assertThat(fake.runCount(DAG)).isEqualTo(1);
  }

  @Test
  void readsARun() {
    Instant logical = Instant.parse("2011-12-08T04:00:00Z");
    fake.addRun(
        DAG, "scheduled__2011-12-08T04:00:00+00:00", logical, "failed", Map.of("k", List.of(1)));

    DagRun run = client().run(DAG, "scheduled__2011-12-08T04:00:00+00:00");

    assertThat(run.dagRunId()).isEqualTo("scheduled__2011-12-08T04:00:00+00:00");
    assertThat(run.logicalDate()).isEqualTo(logical);
    assertThat(run.state()).isEqualTo(DagRun.State.FAILED);
    assertThat(run.startDate()).isEqualTo(logical.plusSeconds(60));
    assertThat(run.endDate()).isEqualTo(logical.plusSeconds(600));
    assertThat(run.conf()).isEqualTo(Map.of("k", List.of(1)));
    assertThat(run.created()).isFalse();
    // The run id's ':' and '+' travel percent-encoded.
    assertThat(fake.requests())
        .anyMatch(r -> r.path().endsWith("/dagRuns/scheduled__2011-12-08T04%3A00%3A00%2B00%3A00"));
  }

  @Test
  void listsTheNewestRunsFirst() {
    for (int day : new int[] {7, 9, 8, 6}) {
      Instant logical = LocalDate.of(2011, 12, day).atStartOfDay(ZoneOffset.UTC).toInstant();
      fake.addRun(DAG, AirflowClient.runId(LocalDate.of(2011, 12, day)), logical, "success", null);
    }

    List<DagRun> runs = client().runs(DAG, 3);

    assertThat(runs)
        .extracting(DagRun::dagRunId)
        .containsExactly("lakeml__2011-12-09", "lakeml__2011-12-08", "lakeml__2011-12-07");
    assertThat(runs).allMatch(r -> !r.created() && r.state() == DagRun.State.SUCCESS);
    FakeAirflow.Recorded list =
        fake.requests().stream().filter(r -> r.path().equals(runsPath())).findFirst().get();
    assertThat(FakeAirflow.query(list.query())).containsEntry("limit", List.of("3"));
  }

  @Test
  void waitsUntilTheRunSucceeds() {
    AirflowClient client = client();
    DagRun run = client.trigger(DAG, DAY, Map.of());
    fake.statesOnRead(DAG, run.dagRunId(), "queued", "running", "running", "success");

    DagRun done = client.waitFor(DAG, run.dagRunId(), Duration.ofHours(1), Duration.ofSeconds(30));

    assertThat(done.state()).isEqualTo(DagRun.State.SUCCESS);
    assertThat(done.endDate()).isNotNull();
    assertThat(time.sleeps())
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30));
    assertThat(fake.count("GET", runsPath() + "/" + run.dagRunId())).isEqualTo(4);
  }

  @Test
  void waitingReturnsAFailedRunToo() {
    AirflowClient client = client();
    DagRun run = client.trigger(DAG, DAY, Map.of());
    fake.statesOnRead(DAG, run.dagRunId(), "running", "failed");

    DagRun done = client.waitFor(DAG, run.dagRunId(), Duration.ofHours(1), Duration.ofMinutes(1));

    assertThat(done.state()).isEqualTo(DagRun.State.FAILED);
  }

  @Test
  void waitingGivesUpAfterTheTimeoutNamingTheLastState() {
    AirflowClient client = client();
    DagRun run = client.trigger(DAG, DAY, Map.of());
    fake.statesOnRead(DAG, run.dagRunId(), "running");

    AirflowWaitTimeoutException e =
        catchThrowableOfType(
            AirflowWaitTimeoutException.class,
            () ->
                client.waitFor(DAG, run.dagRunId(), Duration.ofMinutes(2), Duration.ofSeconds(45)));

    assertThat(e.lastState()).isEqualTo(DagRun.State.RUNNING);
    assertThat(e.kind()).isEqualTo(AirflowException.Kind.WAIT_TIMEOUT);
    assertThat(e.timeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(e.getMessage()).contains("still running").contains("2m").contains(run.dagRunId());
    assertThat(time.slept()).isEqualTo(Duration.ofMinutes(2));
    assertThat(time.sleeps()).last().isEqualTo(Duration.ofSeconds(30)); // only what was left
  }

  @Test
  void pausesAndUnpausesTheDag() {
    AirflowClient client = client();
    client.unpause(DAG);
    assertThat(fake.paused(DAG)).isFalse();
    client.pause(DAG);
    assertThat(fake.paused(DAG)).isTrue();

    List<FakeAirflow.Recorded> patches =
        fake.requests().stream().filter(r -> r.method().equals("PATCH")).toList();
    assertThat(patches).hasSize(2).allMatch(r -> r.path().equals(api("/dags/" + DAG)));
    assertThat(AirflowJson.parse(patches.get(0).body()).toString())
        .isEqualTo("{\"is_paused\":false}");
    assertThat(patches.get(0).query())
        .isEqualTo(flavor().airflow3() ? null : "update_mask=is_paused");
  }

  @Test
  void pausingAnUnknownDagNamesIt() {
    assertThatThrownBy(() -> client().pause("online-retail__nope"))
        .isInstanceOf(AirflowException.class)
        .hasMessageContaining("'online-retail__nope'")
        .hasMessageContaining("deployed");
  }

  @Test
  void wrongCredentialsAre401NamingTheVariablesWithoutRetry() {
    AirflowClient client =
        client(
            settings(fake.url(), new AirflowSettings.Password(FakeAirflow.USER, "wrong-pw-4711")));

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client.trigger(DAG, DAY, Map.of()));

    assertThat(e.status()).hasValue(401);
    assertThat(e.kind()).isEqualTo(AirflowException.Kind.HTTP);
    assertThat(e.getMessage())
        .contains("LAKEML_AIRFLOW_USERNAME")
        .contains("LAKEML_AIRFLOW_PASSWORD")
        .contains("LAKEML_AIRFLOW_TOKEN")
        .doesNotContain("wrong-pw-4711")
        .doesNotContain(FakeAirflow.PASSWORD);
    assertThat(time.sleeps()).isEmpty();
    if (flavor().airflow3()) {
      assertThat(e.method()).isEqualTo("POST");
      assertThat(e.path()).isEqualTo("/auth/token");
      assertThat(fake.count("POST", "/auth/token")).isEqualTo(1);
      assertThat(fake.count("POST", runsPath())).isZero();
    } else {
      assertThat(e.path()).isEqualTo(runsPath());
      assertThat(fake.count("POST", runsPath())).isEqualTo(1);
    }
  }

  @Test
  void forbiddenIs403NamingTheOperationAndDagWithoutRetry() {
    fake.enqueue(
        Fault.status(403).on("POST", "/dagRuns").detail("Access is denied for this resource."));

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client().trigger(DAG, DAY, Map.of()));

    assertThat(e.status()).hasValue(403);
    assertThat(e.method()).isEqualTo("POST");
    assertThat(e.path()).isEqualTo(runsPath());
    assertThat(e.getMessage())
        .contains("lacks permission to trigger DAG '" + DAG + "'")
        .contains("Access is denied");
    assertThat(fake.count("POST", runsPath())).isEqualTo(1);
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void anUnknownDagIs404AskingWhetherItIsDeployed() {
    AirflowException e =
        catchThrowableOfType(
            AirflowException.class,
            () -> client().trigger("online-retail__retrian", DAY, Map.of()));

    assertThat(e.status()).hasValue(404);
    assertThat(e.getMessage())
        .contains("does not know DAG 'online-retail__retrian'")
        .contains("DAG file deployed");
    assertThat(e.detail())
        .hasValueSatisfying(d -> assertThat(d).contains("online-retail__retrian"));
    assertThat(fake.count("POST", api("/dags/online-retail__retrian/dagRuns"))).isEqualTo(1);
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void anUnknownRunIs404NamingTheRun() {
    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client().run(DAG, "lakeml__1999-01-01"));

    assertThat(e.status()).hasValue(404);
    assertThat(e.getMessage()).contains("no run 'lakeml__1999-01-01' of DAG '" + DAG + "'");
  }

  @Test
  void aValidationErrorCarriesAirflowsMessageWithoutRetry() {
    fake.enqueue(validationFault());

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client().trigger(DAG, DAY, Map.of()));

    assertThat(e.status()).hasValue(flavor().validationStatus);
    assertThat(e.getMessage())
        .contains("Airflow refused to trigger DAG '" + DAG + "'")
        .contains(expectedValidationDetail());
    assertThat(e.detail()).hasValue(expectedValidationDetail());
    assertThat(fake.count("POST", runsPath())).isEqualTo(1);
    assertThat(time.sleeps()).isEmpty();
  }

  /** A scripted 400 (Airflow 2) or 422 (Airflow 3) for the trigger. */
  abstract Fault validationFault();

  /** How the client renders {@link #validationFault()}'s detail. */
  abstract String expectedValidationDetail();

  @Test
  void a429IsRetriedAfterTheRetryAfterSeconds() {
    fake.enqueue(Fault.status(429).on("POST", "/dagRuns").header("Retry-After", "7"));

    DagRun run = client().trigger(DAG, DAY, Map.of());

    assertThat(run.created()).isTrue();
    assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(7));
    assertThat(fake.count("POST", runsPath())).isEqualTo(2);
  }

  @Test
  void a429IsRetriedAfterTheRetryAfterDate() {
    String in12s =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            time.now().plusSeconds(12).atOffset(ZoneOffset.UTC));
    fake.enqueue(Fault.status(429).on("GET", "/dagRuns").header("Retry-After", in12s));

    assertThat(client().runs(DAG, 5)).isEmpty();

    assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(12));
  }

  @Test
  void aLongRetryAfterIsCapped() {
    fake.enqueue(Fault.status(503).on("GET", "/dagRuns").header("Retry-After", "86400"));

    client().runs(DAG, 5);

    assertThat(time.sleeps()).containsExactly(FAST.maxRetryAfter());
  }

  @Test
  void a500IsRetriedWithJitteredBackoff() {
    fake.enqueue(Fault.status(500).on("POST", "/dagRuns"));

    DagRun run = client().trigger(DAG, DAY, Map.of("x", 1));

    assertThat(run.created()).isTrue();
    assertThat(fake.count("POST", runsPath())).isEqualTo(2);
    assertThat(time.sleeps()).hasSize(1);
    assertThat(time.sleeps().get(0)).isBetween(Duration.ZERO, FAST.baseDelay());
  }

  @Test
  void aPersistent500GivesUpAfterTheLastAttempt() {
    fake.enqueue(Fault.status(500).on("GET", "/dagRuns").detail("database is locked").always());

    AirflowException e = catchThrowableOfType(AirflowException.class, () -> client().runs(DAG, 5));

    assertThat(e.status()).hasValue(500);
    assertThat(e.getMessage())
        .contains("Airflow failed to list the runs of DAG '" + DAG + "'")
        .contains("after 3 attempts")
        .contains("database is locked");
    assertThat(fake.count("GET", runsPath())).isEqualTo(3);
    assertThat(time.sleeps()).hasSize(2);
    assertThat(time.sleeps().get(0)).isBetween(Duration.ZERO, Duration.ofMillis(100));
    assertThat(time.sleeps().get(1)).isBetween(Duration.ZERO, Duration.ofMillis(200));
  }

  @Test
  void aSlowAnswerIsATypedTimeout() {
    AirflowSettings quick =
        settings().withRequestTimeout(Duration.ofMillis(300)).withRetry(FAST.withMaxAttempts(2));
    fake.enqueue(
        Fault.slow(Duration.ofSeconds(2)).on("GET", "/dagRuns/lakeml__2011-12-09").always());
    AirflowClient client = client(quick);
    client.trigger(DAG, DAY, Map.of());

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client.run(DAG, "lakeml__2011-12-09"));

    assertThat(e.kind()).isEqualTo(AirflowException.Kind.TIMEOUT);
    assertThat(e.status()).isEmpty();
    assertThat(e.path()).isEqualTo(runsPath() + "/lakeml__2011-12-09");
    assertThat(e.getMessage())
        .contains("300ms")
        .contains("LAKEML_AIRFLOW_TIMEOUT")
        .contains("2 attempts");
    assertThat(fake.count("GET", runsPath() + "/lakeml__2011-12-09")).isEqualTo(2);
    assertThat(time.sleeps()).hasSize(1);
  }

  @Test
  void anUnreachableServerIsATypedErrorAfterRetries() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    URI closed = URI.create("http://127.0.0.1:" + port);
    AirflowClient client = client(settings(closed, settings().credentials()));

    AirflowException e =
        catchThrowableOfType(AirflowException.class, () -> client.trigger(DAG, DAY, Map.of()));

    assertThat(e.kind()).isEqualTo(AirflowException.Kind.UNREACHABLE);
    assertThat(e.status()).isEmpty();
    assertThat(e.getMessage())
        .contains("Cannot reach Airflow at " + closed)
        .contains("LAKEML_AIRFLOW_URL")
        .contains("after 3 attempts")
        .containsIgnoringCase("connect");
    assertThat(time.sleeps()).hasSize(2);
    assertThat(fake.requests()).isEmpty();
  }
}
