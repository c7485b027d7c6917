package dev.lakeml.online;

import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotException;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import dev.lakeml.schemas.snapshot.SnapshotSchema;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Serves feature vectors from the current Redis snapshot written by {@link RedisSnapshotWriter}:
 * the same reads, TTL and answers as {@link RocksDbOnlineStore}, from a store that many servers
 * share.
 *
 * <p>Every request also reads the snapshot's commit marker in the same MGET. Garbage collection
 * keeps the current and the previous snapshot, but a server that has not refreshed for longer would
 * otherwise answer MISSING for every key of a deleted snapshot; instead it notices, refreshes and
 * retries once. Thread-safe (a connection pool).
 */
public final class RedisOnlineStore implements OnlineFeatureReader {
  private final String host;
  private final int port;
  private final RedisKeys keys;
  private final RedisClient client;
  private volatile Loaded current;
  private volatile boolean closed;

  private record Loaded(long version, SnapshotSchema schema, byte[] versionPrefix, byte[] marker) {}

  private RedisOnlineStore(String host, int port, RedisKeys keys, RedisClient client) {
    this.host = host;
    this.port = port;
    this.keys = keys;
    this.client = client;
  }

  /**
   * Connects and loads the snapshot {@code <prefix>:current} names.
   *
   * @throws SnapshotException when Redis cannot be reached, nothing was published under the prefix,
   *     or the snapshot is incomplete
   */
  public static RedisOnlineStore open(String host, int port, String prefix) {
    return open(host, port, prefix, 0);
  }

  /**
   * Connects and loads snapshot {@code version} (0: the one {@code <prefix>:current} names), e.g.
   * one served before, for a rollback.
   *
   * @throws SnapshotException as {@link #open(String, int, String)}, or when that version is gone
   */
  public static RedisOnlineStore open(String host, int port, String prefix, long version) {
    RedisKeys keys = new RedisKeys(prefix);
    RedisClient client = RedisClient.create(host, port);
    try {
      RedisOnlineStore store = new RedisOnlineStore(host, port, keys, client);
      long wanted =
          version > 0
              ? version
              : RedisSnapshotWriter.current(client, keys)
                  .orElseThrow(
                      () ->
                          new SnapshotException(
                              "no snapshot published yet under "
                                  + keys.describe(host, port)
                                  + " (the pointer key '"
                                  + prefix
                                  + ":current' is not set)"));
      store.current = store.load(wanted);
      return store;
    } catch (JedisException e) {
      client.close();
      throw new SnapshotException(
          "cannot open the online store in " + keys.describe(host, port) + ": " + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * The version {@code <prefix>:current} names, read with a short-lived connection: how a server
   * polls for a new snapshot before opening it.
   *
   * @throws SnapshotException when Redis cannot be reached
   */
  public static java.util.Optional<Long> currentVersion(String host, int port, String prefix) {
    RedisKeys keys = new RedisKeys(prefix);
    try (RedisClient client = RedisClient.create(host, port)) {
      return RedisSnapshotWriter.current(client, keys);
    } catch (JedisException e) {
      throw new SnapshotException(
          "cannot read the snapshot pointer in "
              + keys.describe(host, port)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private Loaded load(long version) {
    byte[] manifestKey = keys.manifest(version);
    byte[] yaml = client.get(manifestKey);
    String origin =
        keys.describe(host, port) + " key '" + keys.prefix() + ":v" + version + ":manifest'";
    if (yaml == null) {
      throw new SnapshotException(
          "snapshot v"
              + version
              + " in "
              + keys.describe(host, port)
              + " is incomplete: "
              + origin
              + " is missing (the commit did not finish, or the snapshot was deleted)");
    }
    SnapshotManifest manifest =
        SnapshotManifest.fromYaml(new String(yaml, StandardCharsets.UTF_8), origin);
    if (manifest.version() != version || !SnapshotManifest.REDIS.equals(manifest.backend())) {
      throw new SnapshotException(
          origin
              + " describes version "
              + manifest.version()
              + " of backend '"
              + manifest.backend()
              + "'; expected version "
              + version
              + " of backend '"
              + SnapshotManifest.REDIS
              + "'");
    }
    return new Loaded(
        version,
        new SnapshotSchema(manifest, keys.describe(host, port)),
        keys.versionPrefix(version),
        keys.committed(version));
  }

  /** The version being served. */
  public long version() {
    return loaded().version();
  }

  @Override
  public SnapshotManifest manifest() {
    return loaded().schema().manifest();
  }

  private Loaded loaded() {
    Loaded l = current;
    if (closed || l == null) {
      throw new IllegalStateException(
          "the online store for " + keys.describe(host, port) + " is closed");
    }
    return l;
  }

  @Override
  public FeatureVector get(String view, List<?> key, Instant at) {
    return getAll(java.util.Collections.singletonMap(view, key), at).get(view);
  }

  @Override
  public Map<String, FeatureVector> getAll(Map<String, List<?>> keyByView, Instant at) {
    Objects.requireNonNull(at, "at");
    Loaded l = loaded();
    Map<String, FeatureVector> out = read(l, keyByView, at);
    if (out != null) {
      return out;
    }
    // The snapshot was deleted under us: switch to the current one and try once more.
    refresh();
    out = read(loaded(), keyByView, at);
    if (out == null) {
      throw new SnapshotException(
          "snapshot v"
              + loaded().version()
              + " in "
              + keys.describe(host, port)
              + " has no commit marker ('"
              + keys.prefix()
              + ":v"
              + loaded().version()
              + ":committed'): it was deleted or never committed");
    }
    return out;
  }

  /** The answer, or null when the snapshot's commit marker is gone. */
  private Map<String, FeatureVector> read(Loaded l, Map<String, List<?>> keyByView, Instant at) {
    int n = keyByView.size();
    List<SnapshotSchema.View> views = new ArrayList<>(n);
    byte[][] keysToGet = new byte[n + 1][];
    byte[][] entityKeys = new byte[n][];
    keysToGet[0] = l.marker();
    int i = 0;
    for (Map.Entry<String, List<?>> e : keyByView.entrySet()) {
      SnapshotSchema.View v = l.schema().view(e.getKey());
      views.add(v);
      entityKeys[i] = v.key(e.getValue());
      keysToGet[i + 1] = RedisKeys.concat(l.versionPrefix(), entityKeys[i]);
      i++;
    }
    List<byte[]> values;
    try {
      values = client.mget(keysToGet);
    } catch (JedisException e) {
      throw new SnapshotException(
          "reading views "
              + keyByView.keySet()
              + " of snapshot v"
              + l.version()
              + " from "
              + keys.describe(host, port)
              + " failed: "
              + e.getMessage(),
          e);
    }
    if (values.get(0) == null) {
      return null;
    }
    Map<String, FeatureVector> out = new LinkedHashMap<>(n * 2);
    for (int j = 0; j < n; j++) {
      SnapshotSchema.View v = views.get(j);
      out.put(v.entry().name(), v.vector(entityKeys[j], values.get(j + 1), at));
    }
    return out;
  }

  @Override
  public synchronized boolean refresh() {
    Loaded old = loaded();
    long pointed;
    try {
      pointed =
          RedisSnapshotWriter.current(client, keys)
              .orElseThrow(
                  () ->
                      new SnapshotException(
                          "the pointer key '"
                              + keys.prefix()
                              + ":current' in "
                              + keys.describe(host, port)
                              + " disappeared; still serving v"
                              + old.version()));
      if (pointed == old.version()) {
        return false;
      }
      current = load(pointed);
      return true;
    } catch (JedisException e) {
      throw new SnapshotException(
          "refreshing from " + keys.describe(host, port) + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      client.close();
    }
  }
}
