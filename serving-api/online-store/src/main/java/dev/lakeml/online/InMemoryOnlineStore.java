package dev.lakeml.online;

import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.SnapshotSchema;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves a RocksDB snapshot from a hash map in the heap: every row of a snapshot that {@link
 * RocksDbOnlineStore#open} verified is copied once, then lookups never leave the JVM.
 *
 * <p>It answers exactly as {@link RocksDbOnlineStore} does (the same key encoding, row decoding,
 * TTL, statuses and event times, from the same manifest); only the storage differs. It exists as
 * the in-memory ceiling of the serving load test and for small snapshots that fit in the heap; the
 * whole snapshot is held, so it is no choice for snapshots larger than a fraction of the heap.
 *
 * <p>Without reference counting: a swapped-out copy is simply garbage once the last request holding
 * it returns.
 */
public final class InMemoryOnlineStore implements OnlineFeatureReader {
  /** The block cache used while copying (the copy reads every block once). */
  private static final long COPY_CACHE_BYTES = 8L << 20;

  private final Path root;
  private final AtomicReference<Rows> current = new AtomicReference<>();
  private final Object refreshLock = new Object();

  private InMemoryOnlineStore(Path root, Rows first) {
    this.root = root;
    this.current.set(first);
  }

  /**
   * Opens and verifies the current snapshot under {@code root} with {@link RocksDbOnlineStore},
   * copies it and closes the database. {@link #refresh()} follows {@code CURRENT} the same way.
   *
   * @throws SnapshotException as {@link RocksDbOnlineStore#open(Path)} does, or when the database
   *     does not hold the rows its manifest declares
   */
  public static InMemoryOnlineStore open(Path root) {
    try (RocksDbOnlineStore rocks = RocksDbOnlineStore.open(root, COPY_CACHE_BYTES)) {
      return new InMemoryOnlineStore(root, rocks.copyRows());
    }
  }

  /**
   * A copy of the snapshot {@code source} serves now (the source stays open and owned by the
   * caller). {@link #refresh()} of the copy never switches: reopen or copy again.
   */
  public static InMemoryOnlineStore copyOf(RocksDbOnlineStore source) {
    return new InMemoryOnlineStore(null, source.copyRows());
  }

  /** The version being served. */
  public long version() {
    return rows().schema.manifest().version();
  }

  /** The number of rows held (all views). */
  public int size() {
    return rows().rows.size();
  }

  @Override
  public SnapshotManifest manifest() {
    return rows().schema.manifest();
  }

  private Rows rows() {
    Rows r = current.get();
    if (r == null) {
      throw new IllegalStateException("the in-memory online store is closed");
    }
    return r;
  }

  @Override
  public FeatureVector get(String view, List<?> key, Instant at) {
    Objects.requireNonNull(at, "at");
    Rows r = rows();
    SnapshotSchema.View v = r.schema.view(view);
    byte[] k = v.key(key);
    return v.vector(k, r.rows.get(new Key(k)), at);
  }

  @Override
  public Map<String, FeatureVector> getAll(Map<String, List<?>> keyByView, Instant at) {
    Objects.requireNonNull(at, "at");
    if (keyByView.isEmpty()) {
      return Map.of();
    }
    Rows r = rows();
    int n = keyByView.size();
    // Encode every key first, as the RocksDB multi-get does: a bad key fails before any read.
    List<SnapshotSchema.View> views = new ArrayList<>(n);
    List<byte[]> keys = new ArrayList<>(n);
    for (Map.Entry<String, List<?>> e : keyByView.entrySet()) {
      SnapshotSchema.View v = r.schema.view(e.getKey());
      views.add(v);
      keys.add(v.key(e.getValue()));
    }
    Map<String, FeatureVector> out = new LinkedHashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      SnapshotSchema.View v = views.get(i);
      byte[] k = keys.get(i);
      out.put(v.entry().name(), v.vector(k, r.rows.get(new Key(k)), at));
    }
    return out;
  }

  @Override
  public boolean refresh() {
    if (root == null) {
      return false;
    }
    synchronized (refreshLock) {
      Rows old = rows();
      long pointed =
          new RocksDbSnapshotStore(root)
              .currentVersion()
              .orElseThrow(
                  () ->
                      new SnapshotException(
                          root.resolve(RocksDbSnapshotStore.CURRENT)
                              + " disappeared; still serving v"
                              + old.schema.manifest().version()));
      if (pointed == old.schema.manifest().version()) {
        return false;
      }
      Rows next;
      try (RocksDbOnlineStore rocks = RocksDbOnlineStore.open(root, COPY_CACHE_BYTES)) {
        next = rocks.copyRows();
      }
      if (!current.compareAndSet(old, next)) {
        throw new IllegalStateException("the in-memory online store is closed");
      }
      return true;
    }
  }

  @Override
  public void close() {
    current.set(null);
  }

  /** One snapshot's rows by encoded key, with the schema that decodes them. */
  static final class Rows {
    final SnapshotSchema schema;
    final Map<Key, byte[]> rows;

    Rows(SnapshotSchema schema, HashMap<Key, byte[]> rows) {
      this.schema = schema;
      this.rows = rows;
    }
  }

  /** An encoded key as a map key: content equality, hash computed once. */
  static final class Key {
    private final byte[] bytes;
    private final int hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
