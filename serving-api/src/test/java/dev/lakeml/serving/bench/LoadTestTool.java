package dev.lakeml.serving.bench;

import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.online.RocksDbSnapshotStore;
import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ServingPointer;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.regex.Pattern;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Helpers of {@code serving-api/bench/load-test.sh}, run on the app jar's classpath (no Spark):
 *
 * <ul>
 *   <li>{@code requests <online-root> <out-dir> <at>}: real keys of the current snapshot turned
 *       into wrk request files, one request per line ({@code METHOD<TAB>PATH<TAB>BODY}): only keys
 *       whose rows are FOUND at {@code at}, in a fixed shuffled order.
 *   <li>{@code publish-copy <online-root>}: publishes every row of the current snapshot again as
 *       version N+1 through {@link RocksDbSnapshotStore} (one SST file, commit, {@code CURRENT}),
 *       as the publish job would: a new, sound snapshot for the swap under load (and, on a
 *       lakehouse published before CURRENT held the manifest's digest, one the server accepts).
 *   <li>{@code digest-aliases <lakehouse>}: rewrites every {@code ml/serving/<model>/aliases.yaml}
 *       of a scratch copy with each target's {@code manifest_sha256}, as the registry writes it
 *       today (for pointers written before it recorded them).
 * </ul>
 */
public final class LoadTestTool {
  private static final int MAX_KEYS = 2000;
  private static final int BATCH = 10;
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._-]+");

  private LoadTestTool() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("requests")) {
      requests(Path.of(args[1]), Path.of(args[2]), Instant.parse(args[3]));
    } else if (args.length == 2 && args[0].equals("publish-copy")) {
      System.out.println(publishCopy(Path.of(args[1])));
    } else if (args.length == 2 && args[0].equals("digest-aliases")) {
      digestAliases(Path.of(args[1]));
    } else {
      System.err.println(
          "usage: LoadTestTool requests <online-root> <out-dir> <at> | publish-copy <online-root>"
              + " | digest-aliases <lakehouse>");
      System.exit(2);
    }
  }

  /** Every row of the current snapshot, keys in order: view name → decoded keys. */
  private static Map<String, List<List<Object>>> keys(Path root) {
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(root);
    long version = store.currentVersion().orElseThrow();
    SnapshotManifest m = manifest(store, version);
    Map<Integer, SnapshotManifest.ViewEntry> byId = new HashMap<>();
    m.views().forEach(v -> byId.put(v.viewId(), v));
    Map<String, List<List<Object>>> out = new HashMap<>();
    m.views().forEach(v -> out.put(v.name(), new ArrayList<>()));
    forEachRow(
        store.snapshotDir(version),
        (k, value) -> {
          SnapshotManifest.ViewEntry v = byId.get(KeyCodec.viewId(k));
          List<Object> key = decode(k, v.keys());
          if (!Arrays.equals(KeyCodec.encode(v.viewId(), v.keys(), key), k)) {
            throw new IllegalStateException("key decoding does not round-trip for " + key);
          }
          out.get(v.name()).add(key);
        });
    return out;
  }

  private static SnapshotManifest manifest(RocksDbSnapshotStore store, long version) {
    Path file = store.snapshotDir(version).resolve("manifest.yaml");
    try {
      return SnapshotManifest.fromYaml(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  private interface RowConsumer {
    void accept(byte[] key, byte[] value);
  }

  private static void forEachRow(Path snapshotDir, RowConsumer consumer) {
    RocksDB.loadLibrary();
    try (Options o = new Options();
        RocksDB db = RocksDB.openReadOnly(o, snapshotDir.resolve("db").toString());
        RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        consumer.accept(it.key(), it.value());
      }
      it.status();
    } catch (org.rocksdb.RocksDBException e) {
      throw new IllegalStateException("cannot read " + snapshotDir, e);
    }
  }

  /** The inverse of {@link KeyCodec#encode} (checked by re-encoding). */
  static List<Object> decode(byte[] k, List<KeyColumn> columns) {
    List<Object> out = new ArrayList<>();
    int pos = 2;
    ByteBuffer b = ByteBuffer.wrap(k);
    for (KeyColumn c : columns) {
      if (c.type() == FeatureType.LONG) {
        out.add(b.getLong(pos) ^ Long.MIN_VALUE);
        pos += 8;
      } else {
        int end = pos;
        while (k[end] != 0) {
          end++;
        }
        out.add(new String(k, pos, end - pos, StandardCharsets.UTF_8));
        pos = end + 1;
      }
    }
    return out;
  }

  private static void requests(Path root, Path outDir, Instant at) throws IOException {
    Map<String, List<List<Object>>> keys = keys(root);
    Files.createDirectories(outDir);
    String atText = at.toString();
    try (RocksDbOnlineStore store = RocksDbOnlineStore.open(root)) {
      List<List<Object>> customers = found(store, "customer_activity", keys, at);
      List<List<Object>> predicted = found(store, "predictions.customer_churn", keys, at);

      List<String> prediction = new ArrayList<>();
      for (List<Object> k : predicted) {
        prediction.add("GET\t/v1/predictions/customer_churn/" + k.get(0) + "\t");
      }
      List<String> batch = new ArrayList<>();
      for (int i = 0; i + BATCH <= predicted.size(); i += BATCH) {
        StringBuilder b = new StringBuilder("{\"keys\": [");
        for (int j = 0; j < BATCH; j++) {
          b.append(j == 0 ? "" : ", ").append(predicted.get(i + j).get(0));
        }
        batch.add("POST\t/v1/predictions/customer_churn\t" + b.append("]}"));
      }
      List<String> features = new ArrayList<>();
      List<String> churn = new ArrayList<>();
      for (List<Object> k : customers) {
        features.add("GET\t/v1/features/customer_activity/" + k.get(0) + "?at=" + atText + "\t");
        churn.add(
            "POST\t/v1/score/customer_churn\t{\"entities\": {\"customer_id\": "
                + k.get(0)
                + "}, \"at\": \""
                + atText
                + "\"}");
      }
      // line_cancellation reads a customer's and a product's views: pairs of FOUND rows.
      List<String> products = new ArrayList<>();
      for (List<Object> k : found(store, "product_stats", keys, at)) {
        if (PLAIN.matcher((String) k.get(0)).matches()) {
          products.add((String) k.get(0));
        }
      }
      List<String> cancel = new ArrayList<>();
      for (int i = 0; i < Math.min(customers.size(), products.size()); i++) {
        cancel.add(
            "POST\t/v1/score/line_cancellation\t{\"entities\": {\"customer_id\": "
                + customers.get(i).get(0)
                + ", \"stock_code\": \""
                + products.get(i)
                + "\"}, \"request\": {\"unit_price\": 2.55, \"invoice_ts\": \""
                + atText
                + "\"}, \"at\": \""
                + atText
                + "\"}");
      }
      write(outDir.resolve("prediction.txt"), prediction);
      write(outDir.resolve("prediction-batch.txt"), batch);
      write(outDir.resolve("features.txt"), features);
      write(outDir.resolve("score-churn.txt"), churn);
      write(outDir.resolve("score-cancel.txt"), cancel);
      System.out.printf(
          "snapshot v%d: %d prediction keys, %d batches of %d, %d customers, %d customer-product pairs%n",
          store.version(), prediction.size(), batch.size(), BATCH, features.size(), cancel.size());
    }
  }

  private static List<List<Object>> found(
      RocksDbOnlineStore store, String view, Map<String, List<List<Object>>> keys, Instant at) {
    List<List<Object>> all = keys.get(view);
    if (all == null) {
      throw new NoSuchElementException("the snapshot has no view " + view);
    }
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> k : all) {
      if (store.get(view, k, at).status() == FeatureVector.Status.FOUND) {
        out.add(k);
      }
    }
    Collections.shuffle(out, new Random(42));
    return out.size() > MAX_KEYS ? out.subList(0, MAX_KEYS) : out;
  }

  private static void write(Path file, List<String> lines) throws IOException {
    if (lines.isEmpty()) {
      throw new IllegalStateException("no request could be made for " + file.getFileName());
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /** Publishes the current snapshot's rows again as the next version; returns that version. */
  static long publishCopy(Path root) throws IOException {
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(root);
    long current = store.currentVersion().orElseThrow();
    SnapshotManifest m = manifest(store, current);
    long next = store.nextVersion();
    List<Map.Entry<byte[], byte[]>> rows = new ArrayList<>();
    forEachRow(
        store.snapshotDir(current),
        (k, v) -> rows.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
    Path sst = store.stagingDir(next).resolve("part-00000.sst");
    Iterator<Map.Entry<byte[], byte[]>> it = rows.iterator(); // RocksDB order = unsigned order
    RocksDbSnapshotStore.writeSst(sst, it);
    store.commit(
        new SnapshotManifest(
            m.formatVersion(), next, m.project(), Instant.now(), m.backend(), m.views(), List.of()),
        List.of(sst));
    return next;
  }

  /** Adds each target's model.yaml digest to every aliases.yaml under {@code lakehouse}. */
  static void digestAliases(Path lakehouse) throws IOException {
    Path serving = lakehouse.resolve("ml").resolve("serving");
    try (java.util.stream.Stream<Path> models = Files.list(serving)) {
      for (Path dir : models.toList()) {
        Path file = dir.resolve(ServingPointer.FILE_NAME);
        if (!Files.isRegularFile(file)) {
          continue;
        }
        ServingPointer p = ServingPointer.read(file);
        Map<String, ServingPointer.Target> targets = new java.util.LinkedHashMap<>();
        p.aliases()
            .forEach(
                (alias, t) ->
                    targets.put(
                        alias,
                        new ServingPointer.Target(
                            t.version(),
                            t.format(),
                            t.artifact(),
                            t.runId(),
                            ModelArtifact.manifestSha256(t.artifactIn(lakehouse)).orElse(""))));
        new ServingPointer(p.model(), p.writtenAt(), targets).write(file);
      }
    }
  }
}
