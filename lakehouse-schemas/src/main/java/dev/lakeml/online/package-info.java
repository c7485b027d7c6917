/**
 * The online feature store: immutable, versioned snapshots of feature views, published by the Spark
 * publish job and served by key with low latency.
 *
 * <p>Roles:
 *
 * <ul>
 *   <li>Encodings: {@link dev.lakeml.online.KeyCodec} (binary keys whose unsigned byte order is the
 *       value order, so Spark can sort and write SST files directly) and {@link
 *       dev.lakeml.online.FeatureRowCodec} (the values of one entity in one view).
 *   <li>The commit record: {@link dev.lakeml.online.SnapshotManifest} ({@code manifest.yaml}:
 *       views, column lists, TTLs, row counts, lineage, file sizes and SHA-256), read strictly.
 *   <li>RocksDB (default): {@link dev.lakeml.online.RocksDbSnapshotStore} writes SST files, commits
 *       snapshots, switches the {@code CURRENT} pointer and collects garbage; {@link
 *       dev.lakeml.online.RocksDbOnlineStore} verifies and serves the current snapshot, swapping on
 *       refresh without closing a database under a running request.
 *   <li>Redis (shared, scale-out serving): {@link dev.lakeml.online.RedisSnapshotWriter} and {@link
 *       dev.lakeml.online.RedisOnlineStore}, with the same key layout, retention rule and answers.
 *   <li>Serving API: {@link dev.lakeml.online.OnlineFeatureReader} returns {@link
 *       dev.lakeml.online.FeatureVector}s (FOUND, MISSING or EXPIRED by the view's TTL at the
 *       request time).
 * </ul>
 *
 * <p>Publishing a RocksDB snapshot from Spark: {@code nextVersion()}; sort the rows of all views by
 * their {@link dev.lakeml.online.KeyCodec} key globally ({@code orderBy}, giving disjoint range
 * partitions); in each partition {@code writeSst(stagingDir(v).resolve("part-NNNNN.sst"), rows)};
 * then on the driver {@code commit(manifest, files)} with the row count of each view.
 */
package dev.lakeml.online;
