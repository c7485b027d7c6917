package dev.lakeml.schemas.snapshot;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The features of one entity in one view, as served.
 *
 * @param values every feature of the view in declared order; all null unless {@link Status#FOUND}
 * @param eventTime the event time of the stored row; null when {@link Status#MISSING}
 * @param snapshotCreatedAt when the snapshot that answered was created (how fresh the answer is)
 */
public record FeatureVector(
    String view,
    Status status,
    Map<String, Object> values,
    Instant eventTime,
    Instant snapshotCreatedAt) {

  /** Whether the entity had a usable row. */
  public enum Status {
    /** The row exists and is within the view's TTL. */
    FOUND,
    /** The snapshot has no row for the key. */
    MISSING,
    /** The row exists but its event time is older than the view's TTL allows. */
    EXPIRED
  }

  public FeatureVector {
    Objects.requireNonNull(view, "view");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(snapshotCreatedAt, "snapshotCreatedAt");
    if (!(values instanceof ColumnValues)) {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
    if (status == Status.MISSING ? eventTime != null : eventTime == null) {
      throw new IllegalArgumentException(
          "a "
              + status
              + " feature vector "
              + (eventTime == null ? "needs" : "has no")
              + " an event time");
    }
  }

  public boolean found() {
    return status == Status.FOUND;
  }
}
