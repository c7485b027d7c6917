package dev.lakeml.pipeline;

import dev.lakeml.pipeline.PipelineRunLog.Attempt;
import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.pipelines.StepSpec;
import dev.lakeml.schemas.tables.PipelineTables.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs a pipeline for a span of logical dates, one date after the other and each date's steps in
 * dependency order (independent steps side by side, up to {@link Options#parallel}), recording
 * every attempt in {@code ops.pipeline_runs}.
 *
 * <p>A step that SUCCEEDED for a date is not run again for it unless {@code --rerun} names it (or a
 * step it runs after): a rerun of a finished date does nothing, and a run that failed or was killed
 * resumes at the step that did not finish. A failed attempt is retried up to the step's {@code
 * retries}, waiting {@code retry_delay} and then twice as long each time; an attempt past its
 * {@code timeout} is cancelled and counts as failed. When a step fails for good, the steps after it
 * are not run, and neither are later dates: they would read what it did not write.
 */
public final class PipelineRunner {
  /** Runs one step's command; {@code lakeml run} runs it in-process on the shared Spark session. */
  public interface Steps {
    /** Runs the command; throws with a message a user can act on when it fails. */
    void run(StepSpec step, List<String> command) throws Exception;

    /** Stops a step that ran past its timeout (its Spark jobs are cancelled). */
    void cancel(StepSpec step);
  }

  /**
   * Where attempts are recorded: {@link PipelineRunLog} ({@code ops.pipeline_runs}) in a real run.
   * {@link #started} and {@link #ended} may be called from several steps' threads at once.
   */
  public interface RunLog {
    /** Every attempt recorded for the pipeline, and those still in progress. */
    List<Attempt> history(String pipeline);

    /** An attempt started. */
    void started(Attempt a);

    /** An attempt ended (or was skipped). */
    void ended(Attempt a);
  }

  /** Waits between attempts; tests pass one that does not sleep the whole delay. */
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /**
   * @param rerun steps to run again although they succeeded ({@code all} for every step); the steps
   *     after them run again too
   * @param trigger what asked for the run (monitoring, a user); steps with {@code when: triggered}
   *     run only when there is one
   */
  public record Options(Set<String> rerun, Optional<String> trigger, int parallel) {
    public Options {
      rerun = Set.copyOf(rerun);
      if (parallel < 1) {
        throw new IllegalArgumentException("parallel must be at least 1, found " + parallel);
      }
    }

    public static Options defaults() {
      return new Options(Set.of(), Optional.empty(), 1);
    }
  }

  /** How a date went: each step's summary, and the step that failed, if one did. */
  public record DateOutcome(
      LocalDate date, Map<String, String> steps, Optional<String> failedStep, String error) {
    public boolean succeeded() {
      return failedStep.isEmpty();
    }
  }

  /** What to do with a step for a date, decided from the attempts recorded before. */
  sealed interface Decision {
    /** Run it as attempt {@code attempt}. */
    record Run(int attempt, String note) implements Decision {}

    /**
     * Do not run it; record a SKIPPED attempt when {@code record}. {@code done}: it succeeded
     * earlier, which counts as success for the steps after it.
     */
    record Skip(boolean record, int attempt, String reason, boolean done) implements Decision {}

    /** Not run: a step it runs after did not succeed in this run. */
    record Blocked(String upstream) implements Decision {}
  }

  private final RunLog log;
  private final Steps steps;
  private final Clock clock;
  private final Consumer<String> progress;
  private final Sleeper sleeper;

  public PipelineRunner(
      RunLog log, Steps steps, Clock clock, Consumer<String> progress, Sleeper sleeper) {
    this.log = log;
    this.steps = steps;
    this.clock = clock;
    this.progress = progress;
    this.sleeper = sleeper;
  }

  /** Runs {@code from} to {@code to} (both included) in order; stops at the first failed date. */
  public List<DateOutcome> run(PipelineSpec p, LocalDate from, LocalDate to, Options options) {
    String runId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    List<Attempt> history = new ArrayList<>(log.history(p.name()));
    Set<String> forced = forced(p, options.rerun());
    List<DateOutcome> out = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      DateOutcome o = runDate(p, d, runId, history, forced, options);
      out.add(o);
      if (!o.succeeded()) {
        break;
      }
    }
    return out;
  }

  /** The steps {@code --rerun} forces: those named and every step after them. */
  static Set<String> forced(PipelineSpec p, Set<String> rerun) {
    Set<String> out = new LinkedHashSet<>();
    for (String name : rerun) {
      if (name.equals("all")) {
        p.steps().forEach(s -> out.add(s.name()));
      } else {
        out.add(name);
        out.addAll(p.downstream(name));
      }
    }
    return out;
  }

  /** The attempts one step made in this run, the last one deciding how it went. */
  private record Ran(StepSpec step, List<Attempt> attempts) {
    Attempt last() {
      return attempts.get(attempts.size() - 1);
    }
  }

  /**
   * Runs one date's steps: each is decided once the steps it runs after have ended, and up to
   * {@code parallel} steps run at the same time (independent steps, such as one prediction per
   * model, share the session's cores and overlap their driver-side work).
   */
  private DateOutcome runDate(
      PipelineSpec p,
      LocalDate date,
      String runId,
      List<Attempt> history,
      Set<String> forced,
      Options options) {
    Optional<String> trigger = options.trigger();
    Map<String, String> summary = new LinkedHashMap<>();
    Set<String> notSucceeded = new LinkedHashSet<>();
    Set<String> skipped = new LinkedHashSet<>();
    Set<String> ended = new LinkedHashSet<>();
    List<StepSpec> pending = new ArrayList<>(p.order());
    Attempt failed = null;
    ExecutorService pool =
        Executors.newFixedThreadPool(
            options.parallel(),
            r -> {
              Thread t = new Thread(r, "lakeml-pipeline-" + p.name());
              t.setDaemon(true);
              return t;
            });
    CompletionService<Ran> done = new ExecutorCompletionService<>(pool);
    Set<StepSpec> running = new LinkedHashSet<>();
    try {
      while (!pending.isEmpty() || !running.isEmpty()) {
        boolean decided = false;
        for (Iterator<StepSpec> it = pending.iterator(); it.hasNext(); ) {
          StepSpec s = it.next();
          if (!ended.containsAll(s.after())) {
            continue;
          }
          String where = "[" + p.name() + " " + date + "] " + s.name();
          Decision decision = decide(s, date, history, forced, trigger, notSucceeded, skipped);
          if (decision instanceof Decision.Run r) {
            if (running.size() >= options.parallel()) {
              continue;
            }
            if (!r.note().isEmpty()) {
              progress.accept(where + ": " + r.note());
            }
            abandoned(s, date, history);
            done.submit(() -> new Ran(s, attempts(p.name(), s, date, r.attempt(), runId, trigger)));
            running.add(s);
          } else {
            skipOrBlock(p, s, date, decision, runId, trigger, history, summary, where);
            if (decision instanceof Decision.Blocked) {
              notSucceeded.add(s.name());
            } else if (!((Decision.Skip) decision).done()) {
              skipped.add(s.name());
            }
            ended.add(s.name());
          }
          it.remove();
          decided = true;
        }
        if (decided) {
          continue; // what was decided may let other steps start
        }
        if (running.isEmpty()) {
          throw new IllegalStateException("steps wait for steps that never end: " + pending);
        }
        Ran ran = done.take().get();
        running.remove(ran.step());
        history.addAll(ran.attempts());
        Attempt last = ran.last();
        summary.put(ran.step().name(), describe(last));
        if (last.state() != State.SUCCEEDED) {
          notSucceeded.add(ran.step().name());
          if (failed == null) {
            failed = last;
          }
        }
        ended.add(ran.step().name());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.forEach(steps::cancel);
      throw new IllegalStateException("interrupted while running " + p.name() + " for " + date, e);
    } catch (ExecutionException e) {
      // Not a step's failure (that is an attempt's state) but the log's: report it as it is.
      running.forEach(steps::cancel);
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(
          "the runner failed while running " + p.name() + " for " + date, e.getCause());
    } finally {
      pool.shutdownNow();
    }
    Map<String, String> ordered = new LinkedHashMap<>();
    for (StepSpec s : p.order()) {
      ordered.put(s.name(), summary.get(s.name()));
    }
    return failed == null
        ? new DateOutcome(date, ordered, Optional.empty(), null)
        : new DateOutcome(date, ordered, Optional.of(failed.step()), failed.error());
  }

  /** A step that does not run: recorded as SKIPPED when the decision says so, and reported. */
  private void skipOrBlock(
      PipelineSpec p,
      StepSpec s,
      LocalDate date,
      Decision decision,
      String runId,
      Optional<String> trigger,
      List<Attempt> history,
      Map<String, String> summary,
      String where) {
    if (decision instanceof Decision.Blocked b) {
      summary.put(s.name(), "not run: " + b.upstream() + " did not succeed");
      return;
    }
    Decision.Skip k = (Decision.Skip) decision;
    if (k.record()) {
      Instant now = clock.instant();
      Attempt a =
          new Attempt(
              p.name(),
              date,
              s.name(),
              k.attempt(),
              State.SKIPPED,
              runId,
              String.join(" ", s.command(date)),
              now,
              now,
              k.reason(),
              trigger.orElse(null));
      log.ended(a);
      history.add(a);
    }
    progress.accept(where + ": skipped, " + k.reason());
    summary.put(s.name(), "skipped: " + k.reason());
  }

  /**
   * Records the step's attempts for the date that a killed process left in progress as FAILED, so
   * the table says what happened to them.
   */
  private void abandoned(StepSpec s, LocalDate date, List<Attempt> history) {
    for (int i = 0; i < history.size(); i++) {
      Attempt a = history.get(i);
      if (a.state() == State.RUNNING && a.step().equals(s.name()) && a.date().equals(date)) {
        Attempt failed =
            a.ended(
                State.FAILED,
                clock.instant(),
                "the process ended during this attempt (killed?); found by a later run");
        log.ended(failed);
        history.set(i, failed);
      }
    }
  }

  /**
   * Runs the step's attempts (the first and its retries) on the calling thread; returns them as
   * they ended. It reads and writes nothing of the run's shared state but the log.
   */
  private List<Attempt> attempts(
      String pipeline,
      StepSpec s,
      LocalDate date,
      int first,
      String runId,
      Optional<String> trigger) {
    List<String> command = s.command(date);
    String where = "[" + pipeline + " " + date + "] " + s.name();
    List<Attempt> made = new ArrayList<>();
    Attempt a = null;
    for (int n = 0; n <= s.retries(); n++) {
      if (n > 0) {
        Duration wait = s.retryDelay(n);
        progress.accept(
            where + " retry " + n + " of " + s.retries() + " in " + Durations.format(wait));
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return made;
        }
      }
      Instant started = clock.instant();
      a =
          new Attempt(
              pipeline,
              date,
              s.name(),
              first + n,
              State.RUNNING,
              runId,
              String.join(" ", command),
              started,
              null,
              null,
              trigger.orElse(null));
      log.started(a);
      progress.accept(where + " attempt " + a.attempt() + ": lakeml " + a.command());
      String error = execute(s, command);
      Attempt ended =
          a.ended(error == null ? State.SUCCEEDED : State.FAILED, clock.instant(), error);
      log.ended(ended);
      made.add(ended);
      a = ended;
      progress.accept(where + " " + describe(ended));
      if (error == null) {
        break;
      }
    }
    return made;
  }

  /** Runs the command within the step's timeout; returns the error, or null when it succeeded. */
  private String execute(StepSpec s, List<String> command) {
    ExecutorService worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "lakeml-step-" + s.name());
              t.setDaemon(true);
              return t;
            });
    try {
      Future<?> f =
          worker.submit(
              () -> {
                steps.run(s, command);
                return null;
              });
      try {
        f.get(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
        return null;
      } catch (TimeoutException e) {
        steps.cancel(s);
        f.cancel(true);
        awaitStop(worker, s);
        return "timed out after " + Durations.format(s.timeout()) + " (the step's timeout)";
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        steps.cancel(s);
        f.cancel(true);
        return "interrupted";
      }
    } finally {
      worker.shutdownNow();
    }
  }

  /**
   * Waits for a cancelled step to stop, so the next step does not run beside it; a step that does
   * not stop within {@link #STOP_WAIT} is reported and left behind.
   */
  private void awaitStop(ExecutorService worker, StepSpec s) {
    worker.shutdownNow();
    try {
      if (!worker.awaitTermination(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
        progress.accept(
            s.name() + ": still running " + STOP_WAIT.toSeconds() + " s after it was cancelled");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static final Duration STOP_WAIT = Duration.ofSeconds(60);

  private static String describe(Attempt a) {
    String took =
        a.finished() == null
            ? ""
            : String.format(
                " in %.1f s", Duration.between(a.started(), a.finished()).toMillis() / 1000.0);
    return a.state()
        + " (attempt "
        + a.attempt()
        + took
        + ")"
        + (a.error() == null ? "" : ": " + a.error());
  }

  /**
   * What to do with step {@code s} for {@code date}, from the attempts recorded for the pipeline.
   * Pure: it reads only its arguments.
   */
  static Decision decide(
      StepSpec s,
      LocalDate date,
      List<Attempt> history,
      Set<String> forced,
      Optional<String> trigger,
      Set<String> notSucceeded,
      Set<String> skipped) {
    for (String upstream : s.after()) {
      if (notSucceeded.contains(upstream)) {
        return new Decision.Blocked(upstream);
      }
    }
    List<Attempt> mine =
        history.stream()
            .filter(a -> a.step().equals(s.name()) && a.date().equals(date))
            .sorted(Comparator.comparingInt(Attempt::attempt))
            .toList();
    Attempt latest = mine.isEmpty() ? null : mine.get(mine.size() - 1);
    int next = latest == null ? 1 : latest.attempt() + 1;
    boolean force = forced.contains(s.name());
    if (!force && latest != null && latest.state() == State.SUCCEEDED) {
      return new Decision.Skip(
          false, latest.attempt(), "succeeded earlier (run " + latest.runId() + ")", true);
    }
    if (!force) {
      Optional<String> notNow =
          !s.after().isEmpty() && skipped.containsAll(s.after())
              ? Optional.of("the steps it runs after were skipped")
              : notNow(s, date, trigger);
      if (notNow.isPresent()) {
        boolean same =
            latest != null
                && latest.state() == State.SKIPPED
                && notNow.get().equals(latest.error());
        return new Decision.Skip(!same, next, notNow.get(), false);
      }
    }
    String note =
        latest != null && latest.state() == State.RUNNING
            ? "attempt "
                + latest.attempt()
                + " (run "
                + latest.runId()
                + ") never finished: the process ended during it"
            : "";
    return new Decision.Run(next, note);
  }

  /** Why the step's condition says not to run it now, if it does. */
  private static Optional<String> notNow(StepSpec s, LocalDate date, Optional<String> trigger) {
    if (s.when() instanceof StepSpec.Condition.Triggered) {
      return trigger.isPresent()
          ? Optional.empty()
          : Optional.of("runs only when triggered (lakeml run --trigger, or from Airflow)");
    }
    if (s.when() instanceof StepSpec.Condition.Every e && trigger.isEmpty() && !e.due(date)) {
      return Optional.of(
          "not due: runs every "
              + Durations.format(e.every())
              + " from "
              + e.from()
              + " (or when triggered)");
    }
    return Optional.empty();
  }
}
