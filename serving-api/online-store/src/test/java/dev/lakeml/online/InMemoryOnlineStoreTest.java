package dev.lakeml.online;

import static dev.lakeml.schemas.snapshot.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory copy of a RocksDB snapshot answers the store contract, and as RocksDB does. */
class InMemoryOnlineStoreTest extends OnlineStoreContract {
  @TempDir Path root;

  private RocksDbSnapshotStore store() {
    return new RocksDbSnapshotStore(root);
  }

  @Override
  void publish(long version, List<TestData.Row> rows) {
    RocksDbOnlineStoreTest.publishRocksDb(root, version, rows);
  }

  @Override
  long nextVersion() {
    return store().nextVersion();
  }

  @Override
  OnlineFeatureReader open() {
    return InMemoryOnlineStore.open(root);
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

  @Test
  void answersAsRocksDbForEveryKeyAtEveryTime() {
    List<TestData.Row> rows = TestData.rows(0);
    publish(1, rows);
    List<Instant> times =
        List.of(
            NOW,
            NOW.minus(Duration.ofDays(30)),
            NOW.plus(Duration.ofDays(365)),
            Instant.EPOCH,
            Instant.parse("2100-01-01T00:00:00Z"));
    List<TestData.Row> probes = new ArrayList<>(rows);
    // Keys that are not stored: an unknown entity per view.
    probes.add(TestData.row(TestData.CUSTOMER, List.of(999L), Duration.ZERO));
    probes.add(TestData.row(TestData.PRODUCT, List.of("nope"), Duration.ZERO));
    probes.add(TestData.row(TestData.CUSTOMER_PRODUCT, List.of(42L, "8512"), Duration.ZERO));
    try (RocksDbOnlineStore rocks = RocksDbOnlineStore.open(root);
        InMemoryOnlineStore copy = InMemoryOnlineStore.copyOf(rocks);
        InMemoryOnlineStore opened = InMemoryOnlineStore.open(root)) {
      assertThat(copy.size()).isEqualTo(rows.size());
      assertThat(copy.version()).isEqualTo(1);
      assertThat(copy.manifest()).isEqualTo(rocks.manifest());
      assertThat(copy.refresh()).isFalse(); // a copy does not follow CURRENT
      int compared = 0;
      for (Instant at : times) {
        Map<String, List<?>> all = new LinkedHashMap<>();
        for (TestData.Row r : probes) {
          String view = r.view().name();
          FeatureVector expected = rocks.get(view, r.key(), at);
          assertThat(copy.get(view, r.key(), at))
              .as("%s %s at %s", view, r.key(), at)
              .isEqualTo(expected);
          assertThat(opened.get(view, r.key(), at)).isEqualTo(expected);
          all.put(view, r.key());
          compared++;
        }
        assertThat(copy.getAll(all, at)).isEqualTo(rocks.getAll(all, at));
      }
      assertThat(compared).isEqualTo(probes.size() * times.size());
    }
  }

  @Test
  void refusesWhatRocksDbRefuses() throws IOException {
    publish(1, TestData.rows(0));
    Path sst;
    try (var files = Files.list(store().snapshotDir(1).resolve("db"))) {
      sst = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(sst);
    bytes[bytes.length / 2] ^= 1;
    Files.write(sst, bytes);
    assertThatThrownBy(() -> InMemoryOnlineStore.open(root))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("SHA-256");
  }

  @Test
  void closedStoreRefusesReads() {
    publish(1, TestData.rows(0));
    InMemoryOnlineStore store = InMemoryOnlineStore.open(root);
    store.close();
    assertThatThrownBy(() -> store.get("customer_activity", List.of(42L), NOW))
        .isInstanceOf(IllegalStateException.class);
  }
}
