package dev.lakeml.schemas.snapshot;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side of a manifest, shared by the backends: finds views, encodes request keys and turns
 * stored rows into {@link FeatureVector}s, applying the TTL. Built once per snapshot so that a
 * request does no parsing and no lookups beyond a small hash map.
 */
public final class SnapshotSchema {
  private final SnapshotManifest manifest;
  private final String origin;
  private final Map<String, View> views = new HashMap<>();

  /**
   * @param origin the snapshot's location, for messages
   */
  public SnapshotSchema(SnapshotManifest manifest, String origin) {
    this.manifest = manifest;
    this.origin = origin;
    for (SnapshotManifest.ViewEntry v : manifest.views()) {
      views.put(v.name(), new View(v));
    }
  }

  public SnapshotManifest manifest() {
    return manifest;
  }

  public View view(String name) {
    View v = views.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "unknown feature view '"
              + name
              + "'; snapshot v"
              + manifest.version()
              + " ("
              + origin
              + ") has: "
              + String.join(", ", manifest.viewNames()));
    }
    return v;
  }

  public final class View {
    private final SnapshotManifest.ViewEntry entry;
    private final FeatureRowCodec codec;
    private final String[] names;
    private final ColumnValues nulls;
    private final long ttlMicros;

    View(SnapshotManifest.ViewEntry entry) {
      this.entry = entry;
      this.codec = new FeatureRowCodec(entry.features());
      this.names = entry.features().stream().map(FeatureColumn::name).toArray(String[]::new);
      this.nulls = new ColumnValues(names, new Object[names.length]);
      this.ttlMicros =
          entry.ttlSeconds() > Long.MAX_VALUE / 1_000_000L
              ? Long.MAX_VALUE
              : entry.ttlSeconds() * 1_000_000L;
    }

    /** The view's manifest entry. */
    public SnapshotManifest.ViewEntry entry() {
      return entry;
    }

    public byte[] key(List<?> values) {
      try {
        return KeyCodec.encode(entry.viewId(), entry.keys(), values);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "feature view '" + entry.name() + "': " + e.getMessage(), e);
      }
    }

    /** The vector for a stored row, or for no row when {@code stored} is null. */
    public FeatureVector vector(byte[] key, byte[] stored, Instant at) {
      if (stored == null) {
        return new FeatureVector(
            entry.name(), FeatureVector.Status.MISSING, nulls, null, manifest.createdAt());
      }
      try {
        long eventMicros = codec.eventTimeMicros(stored);
        Instant eventTime = Micros.toInstant(eventMicros);
        if (entry.ttlSeconds() > 0 && isExpired(eventMicros, at)) {
          return new FeatureVector(
              entry.name(), FeatureVector.Status.EXPIRED, nulls, eventTime, manifest.createdAt());
        }
        return new FeatureVector(
            entry.name(),
            FeatureVector.Status.FOUND,
            new ColumnValues(names, codec.values(stored)),
            eventTime,
            manifest.createdAt());
      } catch (IllegalArgumentException e) {
        throw new SnapshotException(
            "snapshot v"
                + manifest.version()
                + " ("
                + origin
                + "), view '"
                + entry.name()
                + "', key "
                + Bytes.hex(key)
                + ": the stored row does not decode with the manifest's columns: "
                + e.getMessage(),
            e);
      }
    }

    private boolean isExpired(long eventMicros, Instant at) {
      long atMicros = Micros.of(at);
      // eventTime < at - ttl, written so that it cannot overflow.
      if (eventMicros >= atMicros) {
        return false;
      }
      long age = atMicros - eventMicros;
      return age < 0 || age > ttlMicros; // age < 0: the subtraction overflowed, so very old
    }
  }
}
