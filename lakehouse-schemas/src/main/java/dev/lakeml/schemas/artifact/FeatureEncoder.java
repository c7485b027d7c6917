package dev.lakeml.schemas.artifact;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns raw feature values into the row a model reads, in input order, with NaN for a missing
 * value. Training, batch scoring and serving all encode through this class, so a model sees the
 * same numbers everywhere.
 *
 * <p>Accepted values: for {@code double} any {@link Number}; for {@code boolean} a {@link Boolean};
 * for {@code days_before} an {@link Instant} or a {@link java.util.Date} (so {@link
 * java.sql.Timestamp}, as Spark returns it). {@code null} is missing. Anything else is refused with
 * an {@link IllegalArgumentException} naming the input and the expected type.
 */
public final class FeatureEncoder {
  /** Microseconds per day: a {@code days_before} value is whole microseconds divided by this. */
  public static final double MICROS_PER_DAY = 86_400_000_000.0;

  private final List<ModelInput> inputs;

  public FeatureEncoder(List<ModelInput> inputs) {
    this.inputs = ModelInput.requireValid(inputs);
  }

  public List<ModelInput> inputs() {
    return inputs;
  }

  /**
   * Encodes values given by input name. Every input must have an entry (null for missing), so a
   * misspelt name is an error rather than a silently missing feature; other entries are ignored.
   *
   * @param reference the instant {@code days_before} inputs are measured from
   */
  public double[] encode(Map<String, ?> values, Instant reference) {
    Objects.requireNonNull(reference, "reference");
    double[] row = new double[inputs.size()];
    for (int i = 0; i < row.length; i++) {
      ModelInput in = inputs.get(i);
      if (!values.containsKey(in.name())) {
        throw new IllegalArgumentException(
            "no value for input '" + in.name() + "'; pass null for a missing value");
      }
      row[i] = encode(in, values.get(in.name()), reference);
    }
    return row;
  }

  /**
   * Encodes values given in input order.
   *
   * @param reference the instant {@code days_before} inputs are measured from
   */
  public double[] encode(Object[] values, Instant reference) {
    Objects.requireNonNull(reference, "reference");
    if (values.length != inputs.size()) {
      throw new IllegalArgumentException(
          "expected "
              + inputs.size()
              + " values (one per input, in order: "
              + inputs.stream().map(ModelInput::name).toList()
              + "), found "
              + values.length);
    }
    double[] row = new double[values.length];
    for (int i = 0; i < row.length; i++) {
      row[i] = encode(inputs.get(i), values[i], reference);
    }
    return row;
  }

  /** The encoding of one value of one input (NaN for null). */
  public static double encode(ModelInput input, Object value, Instant reference) {
    if (value == null) {
      return Double.NaN;
    }
    switch (input.type()) {
      case DOUBLE:
        if (value instanceof Number n) {
          return n.doubleValue();
        }
        break;
      case BOOLEAN:
        if (value instanceof Boolean b) {
          return b ? 1.0 : 0.0;
        }
        break;
      case DAYS_BEFORE:
        if (value instanceof Instant t) {
          return daysBetween(t, reference);
        }
        if (value instanceof java.util.Date d && !(value instanceof java.sql.Date)) {
          return daysBetween(d.toInstant(), reference);
        }
        break;
      default:
        throw new IllegalStateException("unhandled input type " + input.type());
    }
    throw new IllegalArgumentException(
        "input '"
            + input.name()
            + "' is "
            + input.type().yamlName()
            + " and takes "
            + accepted(input.type())
            + " or null; found "
            + value.getClass().getName()
            + " '"
            + value
            + "'");
  }

  /** {@code (reference - value)} in fractional days. */
  /**
   * {@code reference - value} in days, from whole microseconds (the precision of a Spark
   * timestamp), so that Spark's encoding of the same instants is the same double.
   */
  static double daysBetween(Instant value, Instant reference) {
    return (double) ChronoUnit.MICROS.between(value, reference) / MICROS_PER_DAY;
  }

  private static String accepted(InputType type) {
    return switch (type) {
      case DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
      case DAYS_BEFORE -> "a timestamp (java.time.Instant or java.sql.Timestamp)";
    };
  }
}
