package dev.lakeml.cli;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.ml.PredictJob;
import dev.lakeml.ml.TrainJob;
import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.publish.PublishJob;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakeml demo}: the nightly path of a project end to end, on every date its sources have:
 * ingest, features, train every model and variant, predict, publish. What it shows between the
 * steps (queries, a training set, online lookups) comes from the project's demo script ({@link
 * DemoScript}), not from Java.
 */
@Command(
    name = "demo",
    description =
        "Ingest the bundled Online Retail data end to end, compute features, build a training"
            + " set, publish an online snapshot, train every declared model and show the registry.")
final class DemoCommand extends SparkCommand {
  @Option(
      names = "--no-serve",
      description =
          "do not start the serving API afterwards (the ./lakeml launcher starts it; a JVM with"
              + " Spark cannot host it)")
  boolean noServe;

  @Override
  int run(LakemlContext ctx) {
    DemoScript script = DemoScript.forProject(LakemlContext.projectPath(global));
    IngestCommand.ingest(ctx, ctx.project.sources(), LogicalDates.everyDate());
    ctx.out.println();
    ctx.out.println("Tables (Delta, registered for SQL):");
    for (TableContract t : IngestTables.all(ctx.project)) {
      ctx.out.printf("  %-28s %s%n", t.qualifiedName(), ctx.lakehouse.location(t));
    }
    show(ctx, script.afterIngest());
    if (!ctx.project.features().views().isEmpty()) {
      ctx.out.println();
      ctx.out.println("Features (lakeml features --all):");
      FeaturesCommand.compute(ctx, ctx.project.features().views(), LogicalDates.everyDate());
      script.trainingSet().ifPresent(set -> trainingSet(ctx, set));
    }
    for (ModelSpec spec : ctx.project.models()) {
      train(ctx, spec, null);
      for (String variant : spec.variants().keySet()) {
        train(ctx, spec.withVariant(variant), variant);
      }
    }
    if (!ctx.project.features().views().isEmpty()) {
      predictAndPublish(ctx, script.lookups());
    }
    show(ctx, script.afterTraining());
    return LakemlCli.OK;
  }

  private static void show(LakemlContext ctx, List<DemoScript.Query> queries) {
    for (DemoScript.Query q : queries) {
      ctx.out.println();
      ctx.out.println(q.title() + ":");
      ctx.out.println("  lakeml sql \"" + q.sql() + "\"");
      ctx.out.print(TextTable.render(ctx.spark.sql(q.sql()), 20));
    }
  }

  private static void trainingSet(LakemlContext ctx, DemoScript.TrainingSet set) {
    ctx.out.println();
    ctx.out.printf(
        "A point-in-time training set (lakeml training-set build %s --label %s --from %s --to %s"
            + " --every %dd):%n",
        set.name(), set.label(), set.from(), set.to(), set.everyDays());
    TrainingSetJob.Result r =
        new TrainingSetJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
            .build(
                set.name(),
                new TrainingSetJob.Spine.FromLabel(
                    set.label(), set.from(), set.to(), set.everyDays()),
                List.of(),
                false);
    ctx.out.printf(
        "  training_sets.%s: %,d rows, build id %s (lakeml training-set rebuild %s)%n",
        set.name(), r.rows(), r.id(), r.id());
    ctx.out.print(TextTable.render(ctx.spark.sql(set.sql()), 5));
  }

  private static void train(LakemlContext ctx, ModelSpec run, String variant) {
    ctx.out.println();
    ctx.out.printf(
        "A model (lakeml train %s%s):%n",
        run.name(), variant == null ? "" : " --variant " + variant);
    TrainJob.Result r =
        new TrainJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info).run(run);
    Map<String, String> metrics = new LinkedHashMap<>();
    r.metrics().forEach((k, v) -> metrics.put(k, String.format("%.4f", v)));
    ctx.out.printf(
        "  run %s (%s): %d candidates, chose %s; %s (%,d training rows, %,d validation)"
            + " in %.1f s%n",
        r.runId(),
        run.algorithm().yamlName(),
        r.candidates(),
        r.params(),
        metrics,
        r.trainRows(),
        r.validationRows(),
        r.seconds());
    ctx.out.printf(
        "  version %d is %s: %s%n  report: %s%n",
        r.version(), r.champion() ? "the champion" : "a challenger", r.gate(), r.report());
  }

  /** Nightly predictions of every model, then one snapshot with features and predictions. */
  private static void predictAndPublish(LakemlContext ctx, List<DemoScript.Lookup> lookups) {
    LocalDate date = newestDate(ctx);
    for (ModelSpec spec : ctx.project.models()) {
      ctx.out.println();
      ctx.out.printf("Nightly predictions (lakeml predict %s --date %s):%n", spec.name(), date);
      PredictJob.Result r =
          new PredictJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
              .run(spec, "champion", date);
      ctx.out.printf(
          "  %,d rows by version %d into %s in %.1f s (SQL: SELECT * FROM %s_latest)%n",
          r.rows(), r.version(), r.table(), r.seconds(), r.table());
    }
    ctx.out.println();
    ctx.out.println("Online snapshot (lakeml publish):");
    PublishJob publish = new PublishJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
    List<PublishJob.ViewData> data =
        new ArrayList<>(publish.latest(ctx.project.features().views(), Optional.empty()));
    data.addAll(publish.latestPredictions(data.size() + 1));
    Path root = Path.of(PublishCommand.onlineRoot(ctx));
    PublishJob.Result p =
        publish.publishRocksDb(
            data, root, Math.max(2, ctx.spark.sparkContext().defaultParallelism()), 3);
    ctx.out.printf(
        "  v%d at %s: %,d rows in %.1f s%n",
        p.manifest().version(), root, p.manifest().totalRows(), p.seconds());
    try (RocksDbOnlineStore store = RocksDbOnlineStore.open(root)) {
      for (DemoScript.Lookup l : lookups) {
        Optional<SnapshotManifest.ViewEntry> view = store.manifest().view(l.view());
        if (view.isEmpty()) {
          ctx.out.println("  " + l.title() + ": the snapshot has no view " + l.view());
          continue;
        }
        FeatureVector v = store.get(l.view(), key(view.get(), l.key()), view.get().featuresAsOf());
        ctx.out.println("  " + l.title() + ": " + v.status() + " " + v.values());
      }
    }
  }

  /** Key values from the script's text, typed by the view's key columns. */
  private static List<Object> key(SnapshotManifest.ViewEntry view, List<String> text) {
    if (text.size() != view.keys().size()) {
      throw new LakemlCli.UsageException(
          "the demo script looks up "
              + view.name()
              + " with "
              + text.size()
              + " key value(s); its key is "
              + view.keys().stream().map(KeyColumn::name).toList());
    }
    List<Object> key = new ArrayList<>();
    for (int i = 0; i < text.size(); i++) {
      key.add(
          view.keys().get(i).type() == FeatureType.LONG
              ? (Object) Long.parseLong(text.get(i))
              : text.get(i));
    }
    return key;
  }

  /** The newest event date of the project's first source: the "tonight" of the demo. */
  private static LocalDate newestDate(LakemlContext ctx) {
    var source = ctx.project.sources().get(0);
    var silver = IngestTables.silver(source);
    String time =
        ctx.project.features().views().stream()
            .filter(v -> v.source().equals(source.name()))
            .map(v -> v.eventTime())
            .findFirst()
            .orElseThrow(
                () ->
                    new LakemlCli.UsageException(
                        "the demo predicts for the newest date of "
                            + source.name()
                            + ", but no feature view reads it"));
    return ctx.lakehouse
        .read(silver)
        .selectExpr("CAST(max(`" + time + "`) AS DATE)")
        .first()
        .getDate(0)
        .toLocalDate();
  }
}
