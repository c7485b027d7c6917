package dev.lakeml.cli;

import dev.lakeml.ml.TrainJob;
import dev.lakeml.schemas.models.ModelSpec;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml train <model>}: tune, train, evaluate and record one model spec. */
@Command(
    name = "train",
    description =
        "Build the model's training set, tune on a later validation window, record the run in"
            + " ml.runs and save the chosen model.")
final class TrainCommand extends SparkCommand {
  @Parameters(index = "0", description = "model name from the project file")
  String model;

  @Option(
      names = "--variant",
      description = "train the spec's named variant (another estimator) instead of its algorithm")
  String variant;

  @Override
  int run(LakemlContext ctx) {
    ModelSpec spec = ctx.model(model);
    if (variant != null) {
      try {
        spec = spec.withVariant(variant);
      } catch (IllegalArgumentException e) {
        throw new LakemlCli.UsageException(e.getMessage());
      }
    }
    TrainJob.Result r =
        new TrainJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info).run(spec);
    ctx.out.printf(
        "%s: run %s, %d candidates, chose %s; validation %s (%,d training rows, %,d"
            + " validation rows) in %.1f s; artifacts %s%n",
        r.model(),
        r.runId(),
        r.candidates(),
        r.params(),
        r.metrics(),
        r.trainRows(),
        r.validationRows(),
        r.seconds(),
        r.artifacts());
    ctx.out.printf(
        "%s version %d is %s: %s%nreport: %s%n",
        r.model(),
        r.version(),
        r.champion() ? "the champion" : "a challenger",
        r.gate(),
        r.report());
    return LakemlCli.OK;
  }
}
