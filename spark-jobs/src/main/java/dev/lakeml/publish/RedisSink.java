package dev.lakeml.publish;

import dev.lakeml.online.RedisSnapshotWriter;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Redis under a versioned key prefix: partitions write in pipelined batches, and the commit writes
 * the manifest and switches the pointer key with one SET.
 */
final class RedisSink implements OnlineSink {
  private final String host;
  private final int port;
  private final String prefix;

  RedisSink(String host, int port, String prefix) {
    this.host = host;
    this.port = port;
    this.prefix = prefix;
  }

  @Override
  public String backend() {
    return SnapshotManifest.REDIS;
  }

  @Override
  public long nextVersion() {
    return RedisSnapshotWriter.nextVersion(host, port, prefix);
  }

  @Override
  public Dataset<Row> arrange(Dataset<Row> encoded, int partitions) {
    return encoded.repartition(partitions);
  }

  @Override
  public MapPartitionsFunction<Row, PartitionWritten> writer(long version) {
    return new WriteRedis(host, port, prefix, version);
  }

  @Override
  public SnapshotManifest commit(SnapshotManifest manifest, List<PartitionWritten> parts) {
    try (RedisSnapshotWriter w = new RedisSnapshotWriter(host, port, prefix, manifest.version())) {
      w.commit(manifest);
    }
    return manifest;
  }

  @Override
  public List<Long> garbageCollect(int retain) {
    return RedisSnapshotWriter.garbageCollect(host, port, prefix, retain);
  }

  @Override
  public String describe(long version) {
    return "redis://" + host + ":" + port + " prefix " + prefix + " (v" + version + ")";
  }

  /** Writes one partition to Redis in pipelined batches. */
  static final class WriteRedis implements MapPartitionsFunction<Row, PartitionWritten> {
    private static final long serialVersionUID = 1L;
    private final String host;
    private final int port;
    private final String prefix;
    private final long version;

    WriteRedis(String host, int port, String prefix, long version) {
      this.host = host;
      this.port = port;
      this.prefix = prefix;
      this.version = version;
    }

    @Override
    public Iterator<PartitionWritten> call(Iterator<Row> rows) {
      Map<Integer, Long> counts = new HashMap<>();
      try (RedisSnapshotWriter w = new RedisSnapshotWriter(host, port, prefix, version)) {
        while (rows.hasNext()) {
          Row r = rows.next();
          byte[] k = (byte[]) r.get(0);
          counts.merge(KeyCodec.viewId(k), 1L, Long::sum);
          w.put(k, (byte[]) r.get(1));
        }
        w.flush();
      }
      return List.of(new PartitionWritten(null, counts)).iterator();
    }
  }
}
