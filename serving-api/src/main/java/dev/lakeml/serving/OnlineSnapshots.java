package dev.lakeml.serving;

import dev.lakeml.online.InMemoryOnlineStore;
import dev.lakeml.online.OnlineFeatureReader;
import dev.lakeml.online.RedisOnlineStore;
import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.online.RocksDbSnapshotStore;
import dev.lakeml.schemas.sealed.HotSwap;
import dev.lakeml.schemas.sealed.Leased;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online snapshot being served, swapped in place when the publish job moves {@code CURRENT}.
 *
 * <p>{@link #poll()} opens the version {@code CURRENT} names (which verifies every file's size and
 * SHA-256), runs a smoke lookup on every view, and only then swaps it in; a snapshot that fails any
 * step is refused, logged and counted, and the old one keeps serving. The previous snapshot stays
 * open for {@link #rollback()}; after a rollback the version rolled back from is not loaded again
 * (a newer publish is).
 *
 * <p>With the {@code memory} backend each verified snapshot is copied into the heap ({@link
 * InMemoryOnlineStore}) and its database closed: lookups then differ from {@code rocksdb} only in
 * the storage (the load test's ceiling). With the {@code redis} backend the pointer is the key
 * {@code <prefix>:current} of a Redis that every replica shares ({@link RedisOnlineStore}); the
 * same smoke test, swap, refusal and rollback apply.
 */
final class OnlineSnapshots implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineSnapshots.class);

  /** Where snapshots come from: the pointer to the current one, and how to open it. */
  interface Source {
    /** The version the pointer names, if any. */
    Optional<Long> pointed();

    /** Opens the snapshot the pointer names (verified by the store). */
    OnlineFeatureReader open();

    /** Where, for messages. */
    String describe();
  }

  /** Snapshots in a folder ({@code CURRENT} and {@code snapshots/vNNNNNN}), served by RocksDB. */
  static Source rocksDb(Path root, boolean copyIntoMemory) {
    return new Source() {
      @Override
      public Optional<Long> pointed() {
        return new RocksDbSnapshotStore(root).currentVersion();
      }

      @Override
      public OnlineFeatureReader open() {
        RocksDbOnlineStore opened = RocksDbOnlineStore.open(root);
        if (!copyIntoMemory) {
          return opened;
        }
        try (opened) {
          return InMemoryOnlineStore.copyOf(opened);
        }
      }

      @Override
      public String describe() {
        return root.toString() + (copyIntoMemory ? " (copied into memory)" : " (rocksdb)");
      }
    };
  }

  /** Snapshots in a shared Redis under {@code prefix}. */
  static Source redis(String host, int port, String prefix) {
    return new Source() {
      @Override
      public Optional<Long> pointed() {
        return RedisOnlineStore.currentVersion(host, port, prefix);
      }

      @Override
      public OnlineFeatureReader open() {
        return RedisOnlineStore.open(host, port, prefix);
      }

      @Override
      public String describe() {
        return "redis://" + host + ":" + port + " prefix " + prefix;
      }
    };
  }

  private final Source source;
  private final Clock clock;
  private final ServingMetrics metrics;
  private final HotSwap<OnlineFeatureReader> current = new HotSwap<>();
  private final HotSwap<OnlineFeatureReader> previous = new HotSwap<>();
  private volatile long rolledBackFrom;
  private volatile long refusedVersion;
  private volatile String lastError = "no snapshot loaded yet";

  OnlineSnapshots(Source source, Clock clock, ServingMetrics metrics) {
    this.source = source;
    this.clock = clock;
    this.metrics = metrics;
    metrics.gauge(
        "lakeml_snapshot_version", "the online snapshot version served", () -> versionOrZero());
    metrics.gauge(
        "lakeml_snapshot_age_seconds",
        "seconds since the served snapshot was created",
        () -> {
          Optional<SnapshotManifest> m = manifest();
          return m.isEmpty()
              ? Double.NaN
              : Duration.between(m.get().createdAt(), clock.instant()).toMillis() / 1000.0;
        });
  }

  /** Why nothing is served, when nothing is. */
  String lastError() {
    return lastError;
  }

  long versionOrZero() {
    return manifest().map(SnapshotManifest::version).orElse(0L);
  }

  Optional<SnapshotManifest> manifest() {
    Leased<OnlineFeatureReader> l = current.acquire();
    if (l == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(l.value().manifest());
    } finally {
      l.release();
    }
  }

  /** Runs {@code read} against the current snapshot, which stays open until it returns. */
  <T> T read(Function<OnlineFeatureReader, T> read) {
    Leased<OnlineFeatureReader> l = current.acquire();
    if (l == null) {
      throw ApiException.unavailable("no online snapshot is loaded: " + lastError);
    }
    try {
      return read.apply(l.value());
    } finally {
      l.release();
    }
  }

  /**
   * Loads the snapshot {@code CURRENT} names if it is new. Never throws: a refusal is logged,
   * counted in {@code lakeml_snapshot_refused_total} and remembered (not retried until the pointer
   * changes).
   *
   * @return true if a new snapshot was swapped in
   */
  synchronized boolean poll() {
    long pointed;
    try {
      Optional<Long> v = source.pointed();
      if (v.isEmpty()) {
        if (current.peek() == null) {
          lastError = "nothing published in " + source.describe() + " (no current pointer)";
        }
        return false;
      }
      pointed = v.get();
    } catch (RuntimeException e) {
      refuse(0, e);
      return false;
    }
    if (pointed == versionOrZero() || pointed == rolledBackFrom || pointed == refusedVersion) {
      return false;
    }
    OnlineFeatureReader next;
    try {
      next = source.open();
    } catch (RuntimeException e) {
      refuse(pointed, e);
      return false;
    }
    try {
      smokeTest(next);
    } catch (RuntimeException e) {
      long version = next.manifest().version();
      next.close();
      refuse(version, e);
      return false;
    }
    Leased<OnlineFeatureReader> old =
        current.exchange(new Leased<>(next, OnlineFeatureReader::close));
    Leased<OnlineFeatureReader> retired = previous.exchange(old);
    if (retired != null) {
      retired.release();
    }
    refusedVersion = 0;
    lastError = "";
    metrics.count("lakeml_snapshot_swaps_total", "online snapshots swapped in");
    LOG.info(
        "serving online snapshot v{} ({} views, from {}){}",
        next.manifest().version(),
        next.manifest().views().size(),
        source.describe(),
        old == null ? "" : ", v" + old.value().manifest().version() + " kept for rollback");
    return true;
  }

  private void refuse(long version, RuntimeException e) {
    refusedVersion = version;
    lastError = "snapshot v" + version + " refused: " + e.getMessage();
    metrics.count(
        "lakeml_snapshot_refused_total", "online snapshots refused (corrupt, incomplete)");
    LOG.error(
        "refused online snapshot v{} in {}; still serving v{}: {}",
        version,
        source.describe(),
        versionOrZero(),
        e.getMessage());
  }

  /** One lookup per view with a key of the right types: reads and decodes through every view. */
  private void smokeTest(OnlineFeatureReader store) {
    for (SnapshotManifest.ViewEntry v : store.manifest().views()) {
      List<Object> key = new ArrayList<>();
      for (KeyColumn k : v.keys()) {
        key.add(k.type() == FeatureType.LONG ? (Object) 0L : "");
      }
      store.get(v.name(), key, clock.instant());
    }
  }

  /** Serves the previous snapshot again; the current one becomes the previous. */
  synchronized Map<String, Object> rollback() {
    long from = versionOrZero();
    Leased<OnlineFeatureReader> prev = previous.exchange(null);
    if (prev == null) {
      throw new ApiException(
          409, "no-previous-snapshot", "Nothing to roll back to", "no previous snapshot is loaded");
    }
    previous.exchange(current.exchange(prev));
    rolledBackFrom = from;
    long to = prev.value().manifest().version();
    metrics.count("lakeml_snapshot_rollbacks_total", "online snapshot rollbacks");
    LOG.warn("rolled back the online snapshot from v{} to v{}", from, to);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rolled_back_from", from);
    out.put("snapshot_version", to);
    return out;
  }

  @Override
  public synchronized void close() {
    current.replace(null);
    previous.replace(null);
  }
}
