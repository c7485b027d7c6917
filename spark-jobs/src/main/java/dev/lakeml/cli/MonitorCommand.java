package dev.lakeml.cli;

import dev.lakeml.monitoring.AlertJob;
import dev.lakeml.monitoring.AlertTable;
import dev.lakeml.monitoring.DriftJob;
import dev.lakeml.monitoring.DriftMeasure;
import dev.lakeml.monitoring.DriftTable;
import dev.lakeml.monitoring.PerformanceJob;
import dev.lakeml.monitoring.PerformanceTable;
import dev.lakeml.monitoring.RetrainTrigger;
import dev.lakeml.monitoring.SkewJob;
import dev.lakeml.monitoring.SkewMeasure;
import dev.lakeml.monitoring.SkewTable;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.tables.MonitoringTables;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml monitor}: how the models in production are doing. */
@Command(
    name = "monitor",
    description =
        "Watch the models in production: drift of their inputs and score, performance as labels"
            + " arrive, online/offline skew, alerts and the retrains they ask for.",
    subcommands = {
      MonitorCommand.Drift.class,
      MonitorCommand.Performance.class,
      MonitorCommand.Skew.class,
      MonitorCommand.Alerts.class
    })
final class MonitorCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: drift, performance, skew or alerts");
  }

  /** Rewrites the model's monitoring page from the tables and says where it is. */
  static void page(LakemlContext ctx, String model) {
    ctx.out.printf(
        "page: %s%n",
        new dev.lakeml.monitoring.MonitoringPages(ctx.lakehouse, Clock.systemUTC()).write(model));
  }

  /** {@code lakeml monitor drift MODEL --date D}. */
  @Command(
      name = "drift",
      description =
          "Compare the champion's inputs and score on a date (the nightly predictions and the"
              + " logged online requests) with its training set; replaces the model's rows for"
              + " that date in monitoring.drift.")
  static final class Drift extends SparkCommand {
    @Parameters(index = "0", description = "model name from the project file")
    String model;

    @Option(names = "--date", required = true, description = "the logical date, yyyy-MM-dd")
    LocalDate date;

    @Override
    int run(LakemlContext ctx) {
      ModelSpec spec = ctx.model(model);
      DriftJob.Result r =
          new DriftJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info).run(spec, date);
      ctx.out.printf(
          "%s %s: version %d against its training set (%,d rows), %.1f s%n",
          r.model(), r.date(), r.version(), r.referenceRows(), r.seconds());
      for (DriftTable.Population p : r.populations()) {
        ctx.out.printf("  %s: %s%n", p.name(), summary(p.measures()));
        for (DriftMeasure m : p.measures()) {
          if (m.breached()) {
            ctx.out.printf(
                Locale.ROOT,
                "    %-28s %-20s %.4f (threshold %.4f)%n",
                m.column().name(),
                m.statistic().yamlName(),
                m.value(),
                m.threshold().getAsDouble());
          }
        }
      }
      ctx.out.printf(
          "%d breach(es); rows in %s%n", r.breached(), MonitoringTables.DRIFT.qualifiedName());
      page(ctx, r.model());
      return LakemlCli.OK;
    }

    private static String summary(List<DriftMeasure> measures) {
      long columns = measures.stream().map(m -> m.column().name()).distinct().count();
      long values = measures.stream().mapToLong(DriftMeasure::currentRows).max().orElse(0);
      long noData =
          measures.stream()
              .filter(m -> m.status().equals(DriftMeasure.NO_DATA))
              .map(m -> m.column().name())
              .distinct()
              .count();
      List<String> other =
          measures.stream()
              .map(DriftMeasure::status)
              .filter(s -> !s.equals(DriftMeasure.OK) && !s.equals(DriftMeasure.NO_DATA))
              .distinct()
              .toList();
      if (noData == columns) {
        return "no data";
      }
      long breached = measures.stream().filter(DriftMeasure::breached).count();
      return String.format(
          Locale.ROOT,
          "%d columns, up to %,d values each, %d breach(es)%s%s",
          columns,
          values,
          breached,
          noData > 0 ? ", " + noData + " column(s) without data" : "",
          other.isEmpty() ? "" : "; also " + String.join(", ", other));
    }
  }

  /** {@code lakeml monitor performance MODEL}. */
  @Command(
      name = "performance",
      description =
          "Judge every prediction date of a model by the labels that have matured (a classifier:"
              + " AUC-ROC, AUC-PR, log loss, calibration; a recommender: precision, recall, MAP"
              + " and hit rate at k); dates whose labels are not all known yet are marked"
              + " immature. Replaces the model's rows in monitoring.performance.")
  static final class Performance extends SparkCommand {
    @Parameters(index = "0", description = "model name from the project file")
    String model;

    @Override
    int run(LakemlContext ctx) {
      ModelSpec spec = ctx.model(model);
      PerformanceJob.Result r =
          new PerformanceJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info).run(spec);
      ctx.out.printf(
          "%s: %d prediction date(s); labels known through %s (%.1f s)%n",
          r.model(), r.dates().size(), r.knownThrough(), r.seconds());
      java.util.LinkedHashSet<String> metrics = new java.util.LinkedHashSet<>();
      r.dates().forEach(d -> metrics.addAll(d.metrics().keySet()));
      metrics.removeAll(List.of("base_rate", "mean_score"));
      List<String> header = new java.util.ArrayList<>(List.of("date", "version", "status", "rows"));
      header.add("positives");
      header.addAll(metrics);
      header.add("unmatched labels");
      List<String[]> cells = new java.util.ArrayList<>();
      for (PerformanceTable.DatePerformance d : r.dates()) {
        List<String> row = new java.util.ArrayList<>();
        row.add(d.date().toString());
        row.add(String.valueOf(d.version()));
        row.add(
            d.status().equals(PerformanceJob.IMMATURE)
                ? "immature until " + d.labelsKnownAt()
                : d.status());
        row.add(String.valueOf(d.rows()));
        row.add(String.valueOf(d.positives()));
        metrics.forEach(m -> row.add(number(d.metrics().get(m))));
        row.add(String.valueOf(d.unmatchedLabels()));
        cells.add(row.toArray(String[]::new));
      }
      ctx.out.print(TextTable.render(header, cells));
      ctx.out.printf("rows in %s%n", MonitoringTables.PERFORMANCE.qualifiedName());
      page(ctx, r.model());
      return LakemlCli.OK;
    }

    private static String number(Double v) {
      return v == null || v.isNaN() ? "" : String.format(Locale.ROOT, "%.4f", v);
    }
  }

  /** {@code lakeml monitor skew --date D}. */
  @Command(
      name = "skew",
      description =
          "Recompute a sample of the day's logged online requests through the offline"
              + " point-in-time path at each request's time and count, per model version and"
              + " input, where the API's value differs; replaces the date's rows in"
              + " monitoring.skew.")
  static final class Skew extends SparkCommand {
    @Option(names = "--date", required = true, description = "the logical date, yyyy-MM-dd")
    LocalDate date;

    @Option(names = "--model", description = "only this model (default: every model)")
    String model;

    @Option(
        names = "--sample",
        defaultValue = "10000",
        description = "requests compared per model version (default ${DEFAULT-VALUE})")
    int sample;

    @Override
    int run(LakemlContext ctx) {
      java.util.Optional<ModelSpec> spec =
          model == null ? java.util.Optional.empty() : java.util.Optional.of(ctx.model(model));
      SkewJob.Result r =
          new SkewJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
              .run(date, spec, sample);
      ctx.out.printf(
          "%s: %d model version(s), %.1f s%n", r.date(), r.versions().size(), r.seconds());
      List<String> header =
          List.of(
              "model",
              "version",
              "feature",
              "source",
              "status",
              "sampled",
              "mismatch_rate",
              "example");
      List<String[]> cells = new java.util.ArrayList<>();
      for (SkewTable.VersionSkew v : r.versions()) {
        for (SkewMeasure m : v.measures()) {
          double rate = m.mismatchRate();
          cells.add(
              new String[] {
                v.model(),
                String.valueOf(v.version()),
                m.feature(),
                m.source(),
                m.status(),
                m.sampled() + " of " + m.requests(),
                Double.isNaN(rate) ? "" : String.format(Locale.ROOT, "%.4f", rate),
                m.example() == null ? "" : m.example()
              });
        }
      }
      ctx.out.print(TextTable.render(header, cells));
      ctx.out.printf("rows in %s%n", MonitoringTables.SKEW.qualifiedName());
      r.versions().stream().map(SkewTable.VersionSkew::model).distinct().forEach(m -> page(ctx, m));
      return LakemlCli.OK;
    }
  }

  /** {@code lakeml monitor alerts MODEL --date D}. */
  @Command(
      name = "alerts",
      description =
          "Apply the model's alert policy to the drift and performance measured up to a date;"
              + " record each alert in monitoring.alerts and trigger the retrain pipeline (once"
              + " per episode, not within the cooldown): through Airflow's REST API when"
              + " LAKEML_AIRFLOW_URL is set, in this process otherwise.")
  static final class Alerts extends SparkCommand {
    @Parameters(index = "0", description = "model name from the project file")
    String model;

    @Option(names = "--date", required = true, description = "the logical date, yyyy-MM-dd")
    LocalDate date;

    @Option(
        names = "--pipeline",
        defaultValue = "retrain",
        description = "the pipeline a retrain runs (default ${DEFAULT-VALUE})")
    String pipeline;

    @Override
    int run(LakemlContext ctx) {
      ModelSpec spec = ctx.model(model);
      dev.lakeml.schemas.project.Declared.find(
          "pipeline",
          pipeline,
          ctx.project.pipelines(),
          dev.lakeml.schemas.pipelines.PipelineSpec::name);
      RetrainTrigger trigger =
          System.getenv(dev.lakeml.orchestration.airflow.AirflowSettings.URL) != null
              ? airflow(ctx)
              : local(ctx);
      AlertJob.Result r =
          new AlertJob(ctx.lakehouse, Clock.systemUTC(), ctx::info).run(spec, date, trigger);
      if (r.alerts().isEmpty()) {
        ctx.out.printf("%s %s: no alert%n", r.model(), r.date());
      }
      for (AlertTable.Alert a : r.alerts()) {
        ctx.out.printf(
            "%s %s: %s alert (episode %s): %s%n  retrain: %s%s%s%n",
            a.model(),
            a.date(),
            a.kind(),
            a.episode(),
            a.evidence(),
            a.retrain(),
            a.retrainRun() == null ? "" : " (" + a.retrainVia() + " " + a.retrainRun() + ")",
            a.message() == null ? "" : "; " + a.message());
      }
      page(ctx, r.model());
      return r.alerts().stream().anyMatch(a -> a.retrain().equals("failed"))
          ? LakemlCli.FAILED
          : LakemlCli.OK;
    }

    private RetrainTrigger airflow(LakemlContext ctx) {
      String dag = AirflowCommand.dagId(ctx.project, pipeline);
      dev.lakeml.orchestration.airflow.AirflowClient client = AirflowCommand.client();
      return new RetrainTrigger() {
        @Override
        public String via() {
          return "airflow";
        }

        @Override
        public String retrain(LocalDate day, String reason) {
          return client.trigger(dag, day, java.util.Map.of("trigger", reason)).dagRunId();
        }
      };
    }

    private RetrainTrigger local(LakemlContext ctx) {
      return new RetrainTrigger() {
        @Override
        public String via() {
          return "local";
        }

        @Override
        public String retrain(LocalDate day, String reason) {
          int code =
              RunCommand.run(
                  ctx,
                  pipeline,
                  day,
                  day,
                  new dev.lakeml.pipeline.PipelineRunner.Options(
                      java.util.Set.of(), java.util.Optional.of(reason), 1));
          if (code != LakemlCli.OK) {
            throw new dev.lakeml.lakehouse.LakehouseException(
                "lakeml run " + pipeline + " --date " + day + " failed; see ops.pipeline_runs");
          }
          return "lakeml run " + pipeline + " --date " + day;
        }
      };
    }
  }
}
