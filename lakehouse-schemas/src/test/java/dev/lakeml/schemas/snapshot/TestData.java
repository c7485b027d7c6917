package dev.lakeml.schemas.snapshot;

import static dev.lakeml.schemas.snapshot.FeatureType.BOOLEAN;
import static dev.lakeml.schemas.snapshot.FeatureType.DOUBLE;
import static dev.lakeml.schemas.snapshot.FeatureType.LONG;
import static dev.lakeml.schemas.snapshot.FeatureType.STRING;
import static dev.lakeml.schemas.snapshot.FeatureType.TIMESTAMP;

import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Three feature views and their rows, shared by the snapshot-format tests and the online stores'
 * tests.
 */
public final class TestData {
  private TestData() {}

  /** The request time of the tests. */
  public static final Instant NOW = Instant.parse("2024-06-01T12:00:00Z");

  public static final Instant AS_OF = Instant.parse("2024-06-01T00:00:00Z");

  public static final SnapshotManifest.ViewEntry CUSTOMER =
      view(
          "customer_activity",
          1,
          "customer",
          List.of(new KeyColumn("customer_id", LONG)),
          List.of(
              new FeatureColumn("orders_7d", LONG),
              new FeatureColumn("spend_30d", DOUBLE),
              new FeatureColumn("last_purchase_ts", TIMESTAMP),
              new FeatureColumn("segment", STRING),
              new FeatureColumn("is_active", BOOLEAN)),
          Duration.ofDays(30));

  public static final SnapshotManifest.ViewEntry PRODUCT =
      view(
          "product_stats",
          2,
          "product",
          List.of(new KeyColumn("stock_code", STRING)),
          List.of(
              new FeatureColumn("price", DOUBLE),
              new FeatureColumn("units_30d", LONG),
              new FeatureColumn("title", STRING)),
          Duration.ZERO);

  public static final SnapshotManifest.ViewEntry CUSTOMER_PRODUCT =
      view(
          "customer_product",
          3,
          "customer_product",
          List.of(new KeyColumn("customer_id", LONG), new KeyColumn("stock_code", STRING)),
          List.of(new FeatureColumn("bought_90d", LONG)),
          Duration.ofDays(90));

  public static final List<SnapshotManifest.ViewEntry> VIEWS =
      List.of(CUSTOMER, PRODUCT, CUSTOMER_PRODUCT);

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
        AS_OF);
  }

  /** One stored row. */
  public record Row(
      SnapshotManifest.ViewEntry view, List<?> key, Instant eventTime, Object[] values) {
    public byte[] encodedKey() {
      return KeyCodec.encode(view.viewId(), view.keys(), key);
    }

    public byte[] encodedValue() {
      return new FeatureRowCodec(view.features()).encode(eventTime, AS_OF, values);
    }
  }

  public static Row row(
      SnapshotManifest.ViewEntry view, List<?> key, Duration age, Object... values) {
    return new Row(view, key, NOW.minus(age), values);
  }

  /**
   * The rows of one publish. {@code generation} changes some values, so a test can tell snapshots
   * apart: customer 42's {@code orders_7d} is {@code 3 + generation}.
   */
  public static List<Row> rows(int generation) {
    Instant lastPurchase = Instant.parse("2024-05-30T08:15:30.123456Z");
    return List.of(
        row(
            CUSTOMER,
            List.of(42L),
            Duration.ofDays(10),
            3L + generation,
            120.5,
            lastPurchase,
            "gold",
            true),
        row(CUSTOMER, List.of(-5L), Duration.ofDays(1), 0L, null, null, null, false),
        row(CUSTOMER, List.of(7L), Duration.ofDays(40), 9L, 99.0, lastPurchase, "silver", true),
        row(
            CUSTOMER,
            List.of(1_000_000_000_000L),
            Duration.ofHours(1),
            1L,
            1.25,
            lastPurchase,
            "new",
            null),
        row(
            PRODUCT,
            List.of("85123A"),
            Duration.ofDays(400),
            2.55,
            1000L + generation,
            "WHITE HANGING HEART"),
        row(PRODUCT, List.of("ünïcødé-😀"), Duration.ofDays(2), 0.5, 0L, "Grüße 😀"),
        row(CUSTOMER_PRODUCT, List.of(42L, "85123A"), Duration.ofDays(5), 4L),
        row(CUSTOMER_PRODUCT, List.of(42L, "85123AB"), Duration.ofDays(95), 1L),
        row(CUSTOMER_PRODUCT, List.of(-1L, ""), Duration.ofDays(1), 2L));
  }

  /** The manifest of a publish of these rows; the row counts are taken from the rows. */
  public static SnapshotManifest manifest(long version, String backend, List<Row> rows) {
    List<SnapshotManifest.ViewEntry> views = new ArrayList<>();
    for (SnapshotManifest.ViewEntry v : VIEWS) {
      long count = rows.stream().filter(r -> r.view().equals(v)).count();
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
              count,
              v.featuresAsOf()));
    }
    return new SnapshotManifest(
        SnapshotManifest.FORMAT_VERSION,
        version,
        "online-retail",
        createdAt(version),
        backend,
        views,
        List.of());
  }

  public static Instant createdAt(long version) {
    return Instant.parse("2024-06-01T03:00:00Z").plusSeconds(version);
  }

  /** Encoded entries in unsigned byte order of their keys, as Spark would sort them. */
  public static List<Map.Entry<byte[], byte[]>> sortedEntries(List<Row> rows) {
    List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new AbstractMap.SimpleImmutableEntry<>(r.encodedKey(), r.encodedValue()));
    }
    out.sort((a, b) -> Arrays.compareUnsigned(a.getKey(), b.getKey()));
    return out;
  }
}
