package dev.lakeml.schemas.pipelines;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * One step of a pipeline: a lakeml job with its arguments (logical-date templates allowed, see
 * {@link DateTemplate}), the steps it runs after, its retry policy and timeout, and an optional
 * condition.
 *
 * @param job the lakeml command that runs the step ({@code ingest}, {@code predict}, ...)
 * @param args the command's arguments, as on the command line, before rendering
 * @param retries further attempts after a failed one
 * @param retryDelay the wait before the first retry; each further retry waits twice as long
 * @param line where the step is declared, for errors about it later
 */
public record StepSpec(
    String name,
    String job,
    List<String> args,
    List<String> after,
    int retries,
    Duration retryDelay,
    Duration timeout,
    Condition when,
    String file,
    int line) {

  public StepSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(job, "job");
    args = List.copyOf(args);
    after = List.copyOf(after);
    Objects.requireNonNull(retryDelay, "retryDelay");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(when, "when");
  }

  /** When a step runs. */
  public sealed interface Condition {
    /** Every run (the default). */
    record Always() implements Condition {}

    /**
     * On every {@code every}-th logical date counted from {@code from} (the pipeline's start date),
     * and in any triggered run: "retrain every 7 days". A calendar, not a timer since the last
     * success, so a scheduler and {@code lakeml run} agree on it without reading each other's
     * state.
     */
    record Every(Duration every, LocalDate from) implements Condition {
      /** Whether {@code date} is one of the step's dates. */
      public boolean due(LocalDate date) {
        return Math.floorMod(java.time.temporal.ChronoUnit.DAYS.between(from, date), every.toDays())
            == 0;
      }
    }

    /** Only in a run started with an explicit trigger (a retrain asked for by monitoring). */
    record Triggered() implements Condition {}
  }

  /** The command line for the logical date: the job's words, then the rendered arguments. */
  public List<String> command(LocalDate ds) {
    List<String> out = new java.util.ArrayList<>(List.of(job.split(" ")));
    for (String a : args) {
      out.add(DateTemplate.render(a, ds));
    }
    return out;
  }

  /** The wait before retry {@code n} (1 for the first): the delay doubled for each retry before. */
  public Duration retryDelay(int n) {
    return retryDelay.multipliedBy(1L << Math.min(20, Math.max(0, n - 1)));
  }

  /** Where the step is declared, as {@code file:line}. */
  public String origin() {
    return file + ":" + line;
  }
}
