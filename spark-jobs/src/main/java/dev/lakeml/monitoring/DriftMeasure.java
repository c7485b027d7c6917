package dev.lakeml.monitoring;

import dev.lakeml.schemas.monitoring.DriftStatistic;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One statistic of one column, as a row of {@code monitoring.drift} holds it.
 *
 * @param value NaN when it cannot be computed; {@code status} says why
 * @param errorBound how far a sketched statistic may be from the exact one; NaN when exact
 */
public record DriftMeasure(
    DriftColumn column,
    DriftStatistic statistic,
    double value,
    OptionalDouble threshold,
    String status,
    long referenceRows,
    long currentRows,
    double errorBound,
    Map<String, String> detail) {

  /** The status of a computed value. */
  public static final String OK = "ok";

  /** The current population has no values for the column. */
  public static final String NO_DATA = "no data";

  /** The reference has no values for the column. */
  public static final String NO_REFERENCE = "no reference";

  /** The reference lacks the column altogether. */
  public static final String MISSING_IN_REFERENCE = "missing in reference";

  /** The current population lacks the column altogether. */
  public static final String MISSING_IN_CURRENT = "missing in current";

  public DriftMeasure {
    detail = Map.copyOf(detail);
  }

  /** Whether the value is past its threshold. */
  public boolean breached() {
    return threshold.isPresent() && statistic.breached(value, threshold.getAsDouble());
  }
}
