package dev.lakeml.schemas.snapshot;

import java.util.Objects;

/** One feature of a view as stored online: its name and value type. */
public record FeatureColumn(String name, FeatureType type) {
  public FeatureColumn {
    RecordChecks.requireName(name, "feature column");
    Objects.requireNonNull(type, () -> "feature column '" + name + "' needs a type");
  }
}
