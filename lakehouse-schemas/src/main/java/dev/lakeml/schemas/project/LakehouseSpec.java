package dev.lakeml.schemas.project;

import java.util.Objects;

/**
 * Where the lakehouse lives and how its tables may change.
 *
 * @param root a local folder (absolute, resolved against the project file) or a Hadoop URI such as
 *     {@code s3a://bucket/lake}
 * @param schemaEvolution whether new columns in a contract may be added to existing tables
 */
public record LakehouseSpec(String root, SchemaEvolution schemaEvolution) {

  /** The evolution policy for existing tables. */
  public enum SchemaEvolution {
    /** Any difference between a contract and an existing table is refused. */
    NONE,
    /** New nullable columns are added; anything else is refused. */
    ADDITIVE
  }

  public LakehouseSpec {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(schemaEvolution, "schemaEvolution");
  }
}
