package dev.lakeml.cli;

import dev.lakeml.features.FeatureJob;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.FeatureTables;
import dev.lakeml.schemas.tables.IngestTables;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lakeml features}: computes feature views for a date, a range or every date the source has;
 * {@code features list} and {@code features describe} read the registry.
 */
@Command(
    name = "features",
    description =
        "Compute feature views into features.<view> for a logical date or range; list or"
            + " describe the registered views.",
    subcommands = {FeaturesCommand.ListViews.class, FeaturesCommand.Describe.class})
final class FeaturesCommand extends SparkCommand {
  @Option(names = "--view", description = "Feature view to compute (default: every view).")
  String view;

  @ArgGroup LogicalDates dates;

  @Override
  void check() {
    if (dates == null) {
      throw new LakemlCli.UsageException(
          "say which dates to compute: --date D, --from D1 --to D2 or --all"
              + " (or use 'features list' / 'features describe VIEW')");
    }
    dates.explicit(); // dates out of order are refused before Spark starts
  }

  @Override
  int run(LakemlContext ctx) {
    compute(ctx, views(ctx, view), dates);
    return LakemlCli.OK;
  }

  static List<FeatureViewSpec> views(LakemlContext ctx, String name) {
    List<FeatureViewSpec> all = ctx.project.features().views();
    if (all.isEmpty()) {
      throw new LakemlCli.UsageException(
          "the project declares no feature views (feature_views: in lakeml.yaml)");
    }
    if (name == null) {
      return all;
    }
    return List.of(ctx.view(name));
  }

  static List<FeatureJob.Result> compute(
      LakemlContext ctx, List<FeatureViewSpec> views, LogicalDates dates) {
    FeatureJob job = new FeatureJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
    List<FeatureJob.Result> results = new ArrayList<>();
    for (FeatureViewSpec v : views) {
      LocalDate[] span = dates.span(() -> sourceDates(ctx, v));
      FeatureJob.Result r = job.run(v, span[0], span[1]);
      ctx.out.printf(
          "features.%s %s..%s: %,d rows, %,d entities, Delta version %d in %.1f s (run %s)%n",
          r.view(),
          r.from(),
          r.to(),
          r.rows(),
          r.entities(),
          r.deltaVersion(),
          r.seconds(),
          r.runId());
      results.add(r);
    }
    return results;
  }

  /** The first and last event dates (UTC) of the view's source in silver. */
  private static LocalDate[] sourceDates(LakemlContext ctx, FeatureViewSpec v) {
    SourceSpec source = ctx.project.source(v.source()).orElseThrow();
    if (!ctx.lakehouse.exists(IngestTables.silver(source))) {
      throw new LakehouseException(
          "silver." + source.name() + " does not exist yet: run lakeml ingest first");
    }
    Row span =
        ctx.lakehouse
            .read(IngestTables.silver(source))
            .selectExpr(
                "min(to_date(`" + v.eventTime() + "`))", "max(to_date(`" + v.eventTime() + "`))")
            .first();
    if (span.isNullAt(0)) {
      throw new LakehouseException("silver." + source.name() + " has no rows: nothing to compute");
    }
    return new LocalDate[] {span.getDate(0).toLocalDate(), span.getDate(1).toLocalDate()};
  }

  @Command(name = "list", description = "Every declared view: its features, version and last run.")
  static final class ListViews implements Callable<Integer> {
    // The global options are the parent's: they are inherited, so they may follow 'list'.
    @ParentCommand FeaturesCommand parent;

    @Override
    public Integer call() throws Exception {
      return SparkCommand.withContext(
          parent.global,
          ctx -> {
            boolean registry = ctx.lakehouse.exists(FeatureTables.REGISTRY);
            List<String[]> rows = new ArrayList<>();
            for (FeatureViewSpec v : ctx.project.features().views()) {
              String lastRun = "never computed";
              String version = "-";
              if (registry) {
                List<Row> r =
                    ctx.spark
                        .sql(
                            "SELECT definition_hash, delta_version, last_date_from, last_date_to"
                                + " FROM features.registry WHERE view = '"
                                + v.name()
                                + "' LIMIT 1")
                        .collectAsList();
                if (!r.isEmpty()) {
                  Row x = r.get(0);
                  version = String.valueOf(x.getLong(1));
                  lastRun =
                      x.getDate(2)
                          + ".."
                          + x.getDate(3)
                          + (x.getString(0).equals(v.definitionHash())
                              ? ""
                              : " (definition changed since: recompute)");
                }
              }
              rows.add(
                  new String[] {
                    v.name(),
                    v.entity(),
                    String.valueOf(v.features().size()),
                    Durations.format(v.ttl()),
                    v.owner(),
                    v.definitionHash(),
                    version,
                    lastRun
                  });
            }
            ctx.out.print(
                TextTable.render(
                    List.of(
                        "view",
                        "entity",
                        "features",
                        "ttl",
                        "owner",
                        "version",
                        "delta",
                        "last run"),
                    rows));
            return LakemlCli.OK;
          });
    }
  }

  @Command(name = "describe", description = "A view's features, table and registry entry.")
  static final class Describe implements Callable<Integer> {
    @ParentCommand FeaturesCommand parent;

    @Parameters(index = "0", description = "feature view name")
    String name;

    @Override
    public Integer call() throws Exception {
      return SparkCommand.withContext(
          parent.global,
          ctx -> {
            FeatureViewSpec v = views(ctx, name).get(0);
            ctx.out.println(v.name() + " - " + v.description());
            ctx.out.println("entity:     " + v.entity());
            ctx.out.println(
                "source:     silver." + v.source() + " (event time " + v.eventTime() + ")");
            v.filter().ifPresent(f -> ctx.out.println("filter:     " + f));
            ctx.out.println("ttl:        " + Durations.format(v.ttl()));
            ctx.out.println("owner:      " + v.owner());
            ctx.out.println("version:    " + v.definitionHash());
            ctx.out.println("table:      features." + v.name());
            ctx.out.println("features:");
            for (FeatureSpec f : v.features()) {
              ctx.out.printf("  %-24s %s%n", f.name(), FeatureTables.describe(f));
            }
            if (ctx.lakehouse.exists(FeatureTables.REGISTRY)) {
              ctx.out.print(
                  TextTable.render(
                      ctx.spark.sql(
                          "SELECT feature, value_type, delta_version, last_date_from, last_date_to,"
                              + " rows_written, updated_at FROM features.registry WHERE view = '"
                              + v.name()
                              + "' ORDER BY feature"),
                      1000));
            }
            return LakemlCli.OK;
          });
    }
  }
}
