package dev.lakeml.ml;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.report.ModelReport;
import dev.lakeml.ml.report.ReportData;
import dev.lakeml.schemas.models.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The end of every training run, whatever the estimator: the candidates' metrics to {@code
 * ml.run_metrics}, the run to {@code ml.runs}, a new version to the registry, the promotion gate,
 * and the HTML report.
 */
final class RunRecorder {
  /** One tuning candidate: its parameters, validation metrics and fit time. */
  record Candidate(Map<String, Number> params, Map<String, Double> metrics, double fitSeconds) {}

  /** A finished run: what goes to ml.runs, the registry and the report. */
  record Finished(
      ModelSpec spec,
      String runId,
      Instant started,
      long startNanos,
      List<Candidate> candidates,
      int chosen,
      Map<String, Double> metrics,
      String trainingSet,
      String trainingSetBuild,
      Map<String, Long> inputs,
      List<String> features,
      long trainRows,
      long validationRows,
      String artifacts,
      ModelRegistry.Version unnumbered,
      List<ReportData.Importance> importance,
      List<ReportData.CalibrationBin> calibration,
      List<ReportData.CurvePoint> roc) {

    /**
     * A builder with a named setter per component; importance, calibration and roc default to none.
     */
    static Builder builder() {
      return new Builder();
    }

    /**
     * Builds a {@link Finished} by name; artifacts, candidates, features, inputs, metrics, runId,
     * spec, started, trainingSet, unnumbered must be set.
     */
    static final class Builder {
      private ModelSpec spec;
      private String runId;
      private Instant started;
      private long startNanos;
      private List<Candidate> candidates;
      private int chosen;
      private Map<String, Double> metrics;
      private String trainingSet;
      private String trainingSetBuild;
      private Map<String, Long> inputs;
      private List<String> features;
      private long trainRows;
      private long validationRows;
      private String artifacts;
      private ModelRegistry.Version unnumbered;
      private List<ReportData.Importance> importance = List.of();
      private List<ReportData.CalibrationBin> calibration = List.of();
      private List<ReportData.CurvePoint> roc = List.of();

      private Builder() {}

      Builder spec(ModelSpec spec) {
        this.spec = spec;
        return this;
      }

      Builder runId(String runId) {
        this.runId = runId;
        return this;
      }

      Builder started(Instant started) {
        this.started = started;
        return this;
      }

      Builder startNanos(long startNanos) {
        this.startNanos = startNanos;
        return this;
      }

      Builder candidates(List<Candidate> candidates) {
        this.candidates = candidates;
        return this;
      }

      Builder chosen(int chosen) {
        this.chosen = chosen;
        return this;
      }

      Builder metrics(Map<String, Double> metrics) {
        this.metrics = metrics;
        return this;
      }

      Builder trainingSet(String trainingSet) {
        this.trainingSet = trainingSet;
        return this;
      }

      Builder trainingSetBuild(String trainingSetBuild) {
        this.trainingSetBuild = trainingSetBuild;
        return this;
      }

      Builder inputs(Map<String, Long> inputs) {
        this.inputs = inputs;
        return this;
      }

      Builder features(List<String> features) {
        this.features = features;
        return this;
      }

      Builder trainRows(long trainRows) {
        this.trainRows = trainRows;
        return this;
      }

      Builder validationRows(long validationRows) {
        this.validationRows = validationRows;
        return this;
      }

      Builder artifacts(String artifacts) {
        this.artifacts = artifacts;
        return this;
      }

      Builder unnumbered(ModelRegistry.Version unnumbered) {
        this.unnumbered = unnumbered;
        return this;
      }

      Builder importance(List<ReportData.Importance> importance) {
        this.importance = importance;
        return this;
      }

      Builder calibration(List<ReportData.CalibrationBin> calibration) {
        this.calibration = calibration;
        return this;
      }

      Builder roc(List<ReportData.CurvePoint> roc) {
        this.roc = roc;
        return this;
      }

      Finished build() {
        Objects.requireNonNull(artifacts, "Finished.artifacts is not set");
        Objects.requireNonNull(candidates, "Finished.candidates is not set");
        Objects.requireNonNull(features, "Finished.features is not set");
        Objects.requireNonNull(inputs, "Finished.inputs is not set");
        Objects.requireNonNull(metrics, "Finished.metrics is not set");
        Objects.requireNonNull(runId, "Finished.runId is not set");
        Objects.requireNonNull(spec, "Finished.spec is not set");
        Objects.requireNonNull(started, "Finished.started is not set");
        Objects.requireNonNull(trainingSet, "Finished.trainingSet is not set");
        Objects.requireNonNull(unnumbered, "Finished.unnumbered is not set");
        return new Finished(
            spec,
            runId,
            started,
            startNanos,
            candidates,
            chosen,
            metrics,
            trainingSet,
            trainingSetBuild,
            inputs,
            features,
            trainRows,
            validationRows,
            artifacts,
            unnumbered,
            importance,
            calibration,
            roc);
      }
    }
  }

  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  RunRecorder(Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  /** Logs every candidate and returns the index of the best on the spec's metric (first wins). */
  int choose(ModelSpec spec, List<Candidate> candidates) {
    String key = spec.metric().key(spec.topK());
    int best = -1;
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      log.accept(
          String.format(
              "  candidate %d/%d %s: %s (%.1f s)",
              i + 1, candidates.size(), c.params(), c.metrics(), c.fitSeconds()));
      if (best < 0
          || spec.metric()
              .beats(c.metrics().get(key), candidates.get(best).metrics().get(key), 1e-12)) {
        best = i;
      }
    }
    return best;
  }

  /**
   * Records the run, registers the chosen model, runs the gate ({@code rescore} scores a registered
   * version on this run's validation window) and writes the report.
   */
  TrainJob.Result finish(Finished f, Function<ModelRegistry.Version, Map<String, Double>> rescore) {
    ModelSpec spec = f.spec();
    TrainingRuns runs = new TrainingRuns(lakehouse);
    runs.candidates(f.runId(), f.candidates(), f.chosen());
    Map<String, String> chosenParams = text(f.candidates().get(f.chosen()).params());
    runs.succeeded(f, chosenParams, clock.instant());

    // Registry: a new version, judged against the champion on the same validation rows.
    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    String metricKey = spec.metric().key(spec.topK());
    int number = registry.register(f.unnumbered());
    ModelRegistry.Version version = registry.version(spec.name(), number).orElseThrow();
    Map<Integer, Map<String, Double>> rescored = new LinkedHashMap<>();
    PromotionGate.Decision decision =
        new PromotionGate(registry, actor())
            .decide(
                spec,
                version,
                f.metrics().get(metricKey),
                incumbent -> {
                  Map<String, Double> m = rescore.apply(incumbent);
                  rescored.put(incumbent.version(), m);
                  return m.get(metricKey);
                });
    log.accept("  version " + number + ": " + (decision.promoted() ? "champion" : "challenger"));
    log.accept("  gate: " + decision.reason());

    List<ReportData.Candidate> tuned = new ArrayList<>();
    for (int i = 0; i < f.candidates().size(); i++) {
      Candidate c = f.candidates().get(i);
      tuned.add(
          new ReportData.Candidate(
              i, text(c.params()), c.metrics(), c.fitSeconds(), i == f.chosen()));
    }
    ReportData.Champion champion =
        decision.incumbent() == null || !rescored.containsKey(decision.incumbent())
            ? null
            : new ReportData.Champion(
                String.valueOf(decision.incumbent()),
                registry.version(spec.name(), decision.incumbent()).orElseThrow().runId(),
                rescored.get(decision.incumbent()));
    double seconds = (System.nanoTime() - f.startNanos()) / 1e9;
    String report =
        writeReport(
            ReportData.builder()
                .model(spec.name())
                .version(String.valueOf(number))
                .runId(f.runId())
                .algorithm(spec.algorithm().yamlName())
                .task(f.unnumbered().task())
                .startedAt(f.started())
                .seconds(seconds)
                .trainingSetBuild(
                    f.trainingSetBuild() != null ? f.trainingSetBuild() : f.trainingSet())
                .inputTables(f.inputs())
                .trainRows(f.trainRows())
                .validationRows(f.validationRows())
                .validateFrom(spec.validateFrom())
                .primaryMetric(metricKey)
                .higherIsBetter(spec.metric().higherIsBetter())
                .metrics(f.metrics())
                .candidates(tuned)
                .importance(f.importance())
                .calibration(f.calibration())
                .roc(f.roc())
                .champion(champion)
                .gateDecision(
                    (decision.promoted() ? "promoted to champion: " : "stays challenger: ")
                        + decision.reason())
                .build(),
            f.artifacts());
    registry.setReport(spec.name(), number, report);
    return new TrainJob.Result(
        f.runId(),
        spec.name(),
        chosenParams,
        f.metrics(),
        f.candidates().size(),
        f.trainRows(),
        f.validationRows(),
        f.artifacts(),
        seconds,
        number,
        decision.promoted(),
        decision.reason(),
        report);
  }

  static Map<String, String> text(Map<String, Number> params) {
    Map<String, String> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, v.toString()));
    return out;
  }

  /** Writes the HTML report beside the artifacts and returns its path. */
  static String writeReport(ReportData data, String artifacts) {
    java.nio.file.Path file = java.nio.file.Path.of(artifacts, "report.html");
    try {
      ModelReport.write(data, file);
    } catch (java.io.UncheckedIOException e) {
      throw new ModelException("could not write the model report " + file + ": " + e, e);
    }
    return file.toString();
  }

  /** Who changes aliases: the user running the job, as the audit history's actor. */
  static String actor() {
    return "lakeml train (" + System.getProperty("user.name", "unknown") + ")";
  }

  static String specHash(ModelSpec spec) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(spec.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String codeVersion() {
    String version = RunRecorder.class.getPackage().getImplementationVersion();
    String commit = System.getenv().getOrDefault("LAKEML_GIT_COMMIT", "");
    return (version == null ? "dev" : version) + (commit.isEmpty() ? "" : "+" + commit);
  }
}
