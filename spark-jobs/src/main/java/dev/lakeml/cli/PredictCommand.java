package dev.lakeml.cli;

import dev.lakeml.ml.PredictJob;
import dev.lakeml.schemas.models.ModelSpec;
import java.time.Clock;
import java.time.LocalDate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml predict <model> --date D}: the nightly batch predictions of one model. */
@Command(
    name = "predict",
    description =
        "Score the model's population on a date with its champion (or --version) into"
            + " predictions.<model>, replacing that date.")
final class PredictCommand extends SparkCommand {
  @Parameters(index = "0", description = "model name from the project file")
  String model;

  @Option(names = "--date", required = true, description = "the logical date, yyyy-MM-dd")
  LocalDate date;

  @Option(
      names = "--version",
      description = "a version number or alias (default: champion)",
      defaultValue = "champion")
  String version;

  @Override
  int run(LakemlContext ctx) {
    ModelSpec spec = ctx.model(model);
    PredictJob.Result r =
        new PredictJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
            .run(spec, version, date);
    ctx.out.printf(
        "%s: %,d predictions for %s by version %d in %s (%.1f s); newest date: %s_latest%n",
        r.model(), r.rows(), r.date(), r.version(), r.table(), r.seconds(), r.table());
    return LakemlCli.OK;
  }
}
