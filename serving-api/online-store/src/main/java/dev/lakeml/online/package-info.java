/**
 * The online feature store: readers and writers of the immutable, versioned snapshots that the
 * Spark publish job writes and the serving API reads by key with low latency.
 *
 * <p>Roles:
 *
 * <ul>
 *   <li>The interface: {@link dev.lakeml.online.OnlineFeatureReader} returns {@link
 *       dev.lakeml.schemas.snapshot.FeatureVector}s (FOUND, MISSING or EXPIRED by the view's TTL at
 *       the request time).
 *   <li>RocksDB (default): {@link dev.lakeml.online.RocksDbSnapshotStore} writes SST files, commits
 *       snapshots, switches the {@code CURRENT} pointer and collects garbage; {@link
 *       dev.lakeml.online.RocksDbOnlineStore} verifies and serves the current snapshot, swapping on
 *       refresh without closing a database under a running request.
 *   <li>Redis (shared, scale-out serving): {@link dev.lakeml.online.RedisSnapshotWriter} and {@link
 *       dev.lakeml.online.RedisOnlineStore}, with the same key layout, retention rule and answers.
 *   <li>In memory: {@link dev.lakeml.online.InMemoryOnlineStore}, a verified snapshot copied into a
 *       hash map (the serving API's {@code --backend memory}).
 * </ul>
 *
 * <p>The snapshot format (manifest, key and row codecs) is in {@code lakehouse-schemas} ({@code
 * dev.lakeml.schemas.snapshot}).
 *
 * <p>Publishing a RocksDB snapshot from Spark: {@code nextVersion()}; sort the rows of all views by
 * their {@link dev.lakeml.schemas.snapshot.KeyCodec} key globally ({@code orderBy}, giving disjoint
 * range partitions); in each partition {@code writeSst(stagingDir(v).resolve("part-NNNNN.sst"),
 * rows)}; then on the driver {@code commit(manifest, files)} with the row count of each view.
 */
package dev.lakeml.online;
