package dev.lakeml.ml.report;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a model report shows about one trained model version; the training job fills it.
 *
 * <p>Maps keep the caller's order (metrics and parameters are shown in it). Empty lists mean "not
 * available for this algorithm" (ranking models have no calibration, ROC or importance). Metric
 * values may be NaN or infinite; the report shows them as "n/a".
 *
 * @param version the registered version, or null when the run was not registered
 * @param seconds the run's wall time
 * @param inputTables the training set's input tables and the Delta versions read
 * @param validateFrom the first day of the validation window
 * @param primaryMetric the metric candidates were ranked on (a key of {@code metrics})
 * @param roc ROC curve points (false positive rate, true positive rate); may be empty
 * @param champion the current champion rescored on the same validation window, or null
 * @param gateDecision the promotion gate's decision as a sentence, or null
 */
public record ReportData(
    String model,
    String version,
    String runId,
    String algorithm,
    String task,
    Instant startedAt,
    double seconds,
    String trainingSetBuild,
    Map<String, Long> inputTables,
    long trainRows,
    long validationRows,
    LocalDate validateFrom,
    String primaryMetric,
    boolean higherIsBetter,
    Map<String, Double> metrics,
    List<Candidate> candidates,
    List<Importance> importance,
    List<CalibrationBin> calibration,
    List<CurvePoint> roc,
    Champion champion,
    String gateDecision) {

  public ReportData {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(primaryMetric, "primaryMetric");
    inputTables = ordered(inputTables);
    metrics = ordered(metrics);
    candidates = candidates == null ? List.of() : List.copyOf(candidates);
    importance = importance == null ? List.of() : List.copyOf(importance);
    calibration = calibration == null ? List.of() : List.copyOf(calibration);
    roc = roc == null ? List.of() : List.copyOf(roc);
  }

  /** A builder with a named setter per component. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ReportData} by name; the constructor checks what is required. */
  public static final class Builder {
    private String model;
    private String version;
    private String runId;
    private String algorithm;
    private String task;
    private Instant startedAt;
    private double seconds;
    private String trainingSetBuild;
    private Map<String, Long> inputTables;
    private long trainRows;
    private long validationRows;
    private LocalDate validateFrom;
    private String primaryMetric;
    private boolean higherIsBetter;
    private Map<String, Double> metrics;
    private List<Candidate> candidates;
    private List<Importance> importance;
    private List<CalibrationBin> calibration;
    private List<CurvePoint> roc;
    private Champion champion;
    private String gateDecision;

    private Builder() {}

    public Builder model(String model) {
      this.model = model;
      return this;
    }

    public Builder version(String version) {
      this.version = version;
      return this;
    }

    public Builder runId(String runId) {
      this.runId = runId;
      return this;
    }

    public Builder algorithm(String algorithm) {
      this.algorithm = algorithm;
      return this;
    }

    public Builder task(String task) {
      this.task = task;
      return this;
    }

    public Builder startedAt(Instant startedAt) {
      this.startedAt = startedAt;
      return this;
    }

    public Builder seconds(double seconds) {
      this.seconds = seconds;
      return this;
    }

    public Builder trainingSetBuild(String trainingSetBuild) {
      this.trainingSetBuild = trainingSetBuild;
      return this;
    }

    public Builder inputTables(Map<String, Long> inputTables) {
      this.inputTables = inputTables;
      return this;
    }

    public Builder trainRows(long trainRows) {
      this.trainRows = trainRows;
      return this;
    }

    public Builder validationRows(long validationRows) {
      this.validationRows = validationRows;
      return this;
    }

    public Builder validateFrom(LocalDate validateFrom) {
      this.validateFrom = validateFrom;
      return this;
    }

    public Builder primaryMetric(String primaryMetric) {
      this.primaryMetric = primaryMetric;
      return this;
    }

    public Builder higherIsBetter(boolean higherIsBetter) {
      this.higherIsBetter = higherIsBetter;
      return this;
    }

    public Builder metrics(Map<String, Double> metrics) {
      this.metrics = metrics;
      return this;
    }

    public Builder candidates(List<Candidate> candidates) {
      this.candidates = candidates;
      return this;
    }

    public Builder importance(List<Importance> importance) {
      this.importance = importance;
      return this;
    }

    public Builder calibration(List<CalibrationBin> calibration) {
      this.calibration = calibration;
      return this;
    }

    public Builder roc(List<CurvePoint> roc) {
      this.roc = roc;
      return this;
    }

    public Builder champion(Champion champion) {
      this.champion = champion;
      return this;
    }

    public Builder gateDecision(String gateDecision) {
      this.gateDecision = gateDecision;
      return this;
    }

    public ReportData build() {
      return new ReportData(
          model,
          version,
          runId,
          algorithm,
          task,
          startedAt,
          seconds,
          trainingSetBuild,
          inputTables,
          trainRows,
          validationRows,
          validateFrom,
          primaryMetric,
          higherIsBetter,
          metrics,
          candidates,
          importance,
          calibration,
          roc,
          champion,
          gateDecision);
    }
  }

  /** One point of the hyperparameter grid, fitted and scored on the validation window. */
  public record Candidate(
      int index,
      Map<String, String> params,
      Map<String, Double> metrics,
      double fitSeconds,
      boolean chosen) {
    public Candidate {
      params = ordered(params);
      metrics = ordered(metrics);
    }
  }

  /** A feature's total gain in the chosen model. */
  public record Importance(String feature, double gain) {
    public Importance {
      Objects.requireNonNull(feature, "feature");
    }
  }

  /** One bin of the reliability table: predicted probability in [lower, upper). */
  public record CalibrationBin(
      int bin, double lower, double upper, long rows, double meanPredicted, double observedRate) {}

  /** A point of a curve, e.g. (false positive rate, true positive rate). */
  public record CurvePoint(double x, double y) {}

  /** The model version currently serving, rescored on the same validation window. */
  public record Champion(String version, String runId, Map<String, Double> metrics) {
    public Champion {
      Objects.requireNonNull(version, "version");
      metrics = ordered(metrics);
    }
  }

  /** An unmodifiable copy that keeps the caller's order (Map.copyOf does not). */
  private static <K, V> Map<K, V> ordered(Map<K, V> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
