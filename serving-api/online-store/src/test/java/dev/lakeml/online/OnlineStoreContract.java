package dev.lakeml.online;

import static dev.lakeml.schemas.snapshot.TestData.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.TestData;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every online store backend must answer, asserted identically for RocksDB and Redis: the same
 * rows published give the same vectors, statuses and TTL decisions.
 */
abstract class OnlineStoreContract {

  /** Publishes {@code rows} as the given version and switches the pointer to it. */
  abstract void publish(long version, List<TestData.Row> rows);

  abstract long nextVersion();

  abstract OnlineFeatureReader open();

  abstract List<Long> garbageCollect(int retain);

  abstract List<Long> completeVersions();

  /** Whether any data of the version is still stored. */
  abstract boolean hasData(long version);

  static Map<String, Object> values(Object... namesAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return m;
  }

  @Test
  void servesFoundMissingAndExpiredVectors() {
    publish(nextVersion(), TestData.rows(0));
    try (OnlineFeatureReader reader = open()) {
      FeatureVector found = reader.get("customer_activity", List.of(42L), NOW);
      assertThat(found.status()).isEqualTo(FeatureVector.Status.FOUND);
      assertThat(found.eventTime()).isEqualTo(NOW.minusSeconds(10 * 86_400));
      assertThat(found.values())
          .containsExactlyEntriesOf(
              values(
                  "orders_7d",
                  3L,
                  "spend_30d",
                  120.5,
                  "last_purchase_ts",
                  Instant.parse("2024-05-30T08:15:30.123456Z"),
                  "segment",
                  "gold",
                  "is_active",
                  true));
      assertThat(List.copyOf(found.values().keySet()))
          .containsExactly("orders_7d", "spend_30d", "last_purchase_ts", "segment", "is_active");
      assertThat(found.snapshotCreatedAt()).isEqualTo(reader.manifest().createdAt());

      FeatureVector nulls = reader.get("customer_activity", List.of(-5L), NOW);
      assertThat(nulls.status()).isEqualTo(FeatureVector.Status.FOUND);
      assertThat(nulls.values())
          .containsExactlyEntriesOf(
              values(
                  "orders_7d", 0L,
                  "spend_30d", null,
                  "last_purchase_ts", null,
                  "segment", null,
                  "is_active", false));

      FeatureVector missing = reader.get("customer_activity", List.of(999L), NOW);
      assertThat(missing.status()).isEqualTo(FeatureVector.Status.MISSING);
      assertThat(missing.eventTime()).isNull();
      assertThat(missing.values()).hasSize(5).containsKey("segment");
      assertThat(missing.values().values()).containsOnlyNulls();

      // 40 days old with a 30-day TTL: expired, values withheld, event time told.
      FeatureVector expired = reader.get("customer_activity", List.of(7L), NOW);
      assertThat(expired.status()).isEqualTo(FeatureVector.Status.EXPIRED);
      assertThat(expired.eventTime()).isEqualTo(NOW.minusSeconds(40 * 86_400));
      assertThat(expired.values().values()).hasSize(5).containsOnlyNulls();
      // ... but found when asked at a time the row was still fresh: TTL is applied at read time.
      assertThat(
              reader.get("customer_activity", List.of(7L), NOW.minusSeconds(20 * 86_400)).status())
          .isEqualTo(FeatureVector.Status.FOUND);
      // Exactly at the TTL boundary the row is still served (expired means older than at - ttl).
      Instant boundary = NOW.minusSeconds(40 * 86_400).plusSeconds(30 * 86_400);
      assertThat(reader.get("customer_activity", List.of(7L), boundary).status())
          .isEqualTo(FeatureVector.Status.FOUND);
      assertThat(reader.get("customer_activity", List.of(7L), boundary.plusNanos(1_000)).status())
          .isEqualTo(FeatureVector.Status.EXPIRED);

      // TTL 0 means no TTL: 400 days old and still served.
      FeatureVector old = reader.get("product_stats", List.of("85123A"), NOW);
      assertThat(old.status()).isEqualTo(FeatureVector.Status.FOUND);
      assertThat(old.values())
          .containsExactlyEntriesOf(
              values("price", 2.55, "units_30d", 1000L, "title", "WHITE HANGING HEART"));
      assertThat(reader.get("product_stats", List.of("ünïcødé-😀"), NOW).values())
          .containsEntry("title", "Grüße 😀");
      // A key that is a prefix of a stored key is a different key.
      assertThat(reader.get("product_stats", List.of("85123"), NOW).status())
          .isEqualTo(FeatureVector.Status.MISSING);
    }
  }

  @Test
  void getAllReadsThreeViewsFromOneSnapshot() {
    publish(nextVersion(), TestData.rows(0));
    try (OnlineFeatureReader reader = open()) {
      Map<String, List<?>> request = new LinkedHashMap<>();
      request.put("customer_product", List.of(42L, "85123A"));
      request.put("customer_activity", List.of(42L));
      request.put("product_stats", List.of("85123A"));
      Map<String, FeatureVector> all = reader.getAll(request, NOW);
      assertThat(List.copyOf(all.keySet()))
          .containsExactly("customer_product", "customer_activity", "product_stats");
      request.forEach(
          (view, key) -> assertThat(all.get(view)).isEqualTo(reader.get(view, key, NOW)));
      assertThat(all.get("customer_product").values())
          .containsExactlyEntriesOf(values("bought_90d", 4L));
      assertThat(all.values())
          .extracting(FeatureVector::status)
          .containsOnly(FeatureVector.Status.FOUND);

      Map<String, List<?>> mixed = new LinkedHashMap<>();
      mixed.put("customer_activity", List.of(7L));
      mixed.put("product_stats", List.of("nope"));
      mixed.put("customer_product", List.of(42L, "85123AB"));
      assertThat(reader.getAll(mixed, NOW).values())
          .extracting(FeatureVector::status)
          .containsExactly(
              FeatureVector.Status.EXPIRED,
              FeatureVector.Status.MISSING,
              FeatureVector.Status.EXPIRED);
    }
  }

  @Test
  void refreshSwitchesToTheNewerSnapshot() {
    publish(nextVersion(), TestData.rows(0));
    try (OnlineFeatureReader reader = open()) {
      assertThat(reader.refresh()).isFalse();
      long v1 = reader.manifest().version();
      publish(nextVersion(), TestData.rows(1));
      // Until refreshed, the reader keeps answering from its snapshot.
      assertThat(reader.get("customer_activity", List.of(42L), NOW).values())
          .containsEntry("orders_7d", 3L);
      assertThat(reader.refresh()).isTrue();
      assertThat(reader.manifest().version()).isEqualTo(v1 + 1);
      assertThat(reader.get("customer_activity", List.of(42L), NOW).values())
          .containsEntry("orders_7d", 4L);
      assertThat(reader.get("product_stats", List.of("85123A"), NOW).values())
          .containsEntry("units_30d", 1001L);
      assertThat(reader.get("customer_activity", List.of(42L), NOW).snapshotCreatedAt())
          .isEqualTo(TestData.createdAt(v1 + 1));
      assertThat(reader.refresh()).isFalse();
    }
  }

  @Test
  void garbageCollectionKeepsTheCurrentAndThePreviousSnapshot() {
    publish(1, TestData.rows(0));
    publish(2, TestData.rows(1));
    assertThat(garbageCollect(2)).isEmpty();
    assertThat(hasData(1)).isTrue();

    publish(3, TestData.rows(2));
    assertThat(completeVersions()).containsExactly(1L, 2L, 3L);
    assertThat(garbageCollect(2)).containsExactly(1L);
    assertThat(completeVersions()).containsExactly(2L, 3L);
    assertThat(hasData(1)).isFalse();
    assertThat(hasData(2)).isTrue();
    assertThat(hasData(3)).isTrue();
    assertThat(garbageCollect(2)).isEmpty();
    assertThat(nextVersion()).isEqualTo(4);
    try (OnlineFeatureReader reader = open()) {
      assertThat(reader.manifest().version()).isEqualTo(3);
      assertThat(reader.get("customer_activity", List.of(42L), NOW).values())
          .containsEntry("orders_7d", 5L);
    }
    assertThatThrownBy(() -> garbageCollect(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retain must be 2 or more");
  }

  @Test
  void manifestIsServedAsPublished() {
    publish(nextVersion(), TestData.rows(0));
    try (OnlineFeatureReader reader = open()) {
      SnapshotManifest m = reader.manifest();
      assertThat(m.viewNames())
          .containsExactly("customer_activity", "product_stats", "customer_product");
      assertThat(m.views())
          .extracting(SnapshotManifest.ViewEntry::rows)
          .containsExactly(4L, 2L, 3L);
      assertThat(m.view("customer_product").orElseThrow().keys())
          .isEqualTo(TestData.CUSTOMER_PRODUCT.keys());
    }
  }

  @Test
  void refusesUnknownViewsAndBadKeysNamingThem() {
    publish(nextVersion(), TestData.rows(0));
    try (OnlineFeatureReader reader = open()) {
      assertThatThrownBy(() -> reader.get("customers", List.of(42L), NOW))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown feature view 'customers'")
          .hasMessageContaining("customer_activity, product_stats, customer_product");
      assertThatThrownBy(() -> reader.get("customer_product", List.of(42L), NOW))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("customer_product")
          .hasMessageContaining("customer_id long, stock_code string")
          .hasMessageContaining("expected 2 value(s), got 1");
      assertThatThrownBy(() -> reader.get("customer_activity", List.of("42"), NOW))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key column 'customer_id' expects a long");
      assertThatThrownBy(() -> reader.get("customer_activity", Arrays.asList((Object) null), NOW))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key column 'customer_id' is null");
      Map<String, List<?>> request = new LinkedHashMap<>();
      request.put("customer_activity", List.of(42L));
      request.put("nope", List.of(1L));
      assertThatThrownBy(() -> reader.getAll(request, NOW))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown feature view 'nope'");
    }
  }
}
