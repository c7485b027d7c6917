package dev.lakeml.online;

import dev.lakeml.schemas.snapshot.Bytes;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.Retention;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Writes one snapshot version into Redis, for shared, scale-out serving with the same read
 * interface as RocksDB ({@link RedisOnlineStore}).
 *
 * <p>Rows go to {@code <prefix>:v<version>:<key bytes>} (binary-safe), pipelined and flushed in
 * batches of {@value #BATCH}. Nothing is visible to readers until {@link #commit}: it checks that
 * the rows written per view match the manifest, writes the manifest, and switches {@code
 * <prefix>:current} with a single SET, the atomic pointer switch.
 *
 * <p>Several writers may fill the same version in parallel (one per Spark task: {@link #put} then
 * {@link #close()}); the per-view row counts are kept in Redis, so a final writer on the driver can
 * {@link #commit} for all of them. Those counters count puts; when they disagree with the manifest
 * (a retried task puts its rows twice) the commit counts the stored keys with SCAN before deciding.
 * Not thread-safe: one writer per thread.
 */
public final class RedisSnapshotWriter implements AutoCloseable {
  /** Rows per pipeline flush. */
  public static final int BATCH = 1000;

  private final String host;
  private final int port;
  private final RedisKeys keys;
  private final long version;
  private final byte[] versionPrefix;
  private final RedisClient client;
  private AbstractPipeline pipeline;
  private final List<Response<?>> pending = new ArrayList<>();
  private final Map<Integer, Long> unflushedRows = new HashMap<>();
  private long written;
  private boolean finished;

  /**
   * @throws SnapshotException if Redis cannot be reached or the version is already committed
   */
  public RedisSnapshotWriter(String host, int port, String prefix, long version) {
    if (version < 1) {
      throw new IllegalArgumentException("snapshot versions start at 1, got " + version);
    }
    this.host = host;
    this.port = port;
    this.keys = new RedisKeys(prefix);
    this.version = version;
    this.versionPrefix = keys.versionPrefix(version);
    this.client = RedisClient.create(host, port);
    try {
      if (client.exists(keys.manifest(version))) {
        throw new SnapshotException(
            "snapshot v"
                + version
                + " of "
                + keys.describe(host, port)
                + " is already committed; snapshots are immutable: publish version "
                + nextVersion(client, keys)
                + " instead");
      }
    } catch (JedisException e) {
      client.close();
      throw unreachable("checking snapshot v" + version, e);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** Queues one row; sends the queue every {@value #BATCH} rows. */
  public void put(byte[] key, byte[] value) {
    requireOpen();
    int viewId = KeyCodec.viewId(key);
    if (value == null) {
      throw new IllegalArgumentException("the value of key " + Bytes.hex(key) + " is null");
    }
    if (pipeline == null) {
      pipeline = client.pipelined();
    }
    pending.add(pipeline.set(RedisKeys.concat(versionPrefix, key), value));
    unflushedRows.merge(viewId, 1L, Long::sum);
    written++;
    if (pending.size() >= BATCH) {
      flush();
    }
  }

  /** Rows queued by this writer so far. */
  public long written() {
    return written;
  }

  /** Sends the queued rows and waits for Redis to acknowledge them. */
  public void flush() {
    if (pipeline == null) {
      return;
    }
    try {
      byte[] rowsKey = keys.rows(version);
      for (Map.Entry<Integer, Long> e : unflushedRows.entrySet()) {
        pending.add(
            pipeline.hincrBy(
                rowsKey,
                String.valueOf(e.getKey()).getBytes(StandardCharsets.UTF_8),
                e.getValue()));
      }
      pipeline.sync();
      for (Response<?> r : pending) {
        r.get(); // surfaces a per-command error (e.g. OOM) that sync() does not throw
      }
    } catch (JedisException e) {
      throw unreachable("writing rows of snapshot v" + version, e);
    } finally {
      pending.clear();
      unflushedRows.clear();
    }
  }

  /**
   * Flushes, checks the rows per view against what was written to this version (by this writer and
   * any other), writes the manifest, then switches the pointer to this version.
   *
   * @param manifest backend {@value SnapshotManifest#REDIS}, this writer's version; its file list
   *     is written empty
   * @throws SnapshotException when the manifest does not match this version or the rows written
   */
  public void commit(SnapshotManifest manifest) {
    requireOpen();
    if (manifest.version() != version || !SnapshotManifest.REDIS.equals(manifest.backend())) {
      throw new SnapshotException(
          "cannot commit a manifest of version "
              + manifest.version()
              + " for backend '"
              + manifest.backend()
              + "' with a writer of version "
              + version
              + " ("
              + keys.describe(host, port)
              + "); expected version "
              + version
              + " for backend '"
              + SnapshotManifest.REDIS
              + "'");
    }
    flush();
    try {
      Map<Integer, Long> counted = new HashMap<>();
      for (Map.Entry<byte[], byte[]> e : client.hgetAll(keys.rows(version)).entrySet()) {
        counted.put(
            Integer.parseInt(new String(e.getKey(), StandardCharsets.UTF_8)),
            Long.parseLong(new String(e.getValue(), StandardCharsets.UTF_8)));
      }
      String how = "were written";
      if (!matches(manifest, counted)) {
        // The counters count puts: a retried Spark task puts its rows twice. Count the keys
        // themselves (a retry overwrites the same keys) before refusing.
        counted = countKeys();
        how = "are stored (counted with SCAN)";
      }
      for (SnapshotManifest.ViewEntry v : manifest.views()) {
        long rows = counted.getOrDefault(v.viewId(), 0L);
        if (rows != v.rows()) {
          throw new SnapshotException(
              "cannot commit snapshot v"
                  + version
                  + " of "
                  + keys.describe(host, port)
                  + ": the manifest says view '"
                  + v.name()
                  + "' (view_id "
                  + v.viewId()
                  + ") has "
                  + v.rows()
                  + " rows but "
                  + rows
                  + " "
                  + how);
        }
        counted.remove(v.viewId());
      }
      if (!counted.isEmpty()) {
        throw new SnapshotException(
            "cannot commit snapshot v"
                + version
                + " of "
                + keys.describe(host, port)
                + ": rows were written for view id(s) "
                + new TreeSet<>(counted.keySet())
                + " that the manifest does not declare (it has "
                + manifest.views().stream().map(v -> v.name() + "=" + v.viewId()).toList()
                + ")");
      }
      String yaml = manifest.withFiles(List.of()).toYaml();
      String ok =
          client.set(
              keys.manifest(version),
              yaml.getBytes(StandardCharsets.UTF_8),
              SetParams.setParams().nx());
      if (ok == null) {
        throw new SnapshotException(
            "snapshot v"
                + version
                + " of "
                + keys.describe(host, port)
                + " was committed by another writer meanwhile");
      }
      client.set(keys.committed(version), new byte[] {'1'});
      client.set(keys.current(), String.valueOf(version).getBytes(StandardCharsets.UTF_8));
      finished = true;
    } catch (JedisException e) {
      throw unreachable("committing snapshot v" + version, e);
    }
  }

  private static boolean matches(SnapshotManifest manifest, Map<Integer, Long> counted) {
    Map<Integer, Long> expected = new HashMap<>();
    for (SnapshotManifest.ViewEntry v : manifest.views()) {
      if (v.rows() > 0) {
        expected.put(v.viewId(), v.rows());
      }
    }
    Map<Integer, Long> actual = new HashMap<>(counted);
    actual.values().removeIf(n -> n == 0);
    return expected.equals(actual);
  }

  /** The rows stored under this version per view id, from the keys themselves. */
  private Map<Integer, Long> countKeys() {
    Map<Integer, Long> out = new HashMap<>();
    java.util.Set<ByteBuffer> special =
        java.util.Set.of(
            ByteBuffer.wrap(keys.manifest(version)),
            ByteBuffer.wrap(keys.committed(version)),
            ByteBuffer.wrap(keys.rows(version)));
    byte[] pattern =
        RedisKeys.concat(
            RedisKeys.bytes(
                RedisKeys.escapeGlob(new String(versionPrefix, StandardCharsets.UTF_8))),
            new byte[] {'*'});
    scan(
        client,
        pattern,
        key -> {
          if (key.length >= versionPrefix.length + 3 && !special.contains(ByteBuffer.wrap(key))) {
            int viewId =
                ((key[versionPrefix.length] & 0xFF) << 8) | (key[versionPrefix.length + 1] & 0xFF);
            out.merge(viewId, 1L, Long::sum);
          }
        });
    return out;
  }

  /** Flushes what is queued (without committing) and disconnects. */
  @Override
  public void close() {
    try {
      if (!finished) {
        flush();
      }
    } finally {
      finished = true;
      if (pipeline != null) {
        pipeline.close();
      }
      client.close();
    }
  }

  private void requireOpen() {
    if (finished) {
      throw new IllegalStateException(
          "the writer of snapshot v"
              + version
              + " ("
              + keys.describe(host, port)
              + ") is closed or committed");
    }
  }

  private SnapshotException unreachable(String what, JedisException e) {
    return new SnapshotException(
        what + " in " + keys.describe(host, port) + " failed: " + e.getMessage(), e);
  }

  /** 1 + the highest version present under the prefix (complete or not) or named by the pointer. */
  public static long nextVersion(String host, int port, String prefix) {
    RedisKeys keys = new RedisKeys(prefix);
    try (RedisClient client = RedisClient.create(host, port)) {
      return nextVersion(client, keys);
    } catch (JedisException e) {
      throw new SnapshotException(
          "finding the next snapshot version in "
              + keys.describe(host, port)
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  private static long nextVersion(RedisClient client, RedisKeys keys) {
    long highest = current(client, keys).orElse(0L);
    for (long v : scanVersions(client, keys).keySet()) {
      highest = Math.max(highest, v);
    }
    return highest + 1;
  }

  /**
   * Applies the retention rule of {@link RocksDbSnapshotStore#garbageCollect}: keeps the newest
   * {@code retain} complete snapshots and always the current and the previous one; deletes older
   * incomplete ones. Keys are found with SCAN and removed with UNLINK, the manifest and the commit
   * marker first so that a half-deleted snapshot is never taken for complete.
   *
   * @return the deleted versions, ascending
   */
  public static List<Long> garbageCollect(String host, int port, String prefix, int retain) {
    Retention.requireRetain(retain);
    RedisKeys keys = new RedisKeys(prefix);
    try (RedisClient client = RedisClient.create(host, port)) {
      Map<Long, Boolean> versions = scanVersions(client, keys);
      SortedSet<Long> complete = new TreeSet<>();
      SortedSet<Long> incomplete = new TreeSet<>();
      versions.forEach((v, hasManifest) -> (hasManifest ? complete : incomplete).add(v));
      List<Long> doomed = Retention.doomed(complete, incomplete, current(client, keys), retain);
      if (doomed.isEmpty()) {
        return doomed;
      }
      for (long v : doomed) {
        client.unlink(keys.manifest(v), keys.committed(v));
      }
      java.util.Set<Long> doomedSet = new java.util.HashSet<>(doomed);
      List<byte[]> batch = new ArrayList<>();
      scan(
          client,
          keys.scanPatternAllVersions(),
          key -> {
            OptionalLong v = keys.versionOf(key);
            if (v.isPresent() && doomedSet.contains(v.getAsLong())) {
              batch.add(key);
              if (batch.size() >= BATCH) {
                client.unlink(batch.toArray(byte[][]::new));
                batch.clear();
              }
            }
          });
      if (!batch.isEmpty()) {
        client.unlink(batch.toArray(byte[][]::new));
      }
      return doomed;
    } catch (JedisException e) {
      throw new SnapshotException(
          "garbage collection in " + keys.describe(host, port) + " failed: " + e.getMessage(), e);
    }
  }

  static Optional<Long> current(RedisClient client, RedisKeys keys) {
    byte[] value = client.get(keys.current());
    if (value == null) {
      return Optional.empty();
    }
    String text = new String(value, StandardCharsets.UTF_8);
    try {
      long v = Long.parseLong(text.trim());
      if (v < 1) {
        throw new NumberFormatException();
      }
      return Optional.of(v);
    } catch (NumberFormatException e) {
      throw new SnapshotException(
          "the pointer key '"
              + keys.prefix()
              + ":current' holds '"
              + text
              + "'; expected a snapshot version (a number of 1 or more)");
    }
  }

  /** Every version with keys under the prefix, mapped to whether it has a manifest. */
  private static Map<Long, Boolean> scanVersions(RedisClient client, RedisKeys keys) {
    Map<Long, Boolean> out = new java.util.TreeMap<>();
    scan(
        client,
        keys.scanPatternAllVersions(),
        key -> {
          OptionalLong v = keys.versionOf(key);
          if (v.isPresent()) {
            boolean manifest = keys.isManifest(key, v.getAsLong());
            out.merge(v.getAsLong(), manifest, Boolean::logicalOr);
          }
        });
    return out;
  }

  private static void scan(
      RedisClient client, byte[] pattern, java.util.function.Consumer<byte[]> action) {
    ScanParams params = new ScanParams().match(pattern).count(BATCH);
    byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
    do {
      ScanResult<byte[]> page = client.scan(cursor, params);
      page.getResult().forEach(action);
      cursor = page.getCursorAsBytes();
    } while (!java.util.Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
  }
}
