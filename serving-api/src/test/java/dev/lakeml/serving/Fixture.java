package dev.lakeml.serving;

import dev.lakeml.online.RedisSnapshotWriter;
import dev.lakeml.online.RocksDbSnapshotStore;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.schemas.artifact.ServingPointer;
import dev.lakeml.schemas.snapshot.FeatureColumn;
import dev.lakeml.schemas.snapshot.FeatureRowCodec;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * A lakehouse built for a test: real RocksDB snapshots written with the Spark-free writer, real
 * XGBoost models trained here and sealed, aliases.yaml as the registry writes it, and a server on
 * 127.0.0.1, port 0, talked to over real HTTP.
 */
final class Fixture implements AutoCloseable {
  static final Instant NOW = Instant.parse("2011-12-01T00:00:00Z");
  static final Path PROJECT =
      Path.of("../examples/online-retail/lakeml.yaml").toAbsolutePath().normalize();
  static final String READ_KEY = "read-key-0123456789abcdef";
  static final String ADMIN_KEY = "admin-key-0123456789abcdef";

  static final SnapshotManifest.ViewEntry CUSTOMER =
      view(
          "customer_activity",
          1,
          "customer",
          List.of(new KeyColumn("customer_id", FeatureType.LONG)),
          List.of(
              new FeatureColumn("last_purchase_ts", FeatureType.TIMESTAMP),
              new FeatureColumn("invoices_7d", FeatureType.LONG),
              new FeatureColumn("spend_30d", FeatureType.DOUBLE)),
          Duration.ofDays(180));
  static final SnapshotManifest.ViewEntry PRODUCT =
      view(
          "product_stats",
          2,
          "product",
          List.of(new KeyColumn("stock_code", FeatureType.STRING)),
          List.of(
              new FeatureColumn("avg_price_30d", FeatureType.DOUBLE),
              new FeatureColumn("last_price", FeatureType.DOUBLE)),
          Duration.ofDays(90));
  static final SnapshotManifest.ViewEntry CUSTOMER_PRODUCT =
      view(
          "customer_product",
          3,
          "customer_product",
          List.of(
              new KeyColumn("customer_id", FeatureType.LONG),
              new KeyColumn("stock_code", FeatureType.STRING)),
          List.of(new FeatureColumn("bought_90d", FeatureType.LONG)),
          Duration.ZERO);
  static final SnapshotManifest.ViewEntry PREDICTIONS =
      view(
          "predictions.customer_churn",
          4,
          "customer",
          List.of(new KeyColumn("customer_id", FeatureType.LONG)),
          List.of(
              new FeatureColumn("score", FeatureType.DOUBLE),
              new FeatureColumn("model_version", FeatureType.LONG),
              new FeatureColumn("prediction_date", FeatureType.TIMESTAMP),
              new FeatureColumn("scored_at", FeatureType.TIMESTAMP)),
          Duration.ZERO);
  static final List<SnapshotManifest.ViewEntry> VIEWS =
      List.of(CUSTOMER, PRODUCT, CUSTOMER_PRODUCT, PREDICTIONS);

  final Path root;
  final Path lakehouse;
  final Path online;
  final Path logDir;
  final Path keysFile;
  final ByteArrayOutputStream access = new ByteArrayOutputStream();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  ServingServer server;
  int port;

  Fixture(Path root) throws IOException {
    this.root = root;
    this.lakehouse = root.resolve("lakehouse");
    this.online = lakehouse.resolve("_online");
    this.logDir = root.resolve("log");
    this.keysFile = root.resolve("keys.txt");
    Files.createDirectories(lakehouse);
    Files.writeString(
        keysFile, "# test keys\napp:" + READ_KEY + ":read\nops:" + ADMIN_KEY + ":admin\n");
  }

  private static SnapshotManifest.ViewEntry view(
      String name,
      int id,
      String entity,
      List<KeyColumn> keys,
      List<FeatureColumn> features,
      Duration ttl) {
    return new SnapshotManifest.ViewEntry(
        name,
        id,
        entity,
        keys,
        features,
        ttl.toSeconds(),
        "sha256:" + name,
        "features." + name,
        7,
        0,
        NOW.minus(Duration.ofHours(6)));
  }

  record Row(SnapshotManifest.ViewEntry view, List<?> key, Instant eventTime, Object[] values) {}

  /** Rows of one publish; {@code generation} shifts customer 12347's invoices_7d (3 + g). */
  static List<Row> rows(int generation) {
    Instant last = Instant.parse("2011-11-20T10:00:00Z");
    Instant day = Instant.parse("2011-11-30T00:00:00Z");
    return List.of(
        new Row(
            CUSTOMER,
            List.of(12347L),
            NOW.minus(Duration.ofDays(2)),
            new Object[] {last, 3L + generation, 120.5}),
        new Row(
            CUSTOMER,
            List.of(12348L),
            NOW.minus(Duration.ofDays(1)),
            new Object[] {last, 0L, null}),
        new Row(
            CUSTOMER,
            List.of(99999L),
            NOW.minus(Duration.ofDays(400)),
            new Object[] {last, 1L, 1.0}),
        new Row(
            PRODUCT, List.of("85123A"), NOW.minus(Duration.ofDays(3)), new Object[] {2.55, 2.95}),
        new Row(
            CUSTOMER_PRODUCT,
            List.of(12347L, "85123A"),
            NOW.minus(Duration.ofDays(5)),
            new Object[] {4L}),
        new Row(
            CUSTOMER_PRODUCT,
            List.of(12347L, "A,B"),
            NOW.minus(Duration.ofDays(5)),
            new Object[] {1L}),
        new Row(
            PREDICTIONS,
            List.of(12347L),
            day,
            new Object[] {0.25 + generation / 100.0, 1L, day, day.plusSeconds(3600)}),
        new Row(
            PREDICTIONS,
            List.of(12348L),
            day,
            new Object[] {0.75, 1L, day, day.plusSeconds(3600)}));
  }

  /** One view's encoded rows of a generation, in unsigned key order (as the publish job sorts). */
  private static List<Map.Entry<byte[], byte[]>> entries(
      SnapshotManifest.ViewEntry v, List<Row> rows) {
    List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
    for (Row r : rows) {
      if (r.view().equals(v)) {
        entries.add(
            new AbstractMap.SimpleImmutableEntry<>(
                KeyCodec.encode(v.viewId(), v.keys(), r.key()),
                new FeatureRowCodec(v.features())
                    .encode(r.eventTime(), NOW.minusSeconds(3600), r.values())));
      }
    }
    entries.sort((a, b) -> Arrays.compareUnsigned(a.getKey(), b.getKey()));
    return entries;
  }

  private static SnapshotManifest manifest(long version, String backend, List<Row> rows) {
    List<SnapshotManifest.ViewEntry> views = new ArrayList<>();
    for (SnapshotManifest.ViewEntry v : VIEWS) {
      views.add(
          new SnapshotManifest.ViewEntry(
              v.name(),
              v.viewId(),
              v.entity(),
              v.keys(),
              v.features(),
              v.ttlSeconds(),
              v.definitionHash(),
              v.sourceTable(),
              v.sourceDeltaVersion(),
              entries(v, rows).size(),
              v.featuresAsOf()));
    }
    return new SnapshotManifest(
        SnapshotManifest.FORMAT_VERSION,
        version,
        "online-retail",
        NOW.minusSeconds(3600 - version),
        backend,
        views,
        List.of());
  }

  /**
   * Snapshot generation 0 and a champion for each scored model: customer_churn v1 (r1) and
   * line_cancellation v3 (c1), small real XGBoost boosters.
   */
  void publishWithChampions() throws Exception {
    publish(0);
    Path churn = trainModel("customer_churn", "r1", CHURN_INPUTS, 10);
    Path cancel = trainModel("line_cancellation", "c1", CANCEL_INPUTS, 10);
    aliases("customer_churn", alias("champion", 1, "xgboost", churn), null);
    aliases("line_cancellation", alias("champion", 3, "xgboost", cancel), null);
  }

  /** Publishes like the Spark job: one SST per view, then commit (which moves CURRENT). */
  long publish(int generation) {
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(online);
    long version = store.nextVersion();
    Path staging = store.stagingDir(version);
    List<Row> rows = rows(generation);
    List<Path> files = new ArrayList<>();
    for (SnapshotManifest.ViewEntry v : VIEWS) {
      Path file = staging.resolve("part-%05d.sst".formatted(files.size()));
      RocksDbSnapshotStore.writeSst(file, entries(v, rows).iterator());
      files.add(file);
    }
    store.commit(manifest(version, SnapshotManifest.ROCKSDB, rows), files);
    return version;
  }

  /** Publishes the same rows to Redis under {@code prefix}, as {@code --backend redis} does. */
  static long publishRedis(String host, int port, String prefix, int generation) {
    long version = RedisSnapshotWriter.nextVersion(host, port, prefix);
    List<Row> rows = rows(generation);
    try (RedisSnapshotWriter writer = new RedisSnapshotWriter(host, port, prefix, version)) {
      for (SnapshotManifest.ViewEntry v : VIEWS) {
        for (Map.Entry<byte[], byte[]> e : entries(v, rows)) {
          writer.put(e.getKey(), e.getValue());
        }
      }
      writer.commit(manifest(version, SnapshotManifest.REDIS, rows));
    }
    return version;
  }

  static final List<ModelInput> CHURN_INPUTS =
      List.of(
          new ModelInput("invoices_7d", InputType.DOUBLE),
          new ModelInput("spend_30d", InputType.DOUBLE),
          new ModelInput("last_purchase_ts", InputType.DAYS_BEFORE));
  static final List<ModelInput> CANCEL_INPUTS =
      List.of(
          new ModelInput("price_vs_product_avg", InputType.DOUBLE),
          new ModelInput("days_since_last_purchase", InputType.DOUBLE),
          new ModelInput("last_price", InputType.DOUBLE),
          new ModelInput("quantity", InputType.DOUBLE));

  /** Trains a small real XGBoost booster on random data and seals it as an artifact. */
  Path trainModel(String model, String run, List<ModelInput> inputs, int rounds) throws Exception {
    int width = inputs.size();
    Random random = new Random(run.hashCode());
    int n = 300;
    float[] x = new float[n * width];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < width; j++) {
        x[i * width + j] = (float) (random.nextGaussian() * 5);
        s += x[i * width + j];
      }
      y[i] = s > 0 ? 1f : 0f;
    }
    DMatrix m = new DMatrix(x, n, width, Float.NaN);
    m.setLabel(y);
    Map<String, Object> params = new HashMap<>();
    params.put("objective", "binary:logistic");
    params.put("max_depth", 3);
    params.put("eta", 0.3);
    params.put("nthread", 1);
    params.put("seed", 7);
    Booster booster = XGBoost.train(m, params, rounds, Map.of(), null, null);
    Path dir =
        Files.createDirectories(lakehouse.resolve("ml/artifacts/" + model + "/" + run + "/model"));
    booster.saveModel(dir.resolve(ModelManifest.XGBOOST_MODEL_FILE).toString());
    booster.dispose();
    m.dispose();
    ModelArtifact.seal(
        dir, ModelManifest.xgboost(model, run, NOW, inputs, Map.of("max_depth", "3"), 7));
    return dir;
  }

  /** Writes aliases.yaml with the registry's own writer ({@link ServingPointer}). */
  void aliases(
      String model,
      Map.Entry<String, ServingPointer.Target> champion,
      Map.Entry<String, ServingPointer.Target> challenger)
      throws IOException {
    Map<String, ServingPointer.Target> targets = new LinkedHashMap<>();
    for (Map.Entry<String, ServingPointer.Target> e :
        java.util.Arrays.asList(champion, challenger)) {
      if (e != null) {
        targets.put(e.getKey(), e.getValue());
      }
    }
    new ServingPointer(model, Instant.now(), targets)
        .write(ServingPointer.location(lakehouse, model));
  }

  static Map.Entry<String, ServingPointer.Target> alias(
      String name, long version, String format, Path artifact) {
    return Map.entry(
        name,
        new ServingPointer.Target(
            version,
            format,
            artifact.toString(),
            "run" + version,
            dev.lakeml.schemas.artifact.ModelArtifact.manifestSha256(artifact).orElse("")));
  }

  ServingServer start(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--project",
                PROJECT.toString(),
                "--lakehouse",
                lakehouse.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--api-keys",
                keysFile.toString(),
                "--log-dir",
                logDir.toString(),
                "--poll-interval",
                "100ms",
                "--models",
                "customer_churn,line_cancellation"));
    args.addAll(List.of(extra));
    ServingConfig config = ServingConfig.parse(args.toArray(String[]::new), Map.of());
    server =
        new ServingServer(
            config,
            Clock.fixed(NOW, ZoneOffset.UTC),
            new PrintStream(access, true, StandardCharsets.UTF_8));
    port = server.start();
    return server;
  }

  HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
    if (key != null) {
      b.header("X-API-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (key != null) {
      b.header("X-API-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  String accessLog() {
    if (server != null) {
      server.flushAccessLog();
    }
    return access.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
