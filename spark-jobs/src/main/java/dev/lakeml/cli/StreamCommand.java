package dev.lakeml.cli;

import dev.lakeml.ingest.StreamIngestJob;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.SourceSpec;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lakeml stream}: streaming ingestion from the landing folder or from Kafka. */
@Command(
    name = "stream",
    description = "Ingest a source continuously, from its landing folder (default) or Kafka.")
final class StreamCommand extends SparkCommand {
  @Option(
      names = {"-s", "--source"},
      required = true,
      description = "Source to stream.")
  String source;

  @Option(
      names = "--from",
      defaultValue = "directory",
      description =
          "${COMPLETION-CANDIDATES}: the landing folder or Kafka (default ${DEFAULT-VALUE}).")
  StreamIngestJob.Kind from;

  @Option(names = "--available-now", description = "Process what is there, then stop.")
  boolean availableNow;

  @Option(
      names = "--trigger-seconds",
      defaultValue = "10",
      description =
          "Seconds between micro-batches when running continuously (default ${DEFAULT-VALUE}).")
  long triggerSeconds;

  @Option(
      names = "--timeout-seconds",
      description = "Stop after this many seconds (default: run until stopped).")
  Long timeoutSeconds;

  @Override
  int run(LakemlContext ctx) throws Exception {
    StreamIngestJob.Kind kind = from;
    {
      SourceSpec spec = ctx.source(source);
      StreamIngestJob job =
          new StreamIngestJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
      Trigger trigger =
          availableNow
              ? Trigger.AvailableNow()
              : Trigger.ProcessingTime(triggerSeconds, TimeUnit.SECONDS);
      StreamingQuery query = job.start(spec, kind, trigger);
      ctx.info("stream " + query.name() + " started; checkpoint " + job.checkpoint(spec, kind));
      try {
        if (timeoutSeconds != null) {
          if (!query.awaitTermination(TimeUnit.SECONDS.toMillis(timeoutSeconds))) {
            query.stop();
          }
        } else {
          query.awaitTermination();
        }
      } catch (StreamingQueryException e) {
        Throwable cause = e.cause() == null ? e : e.cause();
        while (cause.getCause() != null && !(cause instanceof LakehouseException)) {
          cause = cause.getCause();
        }
        if (cause instanceof LakehouseException le) {
          throw le;
        }
        throw new LakehouseException(
            "The stream " + query.name() + " failed: " + e.getMessage(), e);
      }
      return LakemlCli.OK;
    }
  }
}
