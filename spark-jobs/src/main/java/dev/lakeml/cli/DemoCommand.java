package dev.lakeml.cli;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.ml.TrainJob;
import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.publish.PublishJob;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;

/**
 * {@code lakeml demo}: ingests every bundled day of the example project end to end and shows where
 * the tables are, how the counts reconcile, why rows were quarantined, and a SQL query; then
 * computes the features, builds a churn training set, publishes an online snapshot and trains the
 * churn model.
 */
@Command(
    name = "demo",
    description =
        "Ingest the bundled Online Retail data end to end, compute features, build a training"
            + " set, publish an online snapshot, train every declared model and show the registry.")
final class DemoCommand extends SparkCommand {
  @picocli.CommandLine.Option(
      names = "--no-serve",
      description =
          "do not start the serving API afterwards (the ./lakeml launcher starts it; a JVM with"
              + " Spark cannot host it)")
  boolean noServe;

  static final String SAMPLE_QUERY =
      "SELECT country, count(DISTINCT invoice_no) AS invoices, CAST(sum(line_amount) AS DECIMAL(14,2)) AS revenue_gbp"
          + " FROM silver.invoice_lines WHERE NOT is_cancellation GROUP BY country ORDER BY revenue_gbp DESC LIMIT 5";

  static final String QUARANTINE_QUERY =
      "SELECT rule, count(*) AS rows FROM quarantine.invoice_lines LATERAL VIEW explode(_failed_rules) r AS rule"
          + " GROUP BY rule ORDER BY rows DESC";

  static final String TRAINING_QUERY =
      "SELECT churn_90d, count(*) AS customers, round(avg(invoices_90d), 2) AS avg_invoices_90d,"
          + " round(avg(spend_90d), 2) AS avg_spend_90d FROM training_sets.churn GROUP BY churn_90d"
          + " ORDER BY churn_90d";

  static final String ALIAS_QUERY =
      "SELECT a.model, a.alias, a.version, v.algorithm, v.metric, round(v.metrics[v.metric], 4)"
          + " AS value FROM ml.model_aliases a JOIN ml.model_versions v ON a.model = v.model AND"
          + " a.version = v.version ORDER BY a.model, a.alias";

  private static String variantName(ModelSpec spec, ModelSpec run) {
    return spec.variants().entrySet().stream()
        .filter(e -> e.getValue().algorithm() == run.algorithm())
        .map(java.util.Map.Entry::getKey)
        .findFirst()
        .orElse("?");
  }

  private static java.util.Map<String, String> rounded(java.util.Map<String, Double> m) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, String.format("%.4f", v)));
    return out;
  }

  /** Features for every date, a churn training set, and an online snapshot with a lookup. */
  private static void features(LakemlContext ctx) {
    ctx.out.println();
    ctx.out.println("Features (lakeml features --all):");
    FeaturesCommand.compute(ctx, ctx.project.features().views(), LogicalDates.everyDate());
    if (ctx.project.features().labels().stream().anyMatch(l -> l.name().equals("churn_90d"))) {
      ctx.out.println();
      ctx.out.println(
          "A point-in-time training set (lakeml training-set build churn --label churn_90d"
              + " --from 2011-01-01 --to 2011-07-01 --every 30d):");
      TrainingSetJob.Result r =
          new TrainingSetJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
              .build(
                  "churn",
                  new TrainingSetJob.Spine.FromLabel(
                      "churn_90d",
                      LocalDate.parse("2011-01-01"),
                      LocalDate.parse("2011-07-01"),
                      30),
                  List.of(),
                  false);
      ctx.out.printf(
          "  training_sets.churn: %,d rows, build id %s (lakeml training-set rebuild %s)%n",
          r.rows(), r.id(), r.id());
      ctx.out.print(TextTable.render(ctx.spark.sql(TRAINING_QUERY), 5));
    }
  }

  /** Nightly predictions of every model, then one snapshot with features and predictions. */
  private static void predictAndPublish(LakemlContext ctx) {
    java.time.LocalDate date = newestDate(ctx);
    for (ModelSpec spec : ctx.project.models()) {
      ctx.out.println();
      ctx.out.printf("Nightly predictions (lakeml predict %s --date %s):%n", spec.name(), date);
      dev.lakeml.ml.PredictJob.Result r =
          new dev.lakeml.ml.PredictJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
              .run(spec, "champion", date);
      ctx.out.printf(
          "  %,d rows by version %d into %s in %.1f s (SQL: SELECT * FROM %s_latest)%n",
          r.rows(), r.version(), r.table(), r.seconds(), r.table());
    }
    ctx.out.println();
    ctx.out.println("Online snapshot (lakeml publish):");
    PublishJob publish = new PublishJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
    Path root = Path.of(PublishCommand.onlineRoot(ctx));
    PublishJob.Result p =
        publish.publishRocksDb(
            withPredictions(ctx, publish),
            root,
            Math.max(2, ctx.spark.sparkContext().defaultParallelism()),
            3);
    ctx.out.printf(
        "  v%d at %s: %,d rows in %.1f s%n",
        p.manifest().version(), root, p.manifest().totalRows(), p.seconds());
    try (RocksDbOnlineStore store = RocksDbOnlineStore.open(root)) {
      Instant at = p.manifest().views().get(0).featuresAsOf();
      FeatureVector v = store.get("customer_activity", List.of(12347L), at);
      ctx.out.println("  customer 12347 as of " + at + ": " + v.status() + " " + v.values());
      if (ctx.project.model("customer_churn").isPresent()) {
        FeatureVector churn =
            store.get("predictions.customer_churn", List.of(12347L), Instant.now());
        ctx.out.println(
            "  customer 12347's churn prediction: " + churn.status() + " " + churn.values());
      }
    }
  }

  private static List<PublishJob.ViewData> withPredictions(LakemlContext ctx, PublishJob publish) {
    List<PublishJob.ViewData> data =
        new ArrayList<>(publish.latest(ctx.project.features().views(), Optional.empty()));
    data.addAll(publish.latestPredictions(data.size() + 1));
    return data;
  }

  /** The newest event date of the example's invoice lines: the "tonight" of the demo. */
  private static java.time.LocalDate newestDate(LakemlContext ctx) {
    return ctx.spark
        .sql("SELECT CAST(max(invoice_ts) AS DATE) FROM silver.invoice_lines")
        .first()
        .getDate(0)
        .toLocalDate();
  }

  @Override
  int run(LakemlContext ctx) {
    IngestCommand.ingest(ctx, ctx.project.sources(), LogicalDates.everyDate());
    ctx.out.println();
    ctx.out.println("Tables (Delta, registered for SQL):");
    for (TableContract t : IngestTables.all(ctx.project)) {
      ctx.out.printf("  %-28s %s%n", t.qualifiedName(), ctx.lakehouse.location(t));
    }
    if (ctx.project.source("invoice_lines").isPresent()) {
      ctx.out.println();
      ctx.out.println("Why rows were quarantined:");
      ctx.out.println("  lakeml sql \"" + QUARANTINE_QUERY + "\"");
      ctx.out.print(TextTable.render(ctx.spark.sql(QUARANTINE_QUERY), 20));
      ctx.out.println();
      ctx.out.println("A sample query:");
      ctx.out.println("  lakeml sql \"" + SAMPLE_QUERY + "\"");
      ctx.out.print(TextTable.render(ctx.spark.sql(SAMPLE_QUERY), 5));
    }
    if (!ctx.project.features().views().isEmpty()) {
      features(ctx);
    }
    for (ModelSpec spec : ctx.project.models()) {
      List<ModelSpec> runs = new ArrayList<>(List.of(spec));
      spec.variants().keySet().forEach(v -> runs.add(spec.withVariant(v)));
      for (ModelSpec run : runs) {
        ctx.out.println();
        ctx.out.printf(
            "A model (lakeml train %s%s):%n",
            spec.name(), run == spec ? "" : " --variant " + variantName(spec, run));
        TrainJob.Result r =
            new TrainJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info).run(run);
        ctx.out.printf(
            "  run %s (%s): %d candidates, chose %s; %s (%,d training rows, %,d validation)"
                + " in %.1f s%n",
            r.runId(),
            run.algorithm().yamlName(),
            r.candidates(),
            r.params(),
            rounded(r.metrics()),
            r.trainRows(),
            r.validationRows(),
            r.seconds());
        ctx.out.printf(
            "  version %d is %s: %s%n  report: %s%n",
            r.version(), r.champion() ? "the champion" : "a challenger", r.gate(), r.report());
      }
    }
    if (!ctx.project.features().views().isEmpty()) {
      predictAndPublish(ctx);
    }
    if (!ctx.project.models().isEmpty()) {
      ctx.out.println();
      ctx.out.println("The registry (lakeml models list MODEL, lakeml models history MODEL):");
      ctx.out.println("  lakeml sql \"" + ALIAS_QUERY + "\"");
      ctx.out.print(TextTable.render(ctx.spark.sql(ALIAS_QUERY), 20));
    }
    return LakemlCli.OK;
  }
}
