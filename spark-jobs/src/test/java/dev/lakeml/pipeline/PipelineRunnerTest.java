package dev.lakeml.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.pipeline.PipelineRunLog.Attempt;
import dev.lakeml.pipeline.PipelineRunner.Decision;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.pipelines.StepSpec;
import dev.lakeml.schemas.tables.PipelineTables.State;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the runner decides for a step from the attempts recorded before: no Spark needed. */
class PipelineRunnerTest {
  static final LocalDate D = LocalDate.parse("2011-03-10");

  static StepSpec step(String name, StepSpec.Condition when, String... after) {
    return new StepSpec(
        name,
        "publish",
        List.of(),
        List.of(after),
        0,
        Duration.ofSeconds(1),
        Duration.ofMinutes(1),
        when,
        "lakeml.yaml",
        1);
  }

  static Attempt attempt(String step, LocalDate date, int n, State state, String error) {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    return new Attempt("nightly", date, step, n, state, "run" + n, "publish", t, t, error, null);
  }

  static final StepSpec ALWAYS = step("publish", new StepSpec.Condition.Always());

  private static Decision decide(StepSpec s, List<Attempt> history) {
    return PipelineRunner.decide(s, D, history, Set.of(), Optional.empty(), Set.of(), Set.of());
  }

  @Test
  void aStepNeverRunIsRunAsAttemptOne() {
    assertThat(decide(ALWAYS, List.of())).isEqualTo(new Decision.Run(1, ""));
  }

  @Test
  void aSucceededStepIsSkippedWithoutANewRow() {
    Decision d = decide(ALWAYS, List.of(attempt("publish", D, 1, State.SUCCEEDED, null)));
    assertThat(d).isEqualTo(new Decision.Skip(false, 1, "succeeded earlier (run run1)", true));
  }

  @Test
  void aSucceededStepOfAnotherDateDoesNotCount() {
    Decision d =
        decide(ALWAYS, List.of(attempt("publish", D.minusDays(1), 1, State.SUCCEEDED, null)));
    assertThat(d).isEqualTo(new Decision.Run(1, ""));
  }

  @Test
  void aFailedStepIsRunAgainAsTheNextAttempt() {
    Decision d =
        decide(
            ALWAYS,
            List.of(
                attempt("publish", D, 1, State.FAILED, "boom"),
                attempt("publish", D, 2, State.FAILED, "boom")));
    assertThat(d).isEqualTo(new Decision.Run(3, ""));
  }

  @Test
  void anAttemptLeftRunningIsReportedAndRunAgain() {
    Decision d = decide(ALWAYS, List.of(attempt("publish", D, 1, State.RUNNING, null)));
    assertThat(d)
        .isEqualTo(
            new Decision.Run(
                2, "attempt 1 (run run1) never finished: the process ended during it"));
  }

  @Test
  void aForcedStepRunsAlthoughItSucceeded() {
    Decision d =
        PipelineRunner.decide(
            ALWAYS,
            D,
            List.of(attempt("publish", D, 1, State.SUCCEEDED, null)),
            Set.of("publish"),
            Optional.empty(),
            Set.of(),
            Set.of());
    assertThat(d).isEqualTo(new Decision.Run(2, ""));
  }

  @Test
  void aStepAfterOneThatDidNotSucceedIsBlocked() {
    StepSpec s = step("publish", new StepSpec.Condition.Always(), "predict");
    Decision d =
        PipelineRunner.decide(
            s, D, List.of(), Set.of(), Optional.empty(), Set.of("predict"), Set.of());
    assertThat(d).isEqualTo(new Decision.Blocked("predict"));
  }

  @Test
  void aStepDueEverySevenDaysRunsOnEverySeventhDateFromTheStart() {
    StepSpec train =
        step("train", new StepSpec.Condition.Every(Duration.ofDays(7), D.minusDays(14)));

    assertThat(decide(train, List.of())).isEqualTo(new Decision.Run(1, ""));
    assertThat(
            PipelineRunner.decide(
                train, D.plusDays(1), List.of(), Set.of(), Optional.empty(), Set.of(), Set.of()))
        .isEqualTo(
            new Decision.Skip(
                true, 1, "not due: runs every 7d from 2011-02-24 (or when triggered)", false));
  }

  @Test
  void aSkipIsRecordedOnceThenRepeatedWithoutANewRow() {
    StepSpec retrain = step("retrain", new StepSpec.Condition.Triggered());
    String reason = "runs only when triggered (lakeml run --trigger, or from Airflow)";

    assertThat(decide(retrain, List.of())).isEqualTo(new Decision.Skip(true, 1, reason, false));
    assertThat(decide(retrain, List.of(attempt("retrain", D, 1, State.SKIPPED, reason))))
        .isEqualTo(new Decision.Skip(false, 2, reason, false));
    assertThat(
            PipelineRunner.decide(
                retrain,
                D,
                List.of(attempt("retrain", D, 1, State.SKIPPED, reason)),
                Set.of(),
                Optional.of("drift on customer_churn"),
                Set.of(),
                Set.of()))
        .as("a trigger runs it")
        .isEqualTo(new Decision.Run(2, ""));
  }

  @Test
  void aTriggerMakesADueStepRunAtOnce() {
    StepSpec train =
        step("train", new StepSpec.Condition.Every(Duration.ofDays(7), D.minusDays(1)));
    assertThat(
            PipelineRunner.decide(
                train, D, List.of(), Set.of(), Optional.of("drift"), Set.of(), Set.of()))
        .isEqualTo(new Decision.Run(1, ""));
  }

  @Test
  void aStepIsSkippedWhenEveryStepItRunsAfterWasSkippedAndRunsWhenOneRan() {
    StepSpec publish = step("publish", new StepSpec.Condition.Always(), "train_a", "train_b");

    assertThat(
            PipelineRunner.decide(
                publish,
                D,
                List.of(),
                Set.of(),
                Optional.empty(),
                Set.of(),
                Set.of("train_a", "train_b")))
        .isEqualTo(new Decision.Skip(true, 1, "the steps it runs after were skipped", false));
    assertThat(
            PipelineRunner.decide(
                publish, D, List.of(), Set.of(), Optional.empty(), Set.of(), Set.of("train_a")))
        .isEqualTo(new Decision.Run(1, ""));
  }

  @Test
  void rerunForcesTheNamedStepsAndEveryStepAfterThem() {
    PipelineSpec p =
        new PipelineSpec(
            "nightly",
            "",
            null,
            D,
            false,
            "lakeml",
            List.of(),
            List.of(
                step("ingest", new StepSpec.Condition.Always()),
                step("features", new StepSpec.Condition.Always(), "ingest"),
                step("predict", new StepSpec.Condition.Always(), "features"),
                step("other", new StepSpec.Condition.Always())));

    assertThat(PipelineRunner.forced(p, Set.of("features")))
        .containsExactlyInAnyOrder("features", "predict");
    assertThat(PipelineRunner.forced(p, Set.of("all")))
        .containsExactlyInAnyOrder("ingest", "features", "predict", "other");
  }
}
