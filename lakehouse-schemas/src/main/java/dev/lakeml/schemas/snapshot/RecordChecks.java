package dev.lakeml.schemas.snapshot;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Checks shared by the records of this package. */
final class RecordChecks {
  private RecordChecks() {}

  static void requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a " + what + " needs a non-blank name");
    }
  }

  static <T> void requireUnique(List<T> items, Function<T, ?> id, String what, String where) {
    Set<Object> seen = new HashSet<>();
    for (T item : items) {
      Object value = id.apply(item);
      if (!seen.add(value)) {
        throw new IllegalArgumentException(where + ": " + what + " '" + value + "' appears twice");
      }
    }
  }
}
