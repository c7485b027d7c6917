package dev.lakeml.schemas.project;

import java.util.Objects;

/** A column computed in silver from the typed columns by a Spark SQL expression. */
public record DerivedColumn(String name, ColumnType type, String expression, String description) {
  public DerivedColumn {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(expression, "expression");
    description = description == null ? "" : description;
  }
}
