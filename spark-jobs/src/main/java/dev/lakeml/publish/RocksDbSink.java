package dev.lakeml.publish;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.online.RocksDbSnapshotStore;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A RocksDB snapshot folder: rows range-partitioned and sorted by key, each partition one SST file
 * covering a disjoint key range, ingested into a fresh database at commit (no row-by-row puts).
 */
final class RocksDbSink implements OnlineSink {
  private final Path root;
  private final RocksDbSnapshotStore store;

  RocksDbSink(Path root) {
    this.root = root;
    this.store = new RocksDbSnapshotStore(root);
  }

  @Override
  public String backend() {
    return SnapshotManifest.ROCKSDB;
  }

  @Override
  public long nextVersion() {
    return store.nextVersion();
  }

  @Override
  public Dataset<Row> arrange(Dataset<Row> encoded, int partitions) {
    return encoded.repartitionByRange(partitions, col("k")).sortWithinPartitions(col("k"));
  }

  @Override
  public MapPartitionsFunction<Row, PartitionWritten> writer(long version) {
    return new WriteSst(store.stagingDir(version).toAbsolutePath().toString());
  }

  @Override
  public SnapshotManifest commit(SnapshotManifest manifest, List<PartitionWritten> parts) {
    List<Path> files =
        parts.stream().filter(p -> p.file() != null).map(p -> Path.of(p.file())).toList();
    return store.commit(manifest, files);
  }

  @Override
  public List<Long> garbageCollect(int retain) {
    return store.garbageCollect(retain);
  }

  @Override
  public String describe(long version) {
    return root + " (v" + version + ")";
  }

  /** Writes one sorted partition to one SST file. */
  static final class WriteSst implements MapPartitionsFunction<Row, PartitionWritten> {
    private static final long serialVersionUID = 1L;
    private final String staging;

    WriteSst(String staging) {
      this.staging = staging;
    }

    @Override
    public Iterator<PartitionWritten> call(Iterator<Row> rows) {
      Path file = Path.of(staging, String.format("part-%05d.sst", TaskContext.getPartitionId()));
      Map<Integer, Long> counts = new HashMap<>();
      Iterator<Map.Entry<byte[], byte[]>> entries =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return rows.hasNext();
            }

            @Override
            public Map.Entry<byte[], byte[]> next() {
              Row r = rows.next();
              byte[] k = (byte[]) r.get(0);
              counts.merge(KeyCodec.viewId(k), 1L, Long::sum);
              return new AbstractMap.SimpleImmutableEntry<>(k, (byte[]) r.get(1));
            }
          };
      long n = RocksDbSnapshotStore.writeSst(file, entries);
      return List.of(new PartitionWritten(n == 0 ? null : file.toString(), counts)).iterator();
    }
  }
}
