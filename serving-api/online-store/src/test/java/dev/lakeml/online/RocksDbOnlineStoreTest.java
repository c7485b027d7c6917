package dev.lakeml.online;

import static dev.lakeml.schemas.snapshot.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.sealed.SealedFolder;
import dev.lakeml.schemas.snapshot.FeatureRowCodec;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbOnlineStoreTest extends OnlineStoreContract {
  @TempDir Path root;

  private RocksDbSnapshotStore store() {
    return new RocksDbSnapshotStore(root);
  }

  /** Publishes like the Spark job: one SST file per view (disjoint ranges), then commit. */
  @Override
  void publish(long version, List<TestData.Row> rows) {
    publishRocksDb(root, version, rows);
  }

  /** Publishes {@code rows} under {@code root} as the Spark job does (shared with other tests). */
  static void publishRocksDb(Path root, long version, List<TestData.Row> rows) {
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(root);
    Path staging = store.stagingDir(version);
    List<Path> files = new ArrayList<>();
    for (SnapshotManifest.ViewEntry view : TestData.VIEWS) {
      List<TestData.Row> ofView = rows.stream().filter(r -> r.view().equals(view)).toList();
      Path file = staging.resolve("part-%05d.sst".formatted(files.size()));
      long written = RocksDbSnapshotStore.writeSst(file, TestData.sortedEntries(ofView).iterator());
      assertThat(written).isEqualTo(ofView.size());
      files.add(file);
    }
    Collections.reverse(files); // the order of the list must not matter
    SnapshotManifest written =
        store.commit(TestData.manifest(version, SnapshotManifest.ROCKSDB, rows), files);
    assertThat(written.files()).isNotEmpty();
    assertThat(written.files())
        .extracting(dev.lakeml.schemas.sealed.SealedFile::path)
        .allMatch(p -> p.startsWith("db/"));
  }

  @Override
  long nextVersion() {
    return store().nextVersion();
  }

  @Override
  OnlineFeatureReader open() {
    return RocksDbOnlineStore.open(root);
  }

  @Override
  List<Long> garbageCollect(int retain) {
    return store().garbageCollect(retain);
  }

  @Override
  List<Long> completeVersions() {
    return store().versions();
  }

  @Override
  boolean hasData(long version) {
    return Files.exists(store().snapshotDir(version));
  }

  private Path largestSst(long version) throws IOException {
    try (Stream<Path> files = Files.list(store().snapshotDir(version).resolve("db"))) {
      return files
          .filter(p -> p.toString().endsWith(".sst"))
          .max(Comparator.comparingLong(RocksDbOnlineStoreTest::size))
          .orElseThrow();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void layoutIsVersionFoldersWithManifestAndPointer() throws IOException {
    publish(1, TestData.rows(0));
    Path dir = root.resolve("snapshots/v000001");
    assertThat(dir.resolve("manifest.yaml")).isRegularFile();
    assertThat(dir.resolve("_sst")).doesNotExist();
    assertThat(Files.readString(root.resolve("CURRENT")))
        .isEqualTo("1 " + SealedFolder.sha256(dir.resolve("manifest.yaml")) + "\n");
    assertThat(store().currentVersion()).contains(1L);
    assertThat(store().versions()).containsExactly(1L);
    assertThat(store().nextVersion()).isEqualTo(2);
    // An abandoned publish still takes its number.
    store().stagingDir(2);
    assertThat(store().nextVersion()).isEqualTo(3);
    assertThat(store().versions()).containsExactly(1L);
  }

  @Test
  void servingLeavesTheSnapshotFolderUntouched() throws IOException {
    publish(1, TestData.rows(0));
    Path db = store().snapshotDir(1).resolve("db");
    List<String> before = listing(db);
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root)) {
      reader.get("customer_activity", List.of(42L), NOW);
    }
    assertThat(listing(db)).isEqualTo(before).noneMatch(name -> name.startsWith("LOG"));
    // ... so it verifies again: no file changed.
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root)) {
      assertThat(reader.version()).isEqualTo(1);
    }
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName() + ":" + size(p)).sorted().toList();
    }
  }

  @Test
  void refusesAFileWhoseContentChanged() throws IOException {
    publish(1, TestData.rows(0));
    Path sst = largestSst(1);
    byte[] bytes = Files.readAllBytes(sst);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(sst, bytes);
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("snapshot v1")
        .hasMessageContaining("is damaged")
        .hasMessageContaining(sst.toString())
        .hasMessageContaining("SHA-256")
        .hasMessageContaining("db/" + sst.getFileName());
  }

  @Test
  void refusesAFileWhoseSizeChanged() throws IOException {
    publish(1, TestData.rows(0));
    Path sst = largestSst(1);
    long size = Files.size(sst);
    Files.write(sst, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(sst.toString())
        .hasMessageContaining("has " + (size + 1) + " bytes")
        .hasMessageContaining("lists " + size + " bytes");
  }

  @Test
  void refusesADeletedFile() throws IOException {
    publish(1, TestData.rows(0));
    Path sst = largestSst(1);
    Files.delete(sst);
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("db/" + sst.getFileName() + " is listed in")
        .hasMessageContaining("manifest.yaml")
        .hasMessageContaining("is missing");
  }

  @Test
  void refusesAnUnlistedFile() throws IOException {
    publish(1, TestData.rows(0));
    Path extra = store().snapshotDir(1).resolve("db/999999.sst");
    Files.writeString(extra, "x");
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(extra + " is not listed in");
  }

  @Test
  void refusesASnapshotWithoutManifest() throws IOException {
    publish(1, TestData.rows(0));
    Path manifest = store().snapshotDir(1).resolve("manifest.yaml");
    Files.delete(manifest);
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("snapshot v1 under " + root)
        .hasMessageContaining("is incomplete")
        .hasMessageContaining(manifest + " is missing");
  }

  @Test
  void refusesARootWithNothingPublished() {
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("no snapshot published yet under " + root);
  }

  @Test
  void refusesAManifestChangedAfterTheCommit() throws IOException {
    publish(1, TestData.rows(0));
    Path manifest = store().snapshotDir(1).resolve("manifest.yaml");
    String text = Files.readString(manifest);
    assertThat(text).contains("name: orders_7d");
    // Renaming a feature changes no data file: only the pointer's digest of the manifest sees it.
    Files.writeString(manifest, text.replace("name: orders_7d", "name: invoices_8d"));
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(manifest + " has SHA-256 " + SealedFolder.sha256(manifest))
        .hasMessageContaining(root.resolve("CURRENT") + " names ")
        .hasMessageContaining("the manifest was changed after the commit");
  }

  @Test
  void refusesAPointerWithoutAManifestDigest() throws IOException {
    publish(1, TestData.rows(0));
    Files.writeString(root.resolve("CURRENT"), "1\n");
    assertThat(store().currentVersion()).contains(1L);
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("names version 1 without the SHA-256 of its manifest")
        .hasMessageContaining("publish again");
  }

  @Test
  void refusesAManifestWithAWrongValueNamingFileAndKey() throws IOException {
    publish(1, TestData.rows(0));
    Path manifest = store().snapshotDir(1).resolve("manifest.yaml");
    Files.writeString(
        manifest, Files.readString(manifest).replace("ttl_seconds: 2592000", "ttl_seconds: 30d"));
    // A publisher that wrote such a manifest would have digested it as it is.
    Files.writeString(root.resolve("CURRENT"), "1 " + SealedFolder.sha256(manifest) + "\n");
    assertThatThrownBy(() -> RocksDbOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(manifest.toString())
        .hasMessageContaining("views[0].ttl_seconds")
        .hasMessageContaining("expected a whole number, found '30d'");
  }

  @Test
  void refreshKeepsServingWhenTheNewSnapshotIsDamaged() throws IOException {
    publish(1, TestData.rows(0));
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root)) {
      publish(2, TestData.rows(1));
      Files.delete(largestSst(2));
      assertThatThrownBy(reader::refresh)
          .isInstanceOf(SnapshotException.class)
          .hasMessageContaining("snapshot v2")
          .hasMessageContaining("is missing");
      assertThat(reader.version()).isEqualTo(1);
      assertThat(reader.get("customer_activity", List.of(42L), NOW).values())
          .containsEntry("orders_7d", 3L);
    }
  }

  @Test
  void refreshNeverClosesASnapshotWhileRequestsUseIt() throws Exception {
    publish(1, TestData.rows(0));
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root)) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong reads = new AtomicLong();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      Map<String, List<?>> request = new LinkedHashMap<>();
      request.put("customer_activity", List.of(42L));
      request.put("product_stats", List.of("85123A"));
      request.put("customer_product", List.of(42L, "85123A"));
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread thread =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    try {
                      Map<String, FeatureVector> all = reader.getAll(request, NOW);
                      long orders = (Long) all.get("customer_activity").values().get("orders_7d");
                      long units = (Long) all.get("product_stats").values().get("units_30d");
                      // Both views come from one snapshot: generation g has 3+g and 1000+g.
                      if (units - 1000 != orders - 3) {
                        throw new AssertionError("mixed snapshots: " + all);
                      }
                      reads.incrementAndGet();
                    } catch (Throwable e) {
                      failures.add(e);
                      return;
                    }
                  }
                });
        thread.start();
        threads.add(thread);
      }
      for (int g = 1; g <= 6; g++) {
        publish(g + 1, TestData.rows(g));
        assertThat(reader.refresh()).isTrue();
        store().garbageCollect(2);
      }
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(10_000);
      }
      assertThat(failures).isEmpty();
      assertThat(reads.get()).isPositive();
      assertThat(reader.version()).isEqualTo(7);
      assertThat(store().versions()).containsExactly(6L, 7L);
    }
  }

  @Test
  void closedStoreRefusesReads() {
    publish(1, TestData.rows(0));
    RocksDbOnlineStore reader = RocksDbOnlineStore.open(root);
    reader.close();
    reader.close();
    assertThatThrownBy(() -> reader.get("customer_activity", List.of(42L), NOW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void commitRefusesAVersionThatIsAlreadyCommitted() {
    publish(1, TestData.rows(0));
    assertThatThrownBy(
            () ->
                store()
                    .commit(TestData.manifest(1, SnapshotManifest.ROCKSDB, List.of()), List.of()))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("snapshot v1 under " + root + " is already committed")
        .hasMessageContaining("publish version 2 instead");
    assertThatThrownBy(() -> store().stagingDir(1))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("is already committed");
  }

  @Test
  void commitRefusesOverlappingFiles() {
    List<TestData.Row> rows = TestData.rows(0);
    List<Map.Entry<byte[], byte[]>> entries = TestData.sortedEntries(rows);
    Path staging = store().stagingDir(1);
    // Two files that interleave: every other entry (sorted within each file, not across).
    List<Map.Entry<byte[], byte[]>> even = new ArrayList<>();
    List<Map.Entry<byte[], byte[]>> odd = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      (i % 2 == 0 ? even : odd).add(entries.get(i));
    }
    Path a = staging.resolve("part-00000.sst");
    Path b = staging.resolve("part-00001.sst");
    RocksDbSnapshotStore.writeSst(a, even.iterator());
    RocksDbSnapshotStore.writeSst(b, odd.iterator());
    assertThatThrownBy(
            () ->
                store().commit(TestData.manifest(1, SnapshotManifest.ROCKSDB, rows), List.of(a, b)))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(a.toString())
        .hasMessageContaining(b.toString())
        .hasMessageContaining("overlap")
        .hasMessageContaining("orderBy");
    assertThat(store().currentVersion()).isEmpty();
  }

  @Test
  void commitRefusesRowCountsThatDoNotMatchTheFiles() {
    List<TestData.Row> rows = TestData.rows(0);
    Path file = store().stagingDir(1).resolve("part-00000.sst");
    RocksDbSnapshotStore.writeSst(file, TestData.sortedEntries(rows.subList(0, 5)).iterator());
    assertThatThrownBy(
            () ->
                store().commit(TestData.manifest(1, SnapshotManifest.ROCKSDB, rows), List.of(file)))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining(
            "declares 9 rows (customer_activity=4, product_stats=2, customer_product=3)")
        .hasMessageContaining("hold 5 entries");
  }

  @Test
  void commitRefusesAnotherBackend() {
    assertThatThrownBy(
            () ->
                store().commit(TestData.manifest(1, SnapshotManifest.REDIS, List.of()), List.of()))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("backend 'redis'");
  }

  @Test
  void commitOfNoFilesPublishesAnEmptySnapshot() {
    store().commit(TestData.manifest(1, SnapshotManifest.ROCKSDB, List.of()), List.of());
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root)) {
      assertThat(reader.get("customer_activity", List.of(42L), NOW).status())
          .isEqualTo(FeatureVector.Status.MISSING);
    }
  }

  @Test
  void garbageCollectionDeletesAbandonedPublishesOlderThanTheCurrent() {
    store().stagingDir(1); // a publish that died before committing
    publish(2, TestData.rows(0));
    store().stagingDir(3); // a publish still running
    assertThat(store().garbageCollect(2)).containsExactly(1L);
    assertThat(store().snapshotDir(1)).doesNotExist();
    assertThat(store().snapshotDir(3)).exists();
  }

  @Test
  void writeSstRefusesKeysOutOfOrderOrRepeated() {
    Path file = root.resolve("part-00000.sst");
    byte[] v = {1};
    byte[] k1 = KeyCodec.encode(1, TestData.CUSTOMER.keys(), List.of(-1L));
    byte[] k2 = KeyCodec.encode(1, TestData.CUSTOMER.keys(), List.of(5L));
    assertThatThrownBy(
            () ->
                RocksDbSnapshotStore.writeSst(file, List.of(entry(k2, v), entry(k1, v)).iterator()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writing " + file)
        .hasMessageContaining("entry 1 has key " + java.util.HexFormat.of().formatHex(k1))
        .hasMessageContaining(
            "sorts before the previous key " + java.util.HexFormat.of().formatHex(k2));
    assertThat(file).doesNotExist();
    assertThatThrownBy(
            () ->
                RocksDbSnapshotStore.writeSst(
                    file, List.of(entry(k1, v), entry(k2, v), entry(k2, v)).iterator()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 2 repeats the key");
    assertThat(file).doesNotExist();
    assertThat(RocksDbSnapshotStore.writeSst(file, Collections.emptyIterator())).isZero();
    assertThat(file).doesNotExist();
    assertThat(RocksDbSnapshotStore.writeSst(file, List.of(entry(k1, v), entry(k2, v)).iterator()))
        .isEqualTo(2);
    assertThat(file).isRegularFile();
  }

  private static Map.Entry<byte[], byte[]> entry(byte[] k, byte[] v) {
    return new AbstractMap.SimpleImmutableEntry<>(k, v);
  }

  @Test
  void readsAManyFileSnapshotWithManyKeys() {
    // 50,000 customers in 5 range-partitioned files, as Spark's orderBy would write them.
    SnapshotManifest.ViewEntry view = TestData.CUSTOMER;
    FeatureRowCodec codec = new FeatureRowCodec(view.features());
    Instant t = NOW.minusSeconds(3600);
    List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
    for (long id = -25_000; id < 25_000; id++) {
      entries.add(
          entry(
              KeyCodec.encode(view.viewId(), view.keys(), List.of(id)),
              codec.encode(t, t, new Object[] {id, id * 0.5, t, "s" + id, id % 2 == 0})));
    }
    Path staging = store().stagingDir(1);
    List<Path> files = new ArrayList<>();
    for (int p = 0; p < 5; p++) {
      Path f = staging.resolve("part-%05d.sst".formatted(p));
      RocksDbSnapshotStore.writeSst(f, entries.subList(p * 10_000, (p + 1) * 10_000).iterator());
      files.add(f);
    }
    List<SnapshotManifest.ViewEntry> views =
        new ArrayList<>(TestData.manifest(1, SnapshotManifest.ROCKSDB, List.of()).views());
    views.set(0, withRows(views.get(0), 50_000));
    SnapshotManifest m = TestData.manifest(1, SnapshotManifest.ROCKSDB, List.of());
    store()
        .commit(
            new SnapshotManifest(
                m.formatVersion(), 1, m.project(), m.createdAt(), m.backend(), views, List.of()),
            files);
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root)) {
      for (long id : new long[] {-25_000, -1, 0, 1, 12_345, 24_999}) {
        FeatureVector v = reader.get("customer_activity", List.of(id), NOW);
        assertThat(v.values()).containsEntry("orders_7d", id).containsEntry("segment", "s" + id);
      }
      assertThat(reader.get("customer_activity", List.of(25_000L), NOW).status())
          .isEqualTo(FeatureVector.Status.MISSING);
    }
  }

  private static SnapshotManifest.ViewEntry withRows(SnapshotManifest.ViewEntry v, long rows) {
    return new SnapshotManifest.ViewEntry(
        v.name(),
        v.viewId(),
        v.entity(),
        v.keys(),
        v.features(),
        v.ttlSeconds(),
        v.definitionHash(),
        v.sourceTable(),
        v.sourceDeltaVersion(),
        rows,
        v.featuresAsOf());
  }
}
