package dev.lakeml.ml;

import static dev.lakeml.ml.ModelInputs.FEATURES;
import static dev.lakeml.ml.ModelInputs.LABEL;

import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.spark.GpuSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark estimators of the binary classifiers, built from a spec's algorithm and one candidate's
 * parameters (defaults for what the grid leaves out), reading the rows {@link ModelInputs} makes.
 */
final class Estimators {
  private Estimators() {}

  /** Assembly (and imputation for MLlib, which refuses missing values) + the estimator. */
  static Pipeline pipeline(ModelSpec spec, Map<String, Number> params, List<String> features) {
    List<PipelineStage> stages = new ArrayList<>();
    String[] in = features.toArray(String[]::new);
    if (spec.algorithm() == Algorithm.XGBOOST) {
      // The dense "features" vector comes from modelInput (see there); NaN is missing.
      stages.add(estimator(spec, params, in));
    } else {
      String[] imputed = features.stream().map(f -> f + "__imputed").toArray(String[]::new);
      stages.add(new Imputer().setInputCols(in).setOutputCols(imputed).setStrategy("median"));
      stages.add(
          new VectorAssembler()
              .setInputCols(imputed)
              .setOutputCol(FEATURES)
              .setHandleInvalid("keep"));
      stages.add(estimator(spec, params, in));
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  static PipelineStage estimator(ModelSpec spec, Map<String, Number> p, String[] columns) {
    switch (spec.algorithm()) {
      case XGBOOST:
        {
          XGBoostClassifier x = new XGBoostClassifier();
          // Scala setters return Params: one per statement.
          x.setFeaturesCol(FEATURES);
          x.setLabelCol(LABEL);
          x.setObjective("binary:logistic");
          x.setMissing(Float.NaN);
          x.setSeed(spec.seed());
          // One worker (a barrier task) with the cores a task has: deterministic for a seed, and
          // the training sets here are small. More workers need that many free task slots.
          x.setNumWorkers(1);
          x.setNthread(Integer.parseInt(SparkSession.active().conf().get("spark.task.cpus", "1")));
          // device=cuda when the job runs with --device gpu / LAKEML_DEVICE=gpu (docs/gpu.md).
          GpuSettings.Device device =
              GpuSettings.requestedDevice(null, System.getProperties(), System.getenv());
          Map<String, String> xgb = GpuSettings.xgboostParams(device);
          x.setDevice(xgb.get("device"));
          x.setTreeMethod(xgb.get("tree_method"));
          x.setMaxDepth(p.getOrDefault("max_depth", 6).intValue());
          x.setEta(p.getOrDefault("eta", 0.3).doubleValue());
          x.setNumRound(p.getOrDefault("num_round", 100).intValue());
          x.setSubsample(p.getOrDefault("subsample", 1.0).doubleValue());
          x.setColsampleBytree(p.getOrDefault("colsample_bytree", 1.0).doubleValue());
          x.setMinChildWeight(p.getOrDefault("min_child_weight", 1.0).doubleValue());
          x.setLambda(p.getOrDefault("lambda", 1.0).doubleValue());
          x.setAlpha(p.getOrDefault("alpha", 0.0).doubleValue());
          return x;
        }
      case GBT:
        return new GBTClassifier()
            .setFeaturesCol(FEATURES)
            .setLabelCol(LABEL)
            .setSeed(spec.seed())
            .setMaxDepth(p.getOrDefault("max_depth", 5).intValue())
            .setMaxIter(p.getOrDefault("max_iter", 100).intValue())
            .setStepSize(p.getOrDefault("step_size", 0.1).doubleValue())
            .setSubsamplingRate(p.getOrDefault("subsampling_rate", 1.0).doubleValue());
      default:
        return new LogisticRegression()
            .setFeaturesCol(FEATURES)
            .setLabelCol(LABEL)
            .setRegParam(p.getOrDefault("reg_param", 0.0).doubleValue())
            .setElasticNetParam(p.getOrDefault("elastic_net_param", 0.0).doubleValue())
            .setMaxIter(p.getOrDefault("max_iter", 100).intValue());
    }
  }
}
