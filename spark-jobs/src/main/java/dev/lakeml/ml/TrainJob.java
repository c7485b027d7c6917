package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.lakeml.features.TrainingSetJob;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.report.ReportData;
import dev.lakeml.schemas.features.FeatureSpec;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.TrainingSetTables;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code lakeml train <model>}: builds the model's point-in-time training set, splits it by time
 * (the past trains, a later window validates), fits every candidate of the hyperparameter grid as a
 * Spark ML pipeline, keeps the best on the spec's metric, and records the run, every candidate's
 * metrics, the training set build and its input Delta versions in {@code ml.runs} / {@code
 * ml.run_metrics}; the chosen pipeline (and, for XGBoost, the native booster) is saved under the
 * lakehouse.
 */
public final class TrainJob {
  /** What a run produced. */
  public record Result(
      String runId,
      String model,
      Map<String, String> params,
      Map<String, Double> metrics,
      int candidates,
      long trainRows,
      long validationRows,
      String artifacts,
      double seconds,
      int version,
      boolean champion,
      String gate,
      String report) {}

  private final Project project;
  private final Lakehouse lakehouse;
  private final SparkSession spark;
  private final Clock clock;
  private final Consumer<String> log;

  public TrainJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
    this.clock = clock;
    this.log = log;
  }

  public Result run(ModelSpec spec) {
    String runId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    Instant started = clock.instant();
    new TrainingRuns(lakehouse).ensure();
    try {
      if (spec.task() == Algorithm.Task.RECOMMENDATION) {
        return new RecommendJob(project, lakehouse, clock, log).train(spec, runId, started);
      }
      return trainBinary(spec, runId, started);
    } catch (RuntimeException e) {
      recordFailure(spec, runId, started, e);
      throw e;
    }
  }

  /**
   * Records a run that did not finish as FAILED with its message, so {@code ml.runs} holds every
   * attempt and not only the successes.
   */
  void recordFailure(ModelSpec spec, String runId, Instant started, RuntimeException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    try {
      new TrainingRuns(lakehouse).failed(spec, runId, started, clock.instant(), message);
    } catch (RuntimeException again) {
      e.addSuppressed(again);
    }
  }

  private Result trainBinary(ModelSpec spec, String runId, Instant started) {
    if (spec.algorithm() != Algorithm.XGBOOST
        && spec.algorithm() != Algorithm.GBT
        && spec.algorithm() != Algorithm.LOGISTIC_REGRESSION
        && spec.algorithm() != Algorithm.MLP) {
      throw new ModelException(
          "model "
              + spec.name()
              + ": training "
              + spec.algorithm().yamlName()
              + " as a binary classifier is not implemented");
    }
    long t0 = System.nanoTime();
    ModelSpec.TrainingSetSpec ts = spec.trainingSet();
    TrainingSetJob.Result built =
        new TrainingSetJob(project, lakehouse, clock, log)
            .build(
                spec.name(),
                new TrainingSetJob.Spine.FromLabel(ts.label(), ts.from(), ts.to(), ts.everyDays()),
                ts.views(),
                ts.asKnownAt());
    Map<String, Long> inputs = inputVersions(built.id());
    Dataset<Row> set = trainingSet(spec.name(), built.outputVersion());

    List<String> features = featureColumns(spec, built, set);
    Dataset<Row> prepared =
        ModelInputs.modelInput(set, features, ts.label(), spec.algorithm()).localCheckpoint(true);
    Timestamp cut = Timestamp.valueOf(spec.validateFrom().atStartOfDay());
    Dataset<Row> train = prepared.where(col("event_timestamp").lt(cut));
    Dataset<Row> valid = prepared.where(col("event_timestamp").geq(cut));
    long[] trainCounts = classCounts(train);
    long[] validCounts = classCounts(valid);
    checkSplit(spec, "training", trainCounts);
    checkSplit(spec, "validation", validCounts);
    List<ModelRegistry.Input> signature = ModelInputs.signature(set, features);

    String artifacts = lakehouse.artifacts(spec.name(), runId);
    List<Map<String, Number>> candidates = Algorithm.combinations(spec.grid());
    // The DJL engine's random seed is global to the JVM: networks train one at a time.
    int parallelism =
        spec.algorithm() == Algorithm.MLP ? 1 : Tuning.parallelism(spark, candidates.size());
    if (parallelism > 1) {
      log.accept("  " + candidates.size() + " candidates, " + parallelism + " at a time");
    }
    List<Fitted> models = new ArrayList<>(java.util.Collections.nCopies(candidates.size(), null));
    List<RunRecorder.Candidate> tried =
        Tuning.run(
            candidates.size(),
            parallelism,
            i -> {
              long f0 = System.nanoTime();
              Fitted model =
                  fit(spec, candidates.get(i), features, signature, train, artifacts, runId, i);
              double fitSeconds = (System.nanoTime() - f0) / 1e9;
              models.set(i, model);
              return new RunRecorder.Candidate(
                  candidates.get(i),
                  Evaluation.binaryP1(model.withP1(valid), ModelInputs.LABEL),
                  fitSeconds);
            });
    RunRecorder recorder = new RunRecorder(lakehouse, clock, log);
    int chosen = recorder.choose(spec, tried);
    Fitted best = models.get(chosen);
    Map<String, Double> bestMetrics = tried.get(chosen).metrics();
    Fitted.Saved saved = best.save(artifacts);
    Dataset<Row> bestScored = best.withP1(valid).localCheckpoint(true);

    ModelRegistry.Version unnumbered =
        ModelRegistry.Version.builder()
            .model(spec.name())
            .runId(runId)
            .algorithm(spec.algorithm().yamlName())
            .task("binary_classification")
            .format(saved.format())
            .artifact(saved.artifact())
            .sparkPipeline(saved.sparkPipeline())
            .inputs(signature)
            .output("score DOUBLE: the probability that " + ts.label() + " is 1")
            .metric(spec.metric().key(spec.topK()))
            .metrics(bestMetrics)
            .label(ts.label())
            .trainingSetBuild(built.id())
            .trainingSetVersion(built.outputVersion())
            .inputTables(inputs)
            .validateFrom(spec.validateFrom())
            .validateTo(ts.to())
            .specHash(RunRecorder.specHash(spec))
            .build();
    Dataset<Row> validRaw = set.where(col("event_timestamp").geq(cut));
    return recorder.finish(
        RunRecorder.Finished.builder()
            .spec(spec)
            .runId(runId)
            .started(started)
            .startNanos(t0)
            .candidates(tried)
            .chosen(chosen)
            .metrics(bestMetrics)
            .trainingSet(Layer.TRAINING_SETS.database() + "." + spec.name())
            .trainingSetBuild(built.id())
            .inputs(inputs)
            .features(features)
            .trainRows(trainCounts[0] + trainCounts[1])
            .validationRows(validCounts[0] + validCounts[1])
            .artifacts(artifacts)
            .unnumbered(unnumbered)
            .importance(saved.importance())
            .calibration(calibrationBins(bestScored))
            .roc(Evaluation.roc(bestScored, ModelInputs.LABEL, 100))
            .build(),
        incumbent -> rescore(incumbent, validRaw, ts.label()));
  }

  /**
   * Runs the promotion gate for an already registered version (for {@code lakeml models promote}):
   * the version and the champion are both rescored on the version's own validation window, read at
   * the Delta versions the version was trained from.
   */
  public PromotionGate.Decision gate(ModelRegistry.Version v, String actor) {
    ModelSpec spec =
        project
            .model(v.model())
            .orElseThrow(
                () ->
                    new ModelException(
                        "model " + v.model() + " is no longer declared in the project file"));
    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    String metricKey = spec.metric().key(spec.topK());
    if (spec.task() == Algorithm.Task.RECOMMENDATION) {
      RecommendJob job = new RecommendJob(project, lakehouse, clock, log);
      String table = Layer.SILVER.database() + "." + spec.interactions().source();
      RecommendJob.Data d = job.data(spec, v.inputTables().get(table));
      double value =
          RecommendJob.evaluate(RecommendJob.load(v), d.truth(), spec.topK()).get(metricKey);
      return new PromotionGate(registry, actor)
          .judge(
              spec,
              v,
              value,
              inc ->
                  RecommendJob.evaluate(RecommendJob.load(inc), d.truth(), spec.topK())
                      .get(metricKey));
    }
    if (v.trainingSetVersion() == null) {
      throw new ModelException(
          "version " + v.version() + " of " + v.model() + " records no training set version");
    }
    Dataset<Row> rows =
        trainingSet(v.model(), v.trainingSetVersion())
            .where(col("event_timestamp").geq(Timestamp.valueOf(v.validateFrom().atStartOfDay())))
            .localCheckpoint(true);
    double value = rescore(v, rows, v.label()).get(metricKey);
    return new PromotionGate(registry, actor)
        .judge(spec, v, value, inc -> rescore(inc, rows, v.label()).get(metricKey));
  }

  /** Fits one tuning candidate. */
  private Fitted fit(
      ModelSpec spec,
      Map<String, Number> params,
      List<String> features,
      List<ModelRegistry.Input> signature,
      Dataset<Row> train,
      String artifacts,
      String runId,
      int candidate) {
    if (spec.algorithm() == Algorithm.MLP) {
      return ArtifactModel.train(
          spec,
          params,
          signature,
          train,
          java.nio.file.Path.of(artifacts, "candidates", String.valueOf(candidate)),
          runId);
    }
    PipelineModel model = Estimators.pipeline(spec, params, features).fit(train);
    return new Fitted.SparkPipeline(
        model,
        new Fitted.SparkPipeline.Context(
            spec.name(), runId, signature, RunRecorder.text(params), spec.seed()));
  }

  /** The training set table at a Delta version. */
  Dataset<Row> trainingSet(String name, long version) {
    return lakehouse.readAt(lakehouse.location(Layer.TRAINING_SETS, name), version);
  }

  /**
   * A registered binary version's metrics on other rows of a training set (the gate's rescoring of
   * the champion on the challenger's validation window). Refused when the rows lack one of the
   * version's inputs.
   */
  Map<String, Double> rescore(ModelRegistry.Version v, Dataset<Row> rows, String label) {
    List<String> names = v.inputs().stream().map(ModelRegistry.Input::name).toList();
    List<String> missing =
        names.stream().filter(n -> !List.of(rows.columns()).contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new ModelException(
          "version " + v.version() + " of " + v.model() + " needs " + missing + ", absent here");
    }
    Algorithm algorithm = Algorithm.parse(v.algorithm());
    Dataset<Row> input = ModelInputs.modelInput(rows, names, label, algorithm);
    return Evaluation.binaryP1(Fitted.load(v).withP1(input), ModelInputs.LABEL);
  }

  private static List<ReportData.CalibrationBin> calibrationBins(Dataset<Row> scored) {
    List<ReportData.CalibrationBin> out = new ArrayList<>();
    for (Row r : Evaluation.calibrationP1(scored, ModelInputs.LABEL).collectAsList()) {
      int bin = r.getInt(0);
      out.add(
          new ReportData.CalibrationBin(
              bin, bin / 10.0, (bin + 1) / 10.0, r.getLong(1), r.getDouble(2), r.getDouble(3)));
    }
    return out;
  }

  /** The training set's input tables and versions, from its manifest. */
  private Map<String, Long> inputVersions(String buildId) {
    Row m =
        lakehouse
            .read(TrainingSetTables.MANIFESTS)
            .where(col("id").equalTo(buildId))
            .select("input_tables")
            .first();
    return new LinkedHashMap<>(m.<String, Long>getJavaMap(0));
  }

  /** The spec's features, or every feature and request feature the training set has. */
  List<String> featureColumns(ModelSpec spec, TrainingSetJob.Result built, Dataset<Row> set) {
    List<String> columns = List.of(set.columns());
    List<String> wanted = new ArrayList<>(spec.features());
    if (wanted.isEmpty()) {
      for (String view : built.views()) {
        project.features().view(view).ifPresent(v -> wanted.addAll(featuresOf(v)));
      }
      wanted.addAll(built.requestFeatures());
    }
    for (String f : wanted) {
      if (!columns.contains(f)) {
        throw new ModelException(
            "model "
                + spec.name()
                + ": feature "
                + f
                + " is not in its training set (columns: "
                + columns
                + ")");
      }
    }
    return wanted;
  }

  private static long[] classCounts(Dataset<Row> df) {
    Row r = df.agg(expr("count_if(label = 0)"), expr("count_if(label = 1)")).first();
    return new long[] {r.getLong(0), r.getLong(1)};
  }

  private static void checkSplit(ModelSpec spec, String part, long[] counts) {
    long total = counts[0] + counts[1];
    if (total < 20 || counts[0] == 0 || counts[1] == 0) {
      throw new ModelException(
          "model "
              + spec.name()
              + ": the "
              + part
              + " window has "
              + total
              + " rows ("
              + counts[0]
              + " negative, "
              + counts[1]
              + " positive); it needs at least 20 rows and both classes. Widen the training"
              + " set's from/to or move split.validate_from ("
              + spec.validateFrom()
              + ").");
    }
  }

  static List<String> featuresOf(FeatureViewSpec v) {
    return v.features().stream().map(FeatureSpec::name).toList();
  }
}
