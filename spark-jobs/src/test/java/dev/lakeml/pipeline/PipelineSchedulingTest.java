package dev.lakeml.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.pipeline.PipelineRunLog.Attempt;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.pipelines.StepSpec;
import dev.lakeml.schemas.tables.PipelineTables.State;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How the runner schedules one date's steps: independent steps side by side up to {@code parallel},
 * never before the steps they run after have ended, and a failure blocking only what runs after it.
 * Real threads, an in-memory log and steps that sleep; no Spark.
 */
class PipelineSchedulingTest {
  static final LocalDate D = LocalDate.parse("2011-09-29");

  /** ingest → features → predict_a, predict_b; predict_c after ingest; publish after all three. */
  static final PipelineSpec NIGHTLY =
      new PipelineSpec(
          "nightly",
          "",
          null,
          LocalDate.parse("2011-09-01"),
          false,
          "me",
          List.of(),
          List.of(
              step("ingest"),
              step("features", "ingest"),
              step("predict_a", "features"),
              step("predict_b", "features"),
              step("predict_c", "ingest"),
              step("publish", "predict_a", "predict_b", "predict_c")));

  static StepSpec step(String name, String... after) {
    return PipelineRunnerTest.step(name, new StepSpec.Condition.Always(), after);
  }

  /** Steps that sleep, fail when told, and record when each started and ended. */
  static final class SleepingSteps implements PipelineRunner.Steps {
    final Set<String> failing;
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final Map<String, long[]> times = new ConcurrentHashMap<>();

    SleepingSteps(String... failing) {
      this.failing = Set.of(failing);
    }

    @Override
    public void run(StepSpec step, List<String> command) throws Exception {
      long start = System.nanoTime();
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        Thread.sleep(150);
        if (failing.contains(step.name())) {
          throw new IllegalStateException(step.name() + " broke");
        }
      } finally {
        running.decrementAndGet();
        times.put(step.name(), new long[] {start, System.nanoTime()});
      }
    }

    @Override
    public void cancel(StepSpec step) {}
  }

  static final class MemoryLog implements PipelineRunner.RunLog {
    final List<Attempt> ended = Collections.synchronizedList(new ArrayList<>());

    @Override
    public List<Attempt> history(String pipeline) {
      return List.copyOf(ended);
    }

    @Override
    public void started(Attempt a) {}

    @Override
    public void ended(Attempt a) {
      ended.add(a);
    }
  }

  private static List<PipelineRunner.DateOutcome> run(
      MemoryLog log, SleepingSteps steps, int parallel) {
    return new PipelineRunner(log, steps, Clock.systemUTC(), m -> {}, d -> {})
        .run(NIGHTLY, D, D, new PipelineRunner.Options(Set.of(), Optional.empty(), parallel));
  }

  @Test
  void independentStepsRunSideBySideButNeverBeforeWhatTheyRunAfter() {
    for (int parallel : new int[] {1, 2, 3}) {
      MemoryLog log = new MemoryLog();
      SleepingSteps steps = new SleepingSteps();
      PipelineRunner.DateOutcome o = run(log, steps, parallel).get(0);

      assertThat(o.succeeded()).isTrue();
      assertThat(o.steps().keySet())
          .as("the summary in the pipeline's order")
          .containsExactlyElementsOf(
              NIGHTLY.order().stream()
                  .map(StepSpec::name)
                  .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)));
      // Equal durations: features beside predict_c, then predict_a beside predict_b; never 3.
      assertThat(steps.mostAtOnce.get())
          .as("parallel %d", parallel)
          .isEqualTo(Math.min(parallel, 2));
      for (StepSpec s : NIGHTLY.steps()) {
        for (String upstream : s.after()) {
          assertThat(steps.times.get(s.name())[0])
              .as("%s starts after %s ended", s.name(), upstream)
              .isGreaterThanOrEqualTo(steps.times.get(upstream)[1]);
        }
      }
      assertThat(log.ended).hasSize(6).allMatch(a -> a.state() == State.SUCCEEDED);
    }
  }

  @Test
  void aFailedStepBlocksOnlyWhatRunsAfterItAndTheRerunResumesThere() {
    MemoryLog log = new MemoryLog();
    PipelineRunner.DateOutcome o = run(log, new SleepingSteps("predict_a"), 2).get(0);

    assertThat(o.failedStep()).contains("predict_a");
    assertThat(o.error()).isEqualTo("predict_a broke");
    assertThat(o.steps())
        .containsEntry("publish", "not run: predict_a did not succeed")
        .hasEntrySatisfying("predict_b", v -> assertThat(v).startsWith("SUCCEEDED"))
        .hasEntrySatisfying("predict_c", v -> assertThat(v).startsWith("SUCCEEDED"));
    assertThat(log.ended).extracting(Attempt::step).doesNotContain("publish");

    SleepingSteps second = new SleepingSteps();
    PipelineRunner.DateOutcome again = run(log, second, 2).get(0);
    assertThat(again.succeeded()).isTrue();
    assertThat(second.times.keySet()).containsExactlyInAnyOrder("predict_a", "publish");
    assertThat(log.ended)
        .filteredOn(a -> a.step().equals("predict_a"))
        .extracting(Attempt::attempt, Attempt::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, State.FAILED),
            org.assertj.core.groups.Tuple.tuple(2, State.SUCCEEDED));
  }

  @Test
  void parallelBelowOneIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new PipelineRunner.Options(Set.of(), Optional.empty(), 0))
        .hasMessageContaining("parallel must be at least 1");
  }
}
