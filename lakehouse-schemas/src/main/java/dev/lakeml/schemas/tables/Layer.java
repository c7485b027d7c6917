package dev.lakeml.schemas.tables;

import java.util.Locale;

/** The lakehouse layer a table belongs to; its database name in SQL. */
public enum Layer {
  BRONZE,
  SILVER,
  QUARANTINE,
  OPS;

  /** The SQL database (schema) that holds this layer's tables. */
  public String database() {
    return name().toLowerCase(Locale.ROOT);
  }
}
