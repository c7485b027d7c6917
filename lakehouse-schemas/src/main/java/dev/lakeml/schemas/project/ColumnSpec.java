package dev.lakeml.schemas.project;

import java.util.Objects;
import java.util.Optional;

/**
 * One column a source delivers: its name in the lakehouse, its name in the raw data, its type,
 * whether it may be empty, and for timestamps the parse pattern and the zone the values are in.
 */
public record ColumnSpec(
    String name,
    String sourceName,
    ColumnType type,
    boolean nullable,
    Optional<String> format,
    Optional<String> zone,
    String description) {

  public ColumnSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sourceName, "sourceName");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(zone, "zone");
    description = description == null ? "" : description;
  }
}
