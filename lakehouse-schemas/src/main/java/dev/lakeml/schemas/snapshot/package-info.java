/**
 * The online-snapshot format, written by the Spark publish job and read by the online stores:
 * defined once here so that both sides agree byte for byte.
 *
 * <ul>
 *   <li>Encodings: {@link dev.lakeml.schemas.snapshot.KeyCodec} (binary keys whose unsigned byte
 *       order is the value order, so Spark can sort and write SST files directly) and {@link
 *       dev.lakeml.schemas.snapshot.FeatureRowCodec} (the values of one entity in one view).
 *   <li>The commit record: {@link dev.lakeml.schemas.snapshot.SnapshotManifest} ({@code
 *       manifest.yaml}: views, column lists, TTLs, row counts, lineage, file sizes and SHA-256),
 *       read strictly.
 *   <li>The read side: {@link dev.lakeml.schemas.snapshot.SnapshotSchema} turns stored rows into
 *       {@link dev.lakeml.schemas.snapshot.FeatureVector}s and applies the TTL at the request time.
 * </ul>
 */
package dev.lakeml.schemas.snapshot;
