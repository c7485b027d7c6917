package dev.lakeml.publish;

import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where a snapshot is published: the one interface that {@link PublishJob} writes through, with an
 * implementation per backend ({@link RocksDbSink}, {@link RedisSink}). The job encodes the rows; a
 * sink arranges them, writes each partition from the executors, and commits on the driver.
 */
interface OnlineSink {
  /** {@link SnapshotManifest#ROCKSDB} or {@link SnapshotManifest#REDIS}. */
  String backend();

  /** The version the next snapshot gets. */
  long nextVersion();

  /** Orders the encoded (k, v) rows for {@link #writer}, in {@code partitions} partitions. */
  Dataset<Row> arrange(Dataset<Row> encoded, int partitions);

  /** Writes one partition of version {@code version}; runs on the executors. */
  MapPartitionsFunction<Row, PartitionWritten> writer(long version);

  /** Commits the version once every partition is written; returns the manifest as committed. */
  SnapshotManifest commit(SnapshotManifest manifest, List<PartitionWritten> parts);

  /** Removes versions beyond the newest {@code retain}; returns the versions removed. */
  List<Long> garbageCollect(int retain);

  /** Where version {@code version} is, for people. */
  String describe(long version);
}
