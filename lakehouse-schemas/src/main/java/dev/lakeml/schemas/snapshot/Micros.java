package dev.lakeml.schemas.snapshot;

import java.time.Instant;

/**
 * Instants as microseconds since the epoch: Spark's timestamp precision, so values survive the trip
 * Delta -> snapshot -> serving unchanged. Finer digits are truncated towards the past.
 */
final class Micros {
  private Micros() {}

  static long of(Instant instant) {
    // nano-of-second is never negative, so this floors correctly for instants before 1970.
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  static Instant toInstant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
