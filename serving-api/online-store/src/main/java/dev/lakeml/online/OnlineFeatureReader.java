package dev.lakeml.online;

import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Reads feature vectors from the current snapshot of an online store, whatever the backend.
 *
 * <p>Implementations are safe for concurrent use. An unknown view is an {@link
 * IllegalArgumentException} listing the views the snapshot has; a key with the wrong number of
 * values or a value of the wrong type is an {@link IllegalArgumentException} naming the key column.
 */
public interface OnlineFeatureReader extends AutoCloseable {

  /** The manifest of the snapshot being served. */
  SnapshotManifest manifest();

  /**
   * The features of one entity. TTL is applied here, at read time, against {@code at}: when the
   * view has a TTL and the row's event time is before {@code at - ttl}, the vector is {@link
   * FeatureVector.Status#EXPIRED} and its values are null.
   *
   * @param key the entity key values, in the view's key column order
   * @param at the time of the request (pass it in, so that tests and replays are deterministic)
   */
  FeatureVector get(String view, List<?> key, Instant at);

  /**
   * The features of several views in one round trip (a RocksDB multi-get, a Redis MGET), all from
   * the same snapshot.
   *
   * @param keyByView the key for each view; the answer iterates in the same order
   */
  Map<String, FeatureVector> getAll(Map<String, List<?>> keyByView, Instant at);

  /**
   * Switches to the snapshot the pointer names now, if it differs from the one being served (a
   * newer publish, or an operator rolling back). Requests in flight finish on the old snapshot.
   *
   * @return true if the reader switched
   * @throws SnapshotException when the new snapshot cannot be trusted; the old one keeps serving
   */
  boolean refresh();

  @Override
  void close();
}
