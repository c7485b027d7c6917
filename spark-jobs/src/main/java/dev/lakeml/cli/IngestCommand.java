package dev.lakeml.cli;

import dev.lakeml.ingest.IngestJob;
import dev.lakeml.ingest.IngestRun;
import dev.lakeml.ingest.RawFiles;
import dev.lakeml.schemas.project.SourceSpec;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lakeml ingest}: batch ingestion for a date, a range of dates, or every date there is. */
@Command(
    name = "ingest",
    description =
        "Ingest raw files into bronze, silver and quarantine for a logical date or range.")
final class IngestCommand extends SparkCommand {
  @Option(
      names = {"-s", "--source"},
      description = "Source to ingest (default: every source).")
  String source;

  @ArgGroup(multiplicity = "1")
  LogicalDates dates;

  @Override
  void check() {
    dates.explicit(); // dates out of order are refused before Spark starts
  }

  @Override
  int run(LakemlContext ctx) {
    List<IngestRun> runs = ingest(ctx, sources(ctx, source), dates);
    return runs.stream().allMatch(IngestRun::succeeded) ? LakemlCli.OK : LakemlCli.FAILED;
  }

  static List<SourceSpec> sources(LakemlContext ctx, String name) {
    return name == null ? ctx.project.sources() : List.of(ctx.source(name));
  }

  static List<IngestRun> ingest(LakemlContext ctx, List<SourceSpec> sources, LogicalDates dates) {
    IngestJob job = new IngestJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
    List<IngestRun> runs = new ArrayList<>();
    for (SourceSpec s : sources) {
      LocalDate[] span = dates.span(() -> everyDate(ctx, s));
      LocalDate from = span[0];
      LocalDate to = span[1];
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

  /** The first and last dates that have a file of the source (for --all). */
  private static LocalDate[] everyDate(LakemlContext ctx, SourceSpec s) {
    List<LocalDate> found =
        new RawFiles(ctx.spark.sparkContext().hadoopConfiguration()).discoverDates(ctx.project, s);
    if (found.isEmpty()) {
      throw new LakemlCli.UsageException(
          "no files for source " + s.name() + " at " + ctx.project.resolve(s.location()));
    }
    return new LocalDate[] {found.get(0), found.get(found.size() - 1)};
  }
}
