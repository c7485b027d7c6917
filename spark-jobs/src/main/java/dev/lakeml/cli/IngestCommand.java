package dev.lakeml.cli;

import dev.lakeml.ingest.IngestJob;
import dev.lakeml.ingest.IngestRun;
import dev.lakeml.ingest.RawFiles;
import dev.lakeml.schemas.project.SourceSpec;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lakeml ingest}: batch ingestion for a date, a range of dates, or every date there is. */
@Command(
    name = "ingest",
    description =
        "Ingest raw files into bronze, silver and quarantine for a logical date or range.")
final class IngestCommand implements Callable<Integer> {
  @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

  @Option(
      names = {"-s", "--source"},
      description = "Source to ingest (default: every source).")
  String source;

  @ArgGroup(multiplicity = "1")
  Dates dates;

  static final class Dates {
    @Option(names = "--date", description = "One logical date, yyyy-MM-dd.", required = true)
    String date;

    @ArgGroup(exclusive = false)
    Range range;

    @Option(
        names = "--all",
        description = "Every date that has a file (backfill).",
        required = true)
    boolean all;
  }

  static final class Range {
    @Option(names = "--from", description = "First logical date of a backfill.", required = true)
    String from;

    @Option(
        names = "--to",
        description = "Last logical date of a backfill (inclusive).",
        required = true)
    String to;
  }

  @Override
  public Integer call() {
    try (LakemlContext ctx = LakemlContext.open(global, LakemlCli.out(), LakemlCli.err())) {
      List<IngestRun> runs = ingest(ctx, sources(ctx, source), dates);
      return runs.stream().allMatch(IngestRun::succeeded) ? LakemlCli.OK : LakemlCli.FAILED;
    }
  }

  static List<SourceSpec> sources(LakemlContext ctx, String name) {
    if (name == null) {
      return ctx.project.sources();
    }
    return List.of(
        ctx.project
            .source(name)
            .orElseThrow(
                () ->
                    new LakemlCli.UsageException(
                        "unknown source '"
                            + name
                            + "'; the project declares "
                            + ctx.project.sources().stream().map(SourceSpec::name).toList())));
  }

  static List<IngestRun> ingest(LakemlContext ctx, List<SourceSpec> sources, Dates dates) {
    IngestJob job = new IngestJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
    List<IngestRun> runs = new ArrayList<>();
    for (SourceSpec s : sources) {
      LocalDate from;
      LocalDate to;
      if (dates.date != null) {
        from = parse(dates.date, "--date");
        to = from;
      } else if (dates.range != null) {
        from = parse(dates.range.from, "--from");
        to = parse(dates.range.to, "--to");
      } else {
        List<LocalDate> found =
            new RawFiles(ctx.spark.sparkContext().hadoopConfiguration())
                .discoverDates(ctx.project, s);
        if (found.isEmpty()) {
          throw new LakemlCli.UsageException(
              "no files for source " + s.name() + " at " + ctx.project.resolve(s.location()));
        }
        from = found.get(0);
        to = found.get(found.size() - 1);
      }
      long t0 = System.nanoTime();
      IngestJob.Result result = job.run(s, from, to);
      double seconds = (System.nanoTime() - t0) / 1e9;
      IngestRun run = result.run();
      ctx.out.printf(
          "%s %s..%s: %s in %.1f s (run %s)%n",
          s.name(), from, to, run.counts(), seconds, run.runId());
      if (!run.counts().ruleFailures().isEmpty()) {
        ctx.out.println("  rule failures: " + run.counts().ruleFailures());
      }
      runs.add(run);
    }
    return runs;
  }

  private static LocalDate parse(String text, String option) {
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw new LakemlCli.UsageException(
          option + " '" + text + "' is not a date; expected yyyy-MM-dd");
    }
  }
}
