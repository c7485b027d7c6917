package dev.lakeml.cli;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.tables.TrainingSetTables;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml training-set build|rebuild|list}: point-in-time training sets. */
@Command(
    name = "training-set",
    description = "Build point-in-time training sets, rebuild one exactly, or list the builds.",
    subcommands = {
      TrainingSetCommand.Build.class,
      TrainingSetCommand.Rebuild.class,
      TrainingSetCommand.ListBuilds.class
    })
final class TrainingSetCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: build, rebuild or list");
  }

  @Command(
      name = "build",
      description =
          "Join feature views as of each spine row's time into training_sets.<name>; the spine"
              + " comes from a declared label at cutoff dates, or from a SQL query.")
  static final class Build extends SparkCommand {
    @Parameters(index = "0", description = "training set name (lower case, digits, _)")
    String name;

    @ArgGroup(multiplicity = "1")
    SpineOptions spine;

    static final class SpineOptions {
      @ArgGroup(exclusive = false)
      LabelOptions label;

      @ArgGroup(exclusive = false)
      SqlOptions sql;
    }

    static final class LabelOptions {
      @Option(names = "--label", required = true, description = "declared label to predict")
      String label;

      @Option(names = "--from", required = true, description = "first cutoff date, yyyy-MM-dd")
      LocalDate from;

      @Option(names = "--to", required = true, description = "last cutoff date, yyyy-MM-dd")
      LocalDate to;

      @Option(names = "--every", description = "days between cutoffs (default 7d)")
      String every = "7d";
    }

    static final class SqlOptions {
      @Option(
          names = "--spine-sql",
          required = true,
          description = "a query returning entity keys, a time column and any other columns")
      String sql;

      @Option(names = "--spine-time", description = "the spine's time column (event_timestamp)")
      String time = "event_timestamp";
    }

    @Option(
        names = "--views",
        split = ",",
        description = "feature views to join (default: every view whose keys the spine has)")
    List<String> views = new ArrayList<>();

    @Option(
        names = "--as-known-at",
        description = "also require created_timestamp <= spine time (no late-computed values)")
    boolean asKnownAt;

    @Override
    void check() {
      if (spine.label != null && spine.label.to.isBefore(spine.label.from)) {
        throw new LakemlCli.UsageException(
            "--to "
                + spine.label.to
                + " is before --from "
                + spine.label.from
                + "; give the dates in order");
      }
    }

    @Override
    int run(LakemlContext ctx) {
      TrainingSetJob.Spine s;
      if (spine.label != null) {
        Duration every;
        try {
          every = Durations.parse(spine.label.every);
        } catch (IllegalArgumentException e) {
          throw new LakemlCli.UsageException("--every: " + e.getMessage());
        }
        if (every.toSeconds() % 86_400 != 0 || every.isZero()) {
          throw new LakemlCli.UsageException("--every must be whole days, e.g. 7d or 30d");
        }
        s =
            new TrainingSetJob.Spine.FromLabel(
                spine.label.label, spine.label.from, spine.label.to, (int) every.toDays());
      } else {
        s = new TrainingSetJob.Spine.FromSql(spine.sql.sql, spine.sql.time);
      }
      TrainingSetJob job =
          new TrainingSetJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
      TrainingSetJob.Result r = job.build(name, s, views, asKnownAt);
      ctx.out.printf(
          "training_sets.%s: %,d rows, views %s, request features %s, Delta version %d;"
              + " build id %s (lakeml training-set rebuild %s)%n",
          r.name(), r.rows(), r.views(), r.requestFeatures(), r.outputVersion(), r.id(), r.id());
      return LakemlCli.OK;
    }
  }

  @Command(
      name = "rebuild",
      description =
          "Rebuild a training set from its manifest: same table versions, same rows (checked).")
  static final class Rebuild extends SparkCommand {
    @Parameters(index = "0", description = "build id (see lakeml training-set list)")
    String id;

    @Option(names = "--into", description = "write to this training set name instead")
    String into;

    @Override
    int run(LakemlContext ctx) {
      TrainingSetJob job =
          new TrainingSetJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
      TrainingSetJob.Result r = job.rebuild(id, Optional.ofNullable(into));
      ctx.out.printf(
          "training_sets.%s rebuilt from %s: %,d rows, identical to the original (checksum %d);"
              + " build id %s%n",
          r.name(), id, r.rows(), r.checksum(), r.id());
      return LakemlCli.OK;
    }
  }

  @Command(name = "list", description = "Training set builds, newest first.")
  static final class ListBuilds extends SparkCommand {
    @Override
    int run(LakemlContext ctx) {
      if (!ctx.lakehouse.exists(TrainingSetTables.MANIFESTS)) {
        ctx.out.println("no training set has been built yet");
        return LakemlCli.OK;
      }
      ctx.out.print(
          TextTable.render(
              ctx.lakehouse
                  .read(TrainingSetTables.MANIFESTS)
                  .orderBy(org.apache.spark.sql.functions.col("created_at").desc())
                  .selectExpr(
                      "id",
                      "name",
                      "created_at",
                      "spine",
                      "views",
                      "as_known_at",
                      "rows",
                      "output_version",
                      "rebuilt_from"),
              1000));
      return LakemlCli.OK;
    }
  }
}
