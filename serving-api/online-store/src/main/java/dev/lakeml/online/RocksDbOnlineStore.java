package dev.lakeml.online;

import dev.lakeml.schemas.sealed.HotSwap;
import dev.lakeml.schemas.sealed.Leased;
import dev.lakeml.schemas.sealed.SealedFolder;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.SnapshotPointer;
import dev.lakeml.schemas.snapshot.SnapshotSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Serves feature vectors from the current snapshot of a {@link RocksDbSnapshotStore} folder.
 *
 * <p>Opening verifies the snapshot before trusting it: the manifest must exist, and every file it
 * lists must exist with the listed size and SHA-256 (a copy damaged in transit or on disk is
 * refused, naming the file). The database is then opened read-only.
 *
 * <p>{@link #refresh()} swaps snapshots while requests are running. Closing a RocksDB handle while
 * another thread is inside {@code get()} can crash the JVM, so every open snapshot is
 * reference-counted: the store holds one reference, each request another, and the database is
 * closed when the last one is released.
 */
public final class RocksDbOnlineStore implements OnlineFeatureReader {
  /** The default block cache: enough for the hot data blocks of a few million entities. */
  public static final long DEFAULT_BLOCK_CACHE_BYTES = 256L << 20;

  private final RocksDbSnapshotStore store;
  private final long blockCacheBytes;
  private final HotSwap<OpenSnapshot> current = new HotSwap<>();
  private final Object refreshLock = new Object();

  private RocksDbOnlineStore(RocksDbSnapshotStore store, long blockCacheBytes, OpenSnapshot first) {
    this.store = store;
    this.blockCacheBytes = blockCacheBytes;
    this.current.replace(new Leased<>(first, OpenSnapshot::close));
  }

  /** Opens the current snapshot under {@code root} with the default block cache. */
  public static RocksDbOnlineStore open(Path root) {
    return open(root, DEFAULT_BLOCK_CACHE_BYTES);
  }

  /**
   * Opens the current snapshot under {@code root}.
   *
   * @param blockCacheBytes the size of the block cache of uncompressed data blocks (per open
   *     snapshot; during a refresh two are open briefly)
   * @throws SnapshotException when nothing was published yet, the snapshot is incomplete, or a file
   *     differs from the manifest
   */
  public static RocksDbOnlineStore open(Path root, long blockCacheBytes) {
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(root);
    SnapshotPointer pointer =
        store
            .current()
            .orElseThrow(
                () ->
                    new SnapshotException(
                        "no snapshot published yet under "
                            + store.root()
                            + " ("
                            + store.root().resolve(RocksDbSnapshotStore.CURRENT)
                            + " does not exist)"));
    return open(root, pointer, blockCacheBytes);
  }

  /**
   * Opens the snapshot {@code pointer} names (CURRENT's now, or one served before, for a rollback),
   * verifying its manifest against the pointer's digest and its files against the manifest.
   */
  public static RocksDbOnlineStore open(Path root, SnapshotPointer pointer, long blockCacheBytes) {
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(root);
    return new RocksDbOnlineStore(
        store, blockCacheBytes, OpenSnapshot.open(store, pointer, blockCacheBytes));
  }

  /** The pointer of the snapshot served: its version and manifest digest. */
  public SnapshotPointer pointer() {
    return snapshot().pointer;
  }

  /** The version being served. */
  public long version() {
    return snapshot().schema.manifest().version();
  }

  @Override
  public SnapshotManifest manifest() {
    return snapshot().schema.manifest();
  }

  private OpenSnapshot snapshot() {
    OpenSnapshot s = current.peek();
    if (s == null) {
      throw new IllegalStateException("the online store for " + store.root() + " is closed");
    }
    return s;
  }

  @Override
  public FeatureVector get(String view, List<?> key, Instant at) {
    Objects.requireNonNull(at, "at");
    Leased<OpenSnapshot> lease = acquire();
    OpenSnapshot s = lease.value();
    try {
      SnapshotSchema.View v = s.schema.view(view);
      byte[] k = v.key(key);
      return v.vector(k, s.db.get(s.readOptions, k), at);
    } catch (RocksDBException e) {
      throw s.failure("reading view '" + view + "'", e);
    } finally {
      lease.release();
    }
  }

  @Override
  public Map<String, FeatureVector> getAll(Map<String, List<?>> keyByView, Instant at) {
    Objects.requireNonNull(at, "at");
    if (keyByView.isEmpty()) {
      return Map.of();
    }
    Leased<OpenSnapshot> lease = acquire();
    OpenSnapshot s = lease.value();
    try {
      int n = keyByView.size();
      List<SnapshotSchema.View> views = new ArrayList<>(n);
      List<byte[]> keys = new ArrayList<>(n);
      for (Map.Entry<String, List<?>> e : keyByView.entrySet()) {
        SnapshotSchema.View v = s.schema.view(e.getKey());
        views.add(v);
        keys.add(v.key(e.getValue()));
      }
      List<byte[]> values = s.db.multiGetAsList(s.readOptions, keys);
      Map<String, FeatureVector> out = new LinkedHashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        SnapshotSchema.View v = views.get(i);
        out.put(v.entry().name(), v.vector(keys.get(i), values.get(i), at));
      }
      return out;
    } catch (RocksDBException e) {
      throw s.failure("reading views " + keyByView.keySet(), e);
    } finally {
      lease.release();
    }
  }

  /**
   * Every row of the snapshot served now, copied into the heap (for {@link InMemoryOnlineStore}).
   *
   * @throws SnapshotException when the database does not hold exactly the rows its manifest
   *     declares
   */
  InMemoryOnlineStore.Rows copyRows() {
    Leased<OpenSnapshot> lease = acquire();
    OpenSnapshot s = lease.value();
    try (RocksIterator it = s.db.newIterator(s.readOptions)) {
      HashMap<InMemoryOnlineStore.Key, byte[]> rows = new HashMap<>();
      for (it.seekToFirst(); it.isValid(); it.next()) {
        rows.put(new InMemoryOnlineStore.Key(it.key()), it.value());
      }
      it.status();
      long declared = s.schema.manifest().totalRows();
      if (rows.size() != declared) {
        throw new SnapshotException(
            "snapshot v"
                + s.version
                + " ("
                + s.dir
                + ") holds "
                + rows.size()
                + " rows but its manifest declares "
                + declared);
      }
      return new InMemoryOnlineStore.Rows(s.schema, rows);
    } catch (RocksDBException e) {
      throw s.failure("copying every row", e);
    } finally {
      lease.release();
    }
  }

  @Override
  public boolean refresh() {
    synchronized (refreshLock) {
      OpenSnapshot old = snapshot();
      SnapshotPointer pointed =
          store
              .current()
              .orElseThrow(
                  () ->
                      new SnapshotException(
                          store.root().resolve(RocksDbSnapshotStore.CURRENT)
                              + " disappeared; still serving v"
                              + old.version));
      if (pointed.equals(old.pointer)) {
        return false;
      }
      OpenSnapshot next = OpenSnapshot.open(store, pointed, blockCacheBytes);
      current.replace(new Leased<>(next, OpenSnapshot::close));
      return true;
    }
  }

  @Override
  public void close() {
    synchronized (refreshLock) {
      current.replace(null);
    }
  }

  /** A lease on the current snapshot (the store's {@link HotSwap}); release it when done. */
  private Leased<OpenSnapshot> acquire() {
    Leased<OpenSnapshot> lease = current.acquire();
    if (lease == null) {
      throw new IllegalStateException("the online store for " + store.root() + " is closed");
    }
    return lease;
  }

  /** One open, verified snapshot database, leased to requests through the store's HotSwap. */
  private static final class OpenSnapshot {
    final SnapshotPointer pointer;
    final long version;
    final SnapshotSchema schema;
    final RocksDbOptions options;
    final RocksDB db;
    final ReadOptions readOptions;
    private final Path dir;

    private OpenSnapshot(
        SnapshotPointer pointer,
        long version,
        Path dir,
        SnapshotSchema schema,
        RocksDbOptions options,
        RocksDB db,
        ReadOptions readOptions) {
      this.pointer = pointer;
      this.version = version;
      this.dir = dir;
      this.schema = schema;
      this.options = options;
      this.db = db;
      this.readOptions = readOptions;
    }

    static OpenSnapshot open(
        RocksDbSnapshotStore store, SnapshotPointer pointer, long blockCacheBytes) {
      long version = pointer.version();
      Path dir = store.snapshotDir(version);
      String name = "snapshot v" + version + " under " + store.root();
      if (!Files.isDirectory(dir)) {
        throw new SnapshotException(
            store.root().resolve(RocksDbSnapshotStore.CURRENT)
                + " points to version "
                + version
                + " but "
                + dir
                + " does not exist (deleted, or the folder was copied without it)");
      }
      Path manifestFile = dir.resolve(RocksDbSnapshotStore.MANIFEST);
      if (!Files.isRegularFile(manifestFile)) {
        throw new SnapshotException(
            name
                + " is incomplete: "
                + manifestFile
                + " is missing (the commit did not finish, or the snapshot is being deleted)");
      }
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(manifestFile);
      } catch (IOException e) {
        throw new SnapshotException("cannot read " + manifestFile + ": " + e, e);
      }
      pointer.check(
          java.util.HexFormat.of().formatHex(sha256(bytes)),
          manifestFile.toString(),
          store.root().resolve(RocksDbSnapshotStore.CURRENT).toString());
      String text = new String(bytes, StandardCharsets.UTF_8);
      SnapshotManifest manifest = SnapshotManifest.fromYaml(text, manifestFile.toString());
      if (manifest.version() != version || !SnapshotManifest.ROCKSDB.equals(manifest.backend())) {
        throw new SnapshotException(
            manifestFile
                + " describes version "
                + manifest.version()
                + " of backend '"
                + manifest.backend()
                + "'; expected version "
                + version
                + " of backend '"
                + SnapshotManifest.ROCKSDB
                + "' (was a manifest copied between snapshots?)");
      }
      verifyFiles(name, dir, manifestFile, manifest);

      RocksDbOptions options = RocksDbOptions.forReading(blockCacheBytes);
      RocksDB db = null;
      try {
        db =
            RocksDB.openReadOnly(
                options.options(), dir.resolve(RocksDbSnapshotStore.DB).toString());
        ReadOptions read = options.own(new ReadOptions());
        return new OpenSnapshot(
            pointer, version, dir, new SnapshotSchema(manifest, dir.toString()), options, db, read);
      } catch (RocksDBException | RuntimeException e) {
        if (db != null) {
          db.close();
        }
        options.close();
        if (e instanceof RocksDBException) {
          throw new SnapshotException(
              "cannot open the RocksDB database of " + name + " read-only: " + e.getMessage(), e);
        }
        throw (RuntimeException) e;
      }
    }

    /** Every listed file exists with its size and SHA-256, and db/ holds no unlisted file. */
    private static void verifyFiles(
        String name, Path dir, Path manifestFile, SnapshotManifest manifest) {
      Optional<SealedFolder.Mismatch> mismatch;
      try {
        mismatch =
            SealedFolder.verify(
                dir,
                manifest.files(),
                dir.resolve(RocksDbSnapshotStore.DB),
                RocksDbSnapshotStore::partOfSnapshot);
      } catch (IOException e) {
        throw new SnapshotException("cannot verify the files of " + name + ": " + e, e);
      }
      mismatch.ifPresent(
          m -> {
            String damaged = name + " is damaged: ";
            throw new SnapshotException(
                switch (m.kind()) {
                  case MISSING ->
                      damaged
                          + m.listed().path()
                          + " is listed in "
                          + manifestFile
                          + " but "
                          + m.file()
                          + " is missing";
                  case SIZE ->
                      damaged
                          + m.file()
                          + " has "
                          + m.foundBytes()
                          + " bytes but "
                          + manifestFile
                          + " lists "
                          + m.listed().bytes()
                          + " bytes for "
                          + m.listed().path();
                  case CONTENT ->
                      damaged
                          + m.file()
                          + " has SHA-256 "
                          + m.foundSha()
                          + " but "
                          + manifestFile
                          + " lists "
                          + m.listed().sha256()
                          + " for "
                          + m.listed().path()
                          + " (same size, different content)";
                  case UNLISTED ->
                      damaged
                          + m.file()
                          + " is not listed in "
                          + manifestFile
                          + " (snapshot folders must not be modified after the commit)";
                });
          });
    }

    private static byte[] sha256(byte[] bytes) {
      try {
        return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java runtime has SHA-256", e);
      }
    }

    /** Closes the database; the HotSwap calls it after the last request has left. */
    void close() {
      db.close();
      options.close();
    }

    SnapshotException failure(String what, RocksDBException e) {
      return new SnapshotException(
          what + " from snapshot v" + version + " (" + dir + ") failed: " + e.getMessage(), e);
    }
  }
}
