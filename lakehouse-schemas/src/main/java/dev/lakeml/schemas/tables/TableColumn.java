package dev.lakeml.schemas.tables;

import java.util.Objects;

/**
 * One column of a table contract.
 *
 * @param type the Spark SQL DDL type, e.g. {@code STRING}, {@code DECIMAL(12,3)}, {@code
 *     ARRAY<STRING>}
 */
public record TableColumn(String name, String type, boolean nullable, String comment) {
  public TableColumn {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    comment = comment == null ? "" : comment;
  }

  public static TableColumn required(String name, String type, String comment) {
    return new TableColumn(name, type, false, comment);
  }

  public static TableColumn optional(String name, String type, String comment) {
    return new TableColumn(name, type, true, comment);
  }
}
