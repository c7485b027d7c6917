package dev.lakeml.schemas.monitoring;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * How a model is watched in production ({@code monitoring:} of a model in the project file): the
 * drift thresholds, for every column and per column, and the alert policy ({@code score} is the
 * model's output). A threshold of NaN ({@code off} in the file) turns a default off.
 *
 * @param thresholds thresholds that replace the defaults for every column
 * @param columns thresholds for one column, which win over {@code thresholds}
 * @param alerts when an alert is raised and a retrain asked for
 */
public record MonitoringSpec(
    Map<DriftStatistic, Double> thresholds,
    Map<String, Map<DriftStatistic, Double>> columns,
    AlertPolicy alerts) {

  /** A model that declares no {@code monitoring:}: the defaults everywhere. */
  public static final MonitoringSpec DEFAULTS =
      new MonitoringSpec(Map.of(), Map.of(), AlertPolicy.DEFAULTS);

  public MonitoringSpec {
    alerts = alerts == null ? AlertPolicy.DEFAULTS : alerts;
    thresholds = Collections.unmodifiableMap(new EnumMap<>(copy(thresholds)));
    TreeMap<String, Map<DriftStatistic, Double>> byColumn = new TreeMap<>();
    columns.forEach((c, t) -> byColumn.put(c, Collections.unmodifiableMap(new EnumMap<>(copy(t)))));
    columns = Collections.unmodifiableMap(byColumn);
  }

  private static Map<DriftStatistic, Double> copy(Map<DriftStatistic, Double> in) {
    Map<DriftStatistic, Double> out = new EnumMap<>(DriftStatistic.class);
    out.putAll(in);
    return out;
  }

  /** The threshold for {@code statistic} on {@code column}: the column's, the model's, default. */
  public OptionalDouble threshold(String column, DriftStatistic statistic) {
    Double own = columns.getOrDefault(column, Map.of()).get(statistic);
    if (own == null) {
      own = thresholds.get(statistic);
    }
    if (own == null) {
      return statistic.defaultThreshold();
    }
    return own.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(own);
  }
}
