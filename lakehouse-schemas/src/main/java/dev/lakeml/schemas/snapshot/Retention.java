package dev.lakeml.schemas.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The garbage-collection rule shared by both backends. Keeping the previous snapshot as well as the
 * current one means a rollback is always one pointer switch away, and that a server which has not
 * yet refreshed never loses the snapshot it reads.
 */
public final class Retention {
  private Retention() {}

  public static void requireRetain(int retain) {
    if (retain < 2) {
      throw new IllegalArgumentException(
          "retain must be 2 or more (the current snapshot and the previous one, for rollback), got "
              + retain);
    }
  }

  /**
   * The versions to delete: complete snapshots beyond the newest {@code retain}, except the current
   * one and the complete one before it; and incomplete snapshots older than the current one
   * (abandoned publishes; newer ones may still be in progress).
   */
  public static List<Long> doomed(
      SortedSet<Long> complete, SortedSet<Long> incomplete, Optional<Long> current, int retain) {
    requireRetain(retain);
    SortedSet<Long> keep = new TreeSet<>();
    List<Long> newestFirst = new ArrayList<>(complete);
    java.util.Collections.reverse(newestFirst);
    keep.addAll(newestFirst.subList(0, Math.min(retain, newestFirst.size())));
    current.ifPresent(
        c -> {
          keep.add(c);
          SortedSet<Long> older = complete.headSet(c);
          if (!older.isEmpty()) {
            keep.add(older.last());
          }
        });
    SortedSet<Long> doomed = new TreeSet<>();
    for (long v : complete) {
      if (!keep.contains(v)) {
        doomed.add(v);
      }
    }
    current.ifPresent(c -> doomed.addAll(incomplete.headSet(c)));
    return List.copyOf(doomed);
  }
}
