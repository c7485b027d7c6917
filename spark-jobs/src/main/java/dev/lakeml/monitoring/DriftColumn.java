package dev.lakeml.monitoring;

import dev.lakeml.schemas.monitoring.DriftStatistic;
import java.util.Objects;

/**
 * A column compared for drift: a model input or the model's score, numeric (compared by
 * distribution) or categorical (compared by category shares). In the frames compared, a numeric
 * column is DOUBLE and a categorical one STRING.
 */
public record DriftColumn(String name, DriftStatistic.Kind kind, Role role) {
  /** Whether the column is what the model reads or what it outputs. */
  public enum Role {
    INPUT,
    PREDICTION;

    public String yamlName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public DriftColumn {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    if (kind != DriftStatistic.Kind.NUMERIC && kind != DriftStatistic.Kind.CATEGORICAL) {
      throw new IllegalArgumentException(
          name + ": a column is numeric or categorical, not " + kind);
    }
  }

  public static DriftColumn numeric(String name, Role role) {
    return new DriftColumn(name, DriftStatistic.Kind.NUMERIC, role);
  }

  public static DriftColumn categorical(String name, Role role) {
    return new DriftColumn(name, DriftStatistic.Kind.CATEGORICAL, role);
  }

  public boolean numeric() {
    return kind == DriftStatistic.Kind.NUMERIC;
  }
}
