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
import dev.lakeml.schemas.snapshot.SnapshotPointer;
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
 * <p>{@link #poll()} opens the version {@code CURRENT} names (which checks the manifest against the
 * pointer's SHA-256 and every file against the manifest), runs a smoke lookup on every view, and
 * only then swaps it in; a snapshot that fails any step is refused, logged and counted, and the old
 * one keeps serving. {@link #rollback()} opens the previous pointer's snapshot through the same
 * checks (a snapshot damaged since it was served is refused, not served); after a rollback the
 * version rolled back from is not loaded again (a newer publish is).
 *
 * <p>With the {@code memory} backend each verified snapshot is copied into the heap ({@link
 * InMemoryOnlineStore}) and its database closed: lookups then differ from {@code rocksdb} only in
 * the storage (the load test's ceiling). With the {@code redis} backend the pointer is the key
 * {@code <prefix>:current} of a Redis that every replica shares ({@link RedisOnlineStore}); the
 * same smoke test, swap, refusal and rollback apply.
 */
final class OnlineSnapshots implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineSnapshots.class);

  /** Where snapshots come from: the pointer to the current one, and how to open one. */
  interface Source {
    /** What the pointer names now, if anything was published. */
    Optional<SnapshotPointer> pointed();

    /**
     * Opens the snapshot {@code pointer} names, verified by the store (the manifest against the
     * pointer's digest, the files against the manifest).
     */
    OnlineFeatureReader open(SnapshotPointer pointer);

    /** Where, for messages. */
    String describe();
  }

  /** Snapshots in a folder ({@code CURRENT} and {@code snapshots/vNNNNNN}), served by RocksDB. */
  static Source rocksDb(Path root, boolean copyIntoMemory) {
    return new Source() {
      @Override
      public Optional<SnapshotPointer> pointed() {
        return new RocksDbSnapshotStore(root).current();
      }

      @Override
      public OnlineFeatureReader open(SnapshotPointer pointer) {
        RocksDbOnlineStore opened =
            RocksDbOnlineStore.open(root, pointer, RocksDbOnlineStore.DEFAULT_BLOCK_CACHE_BYTES);
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

  /**
   * Snapshots in a shared Redis under {@code prefix}. Its pointer holds a version only: the
   * manifest is a Redis value, not a file beside the data, and is checked against the rows.
   */
  static Source redis(String host, int port, String prefix) {
    return new Source() {
      @Override
      public Optional<SnapshotPointer> pointed() {
        return RedisOnlineStore.currentVersion(host, port, prefix)
            .map(v -> new SnapshotPointer(v, Optional.empty()));
      }

      @Override
      public OnlineFeatureReader open(SnapshotPointer pointer) {
        return RedisOnlineStore.open(host, port, prefix, pointer.version());
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
  private volatile SnapshotPointer currentPointer;
  private volatile SnapshotPointer previousPointer;
  private volatile SnapshotPointer rolledBackFrom;
  private volatile SnapshotPointer refused;
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
    SnapshotPointer pointed;
    try {
      Optional<SnapshotPointer> p = source.pointed();
      if (p.isEmpty()) {
        if (current.peek() == null) {
          lastError = "nothing published in " + source.describe() + " (no current pointer)";
        }
        return false;
      }
      pointed = p.get();
    } catch (RuntimeException e) {
      refuse(null, e);
      return false;
    }
    if (pointed.equals(currentPointer)
        || pointed.equals(rolledBackFrom)
        || pointed.equals(refused)) {
      return false;
    }
    OnlineFeatureReader next;
    try {
      next = load(pointed);
    } catch (RuntimeException e) {
      refuse(pointed, e);
      return false;
    }
    SnapshotPointer old = currentPointer;
    switchTo(next, pointed);
    previousPointer = old;
    refused = null;
    lastError = "";
    metrics.count("lakeml_snapshot_swaps_total", "online snapshots swapped in");
    LOG.info(
        "serving online snapshot v{} ({} views, from {}){}",
        pointed.version(),
        next.manifest().views().size(),
        source.describe(),
        old == null ? "" : ", v" + old.version() + " kept for rollback");
    return true;
  }

  /**
   * The one way a snapshot is made ready to serve, for a new pointer, at start and for a rollback
   * alike: opened from its pointer (the store checks the manifest's digest and every file), then a
   * lookup through every view.
   */
  private OnlineFeatureReader load(SnapshotPointer pointer) {
    OnlineFeatureReader next = source.open(pointer);
    try {
      if (next.manifest().version() != pointer.version()) {
        throw new dev.lakeml.schemas.snapshot.SnapshotException(
            "the pointer names v"
                + pointer.version()
                + " but the snapshot opened is v"
                + next.manifest().version());
      }
      smokeTest(next);
      return next;
    } catch (RuntimeException e) {
      next.close();
      throw e;
    }
  }

  private void switchTo(OnlineFeatureReader next, SnapshotPointer pointer) {
    current.replace(new Leased<>(next, OnlineFeatureReader::close));
    currentPointer = pointer;
  }

  private void refuse(SnapshotPointer pointer, RuntimeException e) {
    refused = pointer;
    long version = pointer == null ? 0 : pointer.version();
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

  /**
   * Serves the previous snapshot again, loaded and verified the same way as a new one; the current
   * one becomes the previous. A previous snapshot that fails verification is not served: 409, and
   * the current one keeps serving.
   */
  synchronized Map<String, Object> rollback() {
    SnapshotPointer from = currentPointer;
    SnapshotPointer to = previousPointer;
    if (to == null || from == null) {
      throw new ApiException(
          409, "no-previous-snapshot", "Nothing to roll back to", "no previous snapshot is known");
    }
    OnlineFeatureReader previous;
    try {
      previous = load(to);
    } catch (RuntimeException e) {
      metrics.count(
          "lakeml_snapshot_refused_total", "online snapshots refused (corrupt, incomplete)");
      LOG.error(
          "refused to roll back to online snapshot v{}; still serving v{}: {}",
          to.version(),
          from.version(),
          e.getMessage());
      throw new ApiException(
          409,
          "previous-snapshot-refused",
          "Previous snapshot refused",
          "cannot roll back to snapshot v"
              + to.version()
              + ": "
              + e.getMessage()
              + "; still serving v"
              + from.version());
    }
    switchTo(previous, to);
    previousPointer = from;
    rolledBackFrom = from;
    metrics.count("lakeml_snapshot_rollbacks_total", "online snapshot rollbacks");
    LOG.warn("rolled back the online snapshot from v{} to v{}", from.version(), to.version());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rolled_back_from", from.version());
    out.put("snapshot_version", to.version());
    return out;
  }

  @Override
  public synchronized void close() {
    current.replace(null);
  }
}
