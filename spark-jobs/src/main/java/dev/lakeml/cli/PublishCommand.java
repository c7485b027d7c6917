package dev.lakeml.cli;

import dev.lakeml.publish.PublishJob;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lakeml publish}: the latest feature values to a new online snapshot. */
@Command(
    name = "publish",
    description =
        "Publish each feature view's latest values per entity (within TTL) to a new, immutable"
            + " online snapshot: RocksDB (default) or Redis.")
final class PublishCommand extends SparkCommand {
  @Option(names = "--views", split = ",", description = "views to publish (default: all)")
  List<String> views = new ArrayList<>();

  @Option(
      names = "--as-of",
      description =
          "publish values as of this instant, e.g. 2011-10-01T00:00:00Z (default: each view's"
              + " newest row)")
  Instant asOf;

  /** Where a snapshot is published. */
  enum Backend {
    ROCKSDB,
    REDIS
  }

  @Option(
      names = "--backend",
      description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}), in any case")
  Backend backend = Backend.ROCKSDB;

  @Option(
      names = "--online-path",
      description = "RocksDB snapshot folder (default: <lakehouse>/_online)")
  String onlinePath;

  @Option(names = "--redis", description = "Redis host:port (default 127.0.0.1:6379)")
  String redis = "127.0.0.1:6379";

  @Option(names = "--redis-prefix", description = "key prefix (default: lakeml:<project>)")
  String redisPrefix;

  @Option(names = "--retain", description = "snapshots to keep, at least 2 (default 3)")
  int retain = 3;

  @Option(
      names = "--no-predictions",
      description = "leave the predictions.<model> tables out (default: their newest date is in)")
  boolean noPredictions;

  @Option(names = "--partitions", description = "Spark partitions, one SST file each")
  Integer partitions;

  @Override
  void check() {
    if (retain < 2) {
      throw new LakemlCli.UsageException(
          "--retain must be at least 2: the current and the previous snapshot are always kept");
    }
  }

  @Override
  int run(LakemlContext ctx) {
    PublishJob job = new PublishJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info);
    List<FeatureViewSpec> chosen = new ArrayList<>();
    if (views.isEmpty()) {
      chosen.addAll(FeaturesCommand.views(ctx, null));
    } else {
      views.forEach(v -> chosen.add(ctx.view(v)));
    }
    List<PublishJob.ViewData> data = new ArrayList<>(job.latest(chosen, Optional.ofNullable(asOf)));
    if (!noPredictions) {
      List<PublishJob.ViewData> predictions = job.latestPredictions(data.size() + 1);
      predictions.forEach(p -> ctx.info("  " + p.entry().name() + ": newest date's predictions"));
      data.addAll(predictions);
    }
    int n =
        partitions != null
            ? partitions
            : Math.max(2, ctx.spark.sparkContext().defaultParallelism());
    PublishJob.Result r;
    String where;
    if (backend == Backend.ROCKSDB) {
      Path root = Path.of(onlinePath != null ? onlinePath : onlineRoot(ctx));
      r = job.publishRocksDb(data, root, n, retain);
      where = root.toString();
    } else {
      String[] hp = redis.split(":");
      if (hp.length != 2 || !hp[1].matches("\\d{1,5}")) {
        throw new LakemlCli.UsageException("--redis '" + redis + "' is not host:port");
      }
      String prefix = redisPrefix != null ? redisPrefix : "lakeml:" + ctx.project.name();
      r = job.publishRedis(data, hp[0], Integer.parseInt(hp[1]), prefix, n, retain);
      where = "redis://" + redis + " prefix " + prefix;
    }
    SnapshotManifest m = r.manifest();
    ctx.out.printf(
        "online snapshot v%d at %s: %,d rows in %.1f s%n",
        m.version(), where, m.totalRows(), r.seconds());
    for (SnapshotManifest.ViewEntry v : m.views()) {
      ctx.out.printf(
          "  %-20s %,9d entities, as of %s, from %s version %d%n",
          v.name(), v.rows(), v.featuresAsOf(), v.sourceTable(), v.sourceDeltaVersion());
    }
    if (!r.collected().isEmpty()) {
      ctx.out.println("  garbage collected versions " + r.collected());
    }
    return LakemlCli.OK;
  }

  static String onlineRoot(LakemlContext ctx) {
    String root = ctx.lakehouse.root();
    try {
      return ctx.lakehouse.localRoot().resolve("_online").toString();
    } catch (dev.lakeml.lakehouse.LakehouseException notLocal) {
      throw new LakemlCli.UsageException(
          "the lakehouse is at "
              + root
              + "; RocksDB snapshots need a local or mounted folder: give --online-path");
    }
  }
}
