package dev.lakeml.cli;

import dev.lakeml.feedback.PredictionLogJob;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lakeml ingest-predictions}: the serving API's prediction log into Delta. */
@Command(
    name = "ingest-predictions",
    description =
        "Load the serving API's closed prediction-log files into serving.prediction_log, each file"
            + " exactly once.")
final class IngestPredictionsCommand extends SparkCommand {
  @Option(
      names = "--log-dir",
      description =
          "the API's --log-dir (default: <lakehouse>/_serving/log; nothing to load while it does"
              + " not exist)")
  String logDir;

  @Override
  int run(LakemlContext ctx) {
    Path dir =
        logDir != null
            ? Path.of(logDir)
            : ctx.lakehouse.localRoot().resolve("_serving").resolve("log");
    if (logDir == null && !java.nio.file.Files.isDirectory(dir)) {
      // A lakehouse no API has logged to yet (a first night): nothing to load. A --log-dir that
      // does not exist is a mistake, and the job says so.
      ctx.out.printf(
          "serving.prediction_log: no prediction log at %s yet (no serving API has written one);"
              + " nothing to load%n",
          dir);
      return LakemlCli.OK;
    }
    PredictionLogJob.Result r = new PredictionLogJob(ctx.lakehouse, ctx::info).run(dir);
    ctx.out.printf(
        "serving.prediction_log: %d new file(s), %,d rows; %d file(s) were already loaded%n",
        r.files(), r.rows(), r.skipped());
    return LakemlCli.OK;
  }
}
