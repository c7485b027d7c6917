package dev.lakeml.schemas.snapshot;

import java.util.Objects;

/**
 * One column of an entity key. Only {@code long} and {@code string} keys exist: they are the two
 * types {@link KeyCodec} can encode so that byte order equals value order, which the SST files
 * written by Spark depend on.
 */
public record KeyColumn(String name, FeatureType type) {
  public KeyColumn {
    RecordChecks.requireName(name, "key column");
    Objects.requireNonNull(type, () -> "key column '" + name + "' needs a type");
    if (type != FeatureType.LONG && type != FeatureType.STRING) {
      throw new IllegalArgumentException(
          "key column '"
              + name
              + "' has type "
              + type.yamlName()
              + "; key columns must be long or string");
    }
  }
}
