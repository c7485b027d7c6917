package dev.lakeml.cli;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakeml demo}: the project's pipelines run as {@code lakeml run} runs them (which ones, for
 * which dates, comes from the project's demo script, {@link DemoScript}), then what they built:
 * queries, a point-in-time training set and lookups in the published online snapshot. The demo
 * holds no sequencing of its own, and a second run skips every step that succeeded.
 */
@Command(
    name = "demo",
    description =
        "Run the project's pipelines named in its demo script (for the bundled Online Retail data:"
            + " bootstrap up to the day before the newest, then the newest day as a nightly"
            + " increment) and show the tables, a training set, the registry and online lookups.")
final class DemoCommand extends SparkCommand {
  @Option(
      names = "--no-serve",
      description =
          "do not start the serving API afterwards (the ./lakeml launcher starts it; a JVM with"
              + " Spark cannot host it)")
  boolean noServe;

  @Override
  int run(LakemlContext ctx) {
    Path project = LakemlContext.projectPath(global);
    DemoScript script = DemoScript.forProject(project);
    if (script.runs().isEmpty()) {
      throw new LakemlCli.UsageException(
          "the demo runs the pipelines its script names under 'runs:', and "
              + DemoScript.location(project)
              + " names none (or does not exist)");
    }
    for (DemoScript.Run r : script.runs()) {
      ctx.out.printf("%nlakeml run %s --date %s%n", r.pipeline(), r.date());
      int code = RunCommand.run(ctx, r.pipeline(), r.date(), r.date(), List.of(), Optional.empty());
      if (code != LakemlCli.OK) {
        return code;
      }
    }
    ctx.out.println();
    ctx.out.println("Tables (Delta, registered for SQL):");
    for (TableContract t : IngestTables.all(ctx.project)) {
      ctx.out.printf("  %-28s %s%n", t.qualifiedName(), ctx.lakehouse.location(t));
    }
    show(ctx, script.afterIngest());
    script.trainingSet().ifPresent(set -> trainingSet(ctx, set));
    lookups(ctx, script.lookups());
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

  /** Lookups in the newest published snapshot, each at its view's own as-of time. */
  private static void lookups(LakemlContext ctx, List<DemoScript.Lookup> lookups) {
    if (lookups.isEmpty()) {
      return;
    }
    Path root = Path.of(PublishCommand.onlineRoot(ctx));
    ctx.out.println();
    ctx.out.println("Online lookups (" + root + "):");
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
}
