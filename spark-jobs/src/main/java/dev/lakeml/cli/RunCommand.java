package dev.lakeml.cli;

import dev.lakeml.pipeline.PipelineRunLog;
import dev.lakeml.pipeline.PipelineRunner;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.pipelines.StepSpec;
import dev.lakeml.schemas.project.Declared;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lakeml run PIPELINE --date D}: a pipeline declared in the project, run in this process
 * (the embedded default), each step's attempt recorded in {@code ops.pipeline_runs}; a rerun skips
 * what succeeded and resumes where a run failed or was killed.
 */
@Command(
    name = "run",
    description =
        "Run a pipeline declared in the project for a logical date or a range (a backfill),"
            + " skipping steps that succeeded for it and resuming where a run failed.")
final class RunCommand extends SparkCommand {
  @Parameters(index = "0", description = "pipeline name from the project file")
  String pipeline;

  @ArgGroup(multiplicity = "1")
  Dates dates;

  /** {@code --date D} or {@code --from D1 --to D2}. */
  static final class Dates {
    @Option(names = "--date", description = "One logical date, yyyy-MM-dd.", required = true)
    LocalDate date;

    @ArgGroup(exclusive = false)
    LogicalDates.Range range;
  }

  @Option(
      names = "--rerun",
      split = ",",
      description =
          "Run these steps again although they succeeded, with every step after them"
              + " (repeatable; 'all' for every step).")
  List<String> rerun = new ArrayList<>();

  @Option(
      names = "--trigger",
      description =
          "What asked for this run (for example 'drift on customer_churn'); steps with"
              + " 'when: triggered' run only with one.")
  String trigger;

  @Option(
      names = "--parallel",
      defaultValue = "1",
      description =
          "Run steps that do not depend on each other side by side, at most this many at once"
              + " (default ${DEFAULT-VALUE}: one by one, the faster choice on 2 cores).")
  int parallel;

  @Override
  void check() {
    span(); // dates out of order are refused before Spark starts
    if (parallel < 1) {
      throw new LakemlCli.UsageException("--parallel must be at least 1, found " + parallel);
    }
  }

  private LocalDate[] span() {
    LogicalDates d = new LogicalDates();
    d.date = dates.date;
    d.range = dates.range;
    return d.explicit().orElseThrow();
  }

  @Override
  int run(LakemlContext ctx) {
    LocalDate[] span = span();
    return run(
        ctx,
        pipeline,
        span[0],
        span[1],
        new PipelineRunner.Options(
            new LinkedHashSet<>(rerun), Optional.ofNullable(trigger), parallel));
  }

  /**
   * Runs a declared pipeline over a span of dates and prints a summary per date: the work of {@code
   * lakeml run}, also used by {@code lakeml demo}.
   */
  static int run(
      LakemlContext ctx,
      String name,
      LocalDate from,
      LocalDate to,
      PipelineRunner.Options options) {
    PipelineSpec p = Declared.find("pipeline", name, ctx.project.pipelines(), PipelineSpec::name);
    for (String step : options.rerun()) {
      if (!step.equals("all") && p.step(step).isEmpty()) {
        throw new LakemlCli.UsageException(
            "--rerun "
                + step
                + ": pipeline "
                + p.name()
                + " has no such step; its steps are "
                + p.steps().stream().map(StepSpec::name).toList()
                + " (or 'all')");
      }
    }
    InProcessSteps steps = new InProcessSteps(ctx);
    for (StepSpec s : p.steps()) {
      steps.parse(s, s.command(from)); // every step's command is checked before any runs
    }
    List<PipelineRunner.DateOutcome> outcomes =
        new PipelineRunner(
                new PipelineRunLog(ctx.lakehouse),
                steps,
                Clock.systemUTC(),
                ctx::info,
                d -> Thread.sleep(d.toMillis()))
            .run(p, from, to, options);
    for (PipelineRunner.DateOutcome o : outcomes) {
      ctx.out.printf("%s %s: %s%n", p.name(), o.date(), o.succeeded() ? "SUCCEEDED" : "FAILED");
      for (Map.Entry<String, String> e : o.steps().entrySet()) {
        ctx.out.printf("  %-24s %s%n", e.getKey(), e.getValue());
      }
    }
    PipelineRunner.DateOutcome last = outcomes.get(outcomes.size() - 1);
    if (last.succeeded()) {
      return LakemlCli.OK;
    }
    ctx.err.printf(
        "lakeml: pipeline %s failed at step %s for %s: %s%n"
            + "  fix the cause and run the same command again: it resumes at %s%n",
        p.name(),
        last.failedStep().orElseThrow(),
        last.date(),
        last.error(),
        last.failedStep().orElseThrow());
    return LakemlCli.FAILED;
  }

  /**
   * Runs a step's command in this process on the shared context: the command line is parsed by the
   * same command tree as {@code lakeml} itself, and the leaf command's work runs with the
   * pipeline's Spark session in a job group the timeout can cancel.
   */
  static final class InProcessSteps implements PipelineRunner.Steps {
    private final LakemlContext ctx;

    InProcessSteps(LakemlContext ctx) {
      this.ctx = ctx;
    }

    /** The step's leaf command, parsed; refused with where the step is declared. */
    SparkCommand parse(StepSpec s, List<String> command) {
      CommandLine.ParseResult parsed;
      try {
        parsed = LakemlCli.commandLine().parseArgs(command.toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        throw new LakemlCli.UsageException(
            s.origin()
                + ": step "
                + s.name()
                + ": lakeml "
                + String.join(" ", command)
                + ": "
                + e.getMessage());
      }
      CommandLine.ParseResult leaf = parsed;
      while (leaf.subcommand() != null) {
        leaf = leaf.subcommand();
      }
      for (String global :
          List.of("--project", "--lakehouse", "--master", "--conf", "--quiet", "--verbose")) {
        if (leaf.hasMatchedOption(global)) {
          throw new LakemlCli.UsageException(
              s.origin()
                  + ": step "
                  + s.name()
                  + ": "
                  + global
                  + " is a setting of the whole run (lakeml run ... "
                  + global
                  + "), not of one step");
        }
      }
      if (!(leaf.commandSpec().userObject() instanceof SparkCommand c)) {
        throw new LakemlCli.UsageException(
            s.origin()
                + ": step "
                + s.name()
                + ": lakeml "
                + String.join(" ", command)
                + " is not a job a pipeline can run");
      }
      c.check();
      return c;
    }

    @Override
    public void run(StepSpec s, List<String> command) throws Exception {
      SparkCommand c = parse(s, command);
      ctx.spark.sparkContext().setJobGroup(group(s), "lakeml step " + s.name(), true);
      int code;
      try {
        code = c.run(ctx);
      } catch (RuntimeException e) {
        throw new StepFailedException(LakemlCli.describe(e), e);
      } finally {
        ctx.spark.sparkContext().clearJobGroup();
      }
      if (code != LakemlCli.OK) {
        throw new StepFailedException(
            "lakeml " + String.join(" ", command) + " exited with " + code, null);
      }
    }

    @Override
    public void cancel(StepSpec s) {
      ctx.spark.sparkContext().cancelJobGroup(group(s));
    }

    private static String group(StepSpec s) {
      return "lakeml-step-" + s.name();
    }
  }

  /** A step's command failed; the message is what {@code lakeml} would have printed. */
  static final class StepFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
