package dev.lakeml.online;

import static dev.lakeml.schemas.snapshot.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.snapshot.FeatureRowCodec;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.TestData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

class RedisOnlineStoreTest extends OnlineStoreContract {
  private static RedisServer server;
  private static RedisClient client;
  private String prefix;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
    client = RedisClient.create(server.host(), server.port());
  }

  @AfterAll
  static void stopRedis() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void freshPrefix() {
    // Each test gets its own key space; glob characters check that SCAN patterns are escaped.
    prefix = "lakeml[t]*" + UUID.randomUUID();
  }

  /** Publishes like the Spark job: two task writers fill the version, the driver commits. */
  @Override
  void publish(long version, List<TestData.Row> rows) {
    int half = rows.size() / 2;
    try (RedisSnapshotWriter task =
        new RedisSnapshotWriter(server.host(), server.port(), prefix, version)) {
      for (TestData.Row r : rows.subList(0, half)) {
        task.put(r.encodedKey(), r.encodedValue());
      }
      assertThat(task.written()).isEqualTo(half);
    }
    try (RedisSnapshotWriter driver =
        new RedisSnapshotWriter(server.host(), server.port(), prefix, version)) {
      for (TestData.Row r : rows.subList(half, rows.size())) {
        driver.put(r.encodedKey(), r.encodedValue());
      }
      driver.commit(TestData.manifest(version, SnapshotManifest.REDIS, rows));
    }
  }

  @Override
  long nextVersion() {
    return RedisSnapshotWriter.nextVersion(server.host(), server.port(), prefix);
  }

  @Override
  OnlineFeatureReader open() {
    return RedisOnlineStore.open(server.host(), server.port(), prefix);
  }

  @Override
  List<Long> garbageCollect(int retain) {
    return RedisSnapshotWriter.garbageCollect(server.host(), server.port(), prefix, retain);
  }

  @Override
  List<Long> completeVersions() {
    List<Long> out = new ArrayList<>();
    for (long v = 1; v < 20; v++) {
      if (client.exists((prefix + ":v" + v + ":manifest").getBytes(StandardCharsets.UTF_8))) {
        out.add(v);
      }
    }
    return out;
  }

  @Override
  boolean hasData(long version) {
    return !keysOf(version).isEmpty();
  }

  private List<byte[]> keysOf(long version) {
    String pattern = RedisKeys.escapeGlob(prefix + ":v" + version + ":") + "*";
    List<byte[]> out = new ArrayList<>();
    byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
    do {
      ScanResult<byte[]> page = client.scan(cursor, new ScanParams().match(pattern).count(1000));
      out.addAll(page.getResult());
      cursor = page.getCursorAsBytes();
    } while (!java.util.Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
    return out;
  }

  @Test
  void storesOneBinaryKeyPerRowUnderTheVersion() {
    publish(1, TestData.rows(0));
    // 9 rows + manifest + commit marker + row counts.
    assertThat(keysOf(1)).hasSize(12);
    TestData.Row row = TestData.rows(0).get(0);
    byte[] stored =
        client.get(
            RedisKeys.concat((prefix + ":v1:").getBytes(StandardCharsets.UTF_8), row.encodedKey()));
    assertThat(stored).isEqualTo(row.encodedValue());
    assertThat(client.get(prefix + ":current")).isEqualTo("1");
    assertThat(SnapshotManifest.fromYaml(client.get(prefix + ":v1:manifest"), "test").files())
        .isEmpty();
  }

  @Test
  void refusesAPrefixWithNothingPublished() {
    assertThatThrownBy(() -> RedisOnlineStore.open(server.host(), server.port(), prefix))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("no snapshot published yet under redis 127.0.0.1:" + server.port())
        .hasMessageContaining("'" + prefix + ":current' is not set");
  }

  @Test
  void refusesAPointerToAnIncompleteSnapshot() {
    publish(1, TestData.rows(0));
    client.set(prefix + ":current", "2");
    assertThatThrownBy(() -> RedisOnlineStore.open(server.host(), server.port(), prefix))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("snapshot v2")
        .hasMessageContaining("is incomplete")
        .hasMessageContaining(prefix + ":v2:manifest' is missing");
  }

  @Test
  void commitRefusesRowCountsThatDoNotMatchWhatWasWritten() {
    List<TestData.Row> rows = TestData.rows(0);
    try (RedisSnapshotWriter writer =
        new RedisSnapshotWriter(server.host(), server.port(), prefix, 1)) {
      for (TestData.Row r : rows.subList(1, rows.size())) {
        writer.put(r.encodedKey(), r.encodedValue());
      }
      assertThatThrownBy(() -> writer.commit(TestData.manifest(1, SnapshotManifest.REDIS, rows)))
          .isInstanceOf(SnapshotException.class)
          .hasMessageContaining(
              "view 'customer_activity' (view_id 1) has 4 rows but 3 are stored (counted with SCAN)");
    }
    assertThat(client.get(prefix + ":current")).isNull();
  }

  @Test
  void commitAcceptsRowsPutTwiceByARetriedTask() {
    List<TestData.Row> rows = TestData.rows(0);
    for (int attempt = 0; attempt < 2; attempt++) { // the first attempt "failed" after its puts
      try (RedisSnapshotWriter task =
          new RedisSnapshotWriter(server.host(), server.port(), prefix, 1)) {
        for (TestData.Row r : rows.subList(0, 5)) {
          task.put(r.encodedKey(), r.encodedValue());
        }
      }
    }
    try (RedisSnapshotWriter driver =
        new RedisSnapshotWriter(server.host(), server.port(), prefix, 1)) {
      for (TestData.Row r : rows.subList(5, rows.size())) {
        driver.put(r.encodedKey(), r.encodedValue());
      }
      driver.commit(TestData.manifest(1, SnapshotManifest.REDIS, rows));
    }
    try (OnlineFeatureReader reader = open()) {
      assertThat(reader.get("customer_activity", List.of(42L), NOW).status())
          .isEqualTo(FeatureVector.Status.FOUND);
    }
  }

  @Test
  void commitRefusesRowsOfUndeclaredViews() {
    try (RedisSnapshotWriter writer =
        new RedisSnapshotWriter(server.host(), server.port(), prefix, 1)) {
      writer.put(KeyCodec.encode(9, TestData.CUSTOMER.keys(), List.of(1L)), new byte[] {0});
      assertThatThrownBy(
              () -> writer.commit(TestData.manifest(1, SnapshotManifest.REDIS, List.of())))
          .isInstanceOf(SnapshotException.class)
          .hasMessageContaining("rows were written for view id(s) [9]");
    }
  }

  @Test
  void writerRefusesACommittedVersion() {
    publish(1, TestData.rows(0));
    assertThatThrownBy(() -> new RedisSnapshotWriter(server.host(), server.port(), prefix, 1))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("snapshot v1 of redis 127.0.0.1:" + server.port())
        .hasMessageContaining("is already committed")
        .hasMessageContaining("publish version 2 instead");
  }

  @Test
  void writesManyRowsInBatches() {
    SnapshotManifest.ViewEntry view = TestData.PRODUCT;
    FeatureRowCodec codec = new FeatureRowCodec(view.features());
    int n = RedisSnapshotWriter.BATCH * 2 + 17;
    try (RedisSnapshotWriter writer =
        new RedisSnapshotWriter(server.host(), server.port(), prefix, 1)) {
      for (int i = 0; i < n; i++) {
        writer.put(
            KeyCodec.encode(view.viewId(), view.keys(), List.of("p" + i)),
            codec.encode(NOW, NOW, new Object[] {i * 1.0, (long) i, "product " + i}));
      }
      List<SnapshotManifest.ViewEntry> views = new ArrayList<>();
      for (SnapshotManifest.ViewEntry v :
          TestData.manifest(1, SnapshotManifest.REDIS, List.of()).views()) {
        views.add(
            v.viewId() == view.viewId()
                ? new SnapshotManifest.ViewEntry(
                    v.name(),
                    v.viewId(),
                    v.entity(),
                    v.keys(),
                    v.features(),
                    v.ttlSeconds(),
                    v.definitionHash(),
                    v.sourceTable(),
                    v.sourceDeltaVersion(),
                    n,
                    v.featuresAsOf())
                : v);
      }
      SnapshotManifest m = TestData.manifest(1, SnapshotManifest.REDIS, List.of());
      writer.commit(
          new SnapshotManifest(1, 1, m.project(), m.createdAt(), m.backend(), views, List.of()));
    }
    try (RedisOnlineStore reader = RedisOnlineStore.open(server.host(), server.port(), prefix)) {
      assertThat(reader.get("product_stats", List.of("p2016"), NOW).values())
          .containsEntry("units_30d", 2016L)
          .containsEntry("title", "product 2016");
    }
  }

  @Test
  void aReaderWhoseSnapshotWasDeletedSwitchesInsteadOfAnsweringMissing() {
    publish(1, TestData.rows(0));
    try (RedisOnlineStore reader = RedisOnlineStore.open(server.host(), server.port(), prefix)) {
      publish(2, TestData.rows(1));
      publish(3, TestData.rows(2));
      assertThat(garbageCollect(2)).containsExactly(1L);
      assertThat(reader.version()).isEqualTo(1);
      FeatureVector v = reader.get("customer_activity", List.of(42L), NOW);
      assertThat(v.status()).isEqualTo(FeatureVector.Status.FOUND);
      assertThat(v.values()).containsEntry("orders_7d", 5L);
      assertThat(reader.version()).isEqualTo(3);
    }
  }
}
