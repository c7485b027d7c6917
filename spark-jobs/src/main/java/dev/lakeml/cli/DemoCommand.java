package dev.lakeml.cli;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.pipeline.PipelineRunner;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
          "do not start the serving API afterwards (it runs in its own JVM, as `lakeml serve`)")
  boolean noServe;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "port of the serving API started afterwards (default ${DEFAULT-VALUE})")
  int port;

  @Override
  int run(LakemlContext ctx) throws Exception {
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
      int code =
          RunCommand.run(ctx, r.pipeline(), r.date(), r.date(), PipelineRunner.Options.defaults());
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
    if (noServe || script.requests().isEmpty()) {
      return LakemlCli.OK;
    }
    return serve(ctx, project, script.requests());
  }

  /**
   * Starts the serving API as {@code lakeml serve} does, sends the script's requests with the local
   * read key and shows each as a curl command with its answer. In a terminal it keeps serving until
   * Ctrl-C; otherwise (CI, scripts) it stops after the requests.
   *
   * @return {@link LakemlCli#FAILED} unless every request answered 200
   */
  private int serve(LakemlContext ctx, Path project, List<DemoScript.Request> requests)
      throws IOException, InterruptedException {
    Path lakehouse = ServeCommand.localLakehouse(global, ctx.project);
    Path log = lakehouse.resolve("_serving").resolve("demo-server.log");
    URI base = URI.create("http://127.0.0.1:" + port);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    boolean allOk = true;
    try (ServingProcess api =
        ServingProcess.start(
            project,
            lakehouse,
            List.of("--port", Integer.toString(port), "--poll-interval", "2s"),
            Optional.of(log))) {
      api.awaitReady(http, base, Duration.ofSeconds(90), log.toString());
      String key = api.key("read").orElse("");
      ctx.out.println();
      ctx.out.printf(
          "The serving API on %s (lakeml serve; keys in %s; log: %s):%n",
          base, api.keysFile().orElse("LAKEML_API_KEYS"), log);
      for (DemoScript.Request r : requests) {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(base.resolve(r.path()))
                .timeout(Duration.ofSeconds(30))
                .header("X-API-Key", key);
        String curl = "curl -s -H \"X-API-Key: $KEY\"";
        if (r.body().isPresent()) {
          request
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(r.body().get()));
          curl += " -H 'Content-Type: application/json' -d '" + r.body().get() + "'";
        }
        HttpResponse<String> answer =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        ctx.out.printf("  %s:%n    KEY=... %s '%s'%n", r.title(), curl, base.resolve(r.path()));
        String body = answer.body().strip();
        ctx.out.printf(
            "    -> HTTP %d: %s%n",
            answer.statusCode(), body.length() > 400 ? body.substring(0, 400) + "..." : body);
        allOk &= answer.statusCode() == 200;
      }
      if (requests.stream().anyMatch(r -> r.body().isPresent())) {
        ctx.out.printf(
            "Scores are logged under %s; once the API has stopped and closed its log file, check"
                + " that it used the offline values:%n  lakeml ingest-predictions && lakeml"
                + " monitor skew --date %s%n",
            lakehouse.resolve("_serving").resolve("log"),
            java.time.LocalDate.now(java.time.ZoneOffset.UTC));
      }
      if (System.console() != null) {
        ctx.out.println("Serving until Ctrl-C (lakeml serve starts it alone).");
        Thread stop = new Thread(api::close, "lakeml-demo-serve-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        api.waitFor();
      }
    }
    if (!allOk) {
      ctx.err.println("lakeml: a request to the serving API did not answer 200; see " + log);
      return LakemlCli.FAILED;
    }
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
