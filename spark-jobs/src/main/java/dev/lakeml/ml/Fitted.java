package dev.lakeml.ml;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.ml.report.ReportData;
import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A trained binary classifier, whatever its estimator: it scores prepared rows (adding the
 * probability of label 1 as {@code _p1}) and saves itself as a registry artifact.
 */
abstract class Fitted {
  /** What {@link #save} wrote: the registry's format and locations, and feature importance. */
  record Saved(
      String format,
      String artifact,
      String sparkPipeline,
      List<ReportData.Importance> importance) {}

  /** The rows (as {@link ModelInputs#modelInput} made them) with {@code _p1}. */
  abstract Dataset<Row> withP1(Dataset<Row> prepared);

  /** Writes the model under {@code artifacts} (a run's folder). */
  abstract Saved save(String artifacts);

  /** A registered version, loaded to score rows in Spark. */
  static Fitted load(ModelRegistry.Version v) {
    switch (v.format()) {
      case ModelManifest.XGBOOST:
        // The sealed booster, scored in mapPartitions by the serving API's own scorer: batch
        // and online predictions come from the same code (and it is 2-3x faster than the
        // pipeline's transform).
        return ArtifactModel.open(Path.of(v.artifact()));
      case "spark-pipeline":
        try {
          return new SparkPipeline(PipelineModel.load(v.sparkPipeline()), null);
        } catch (RuntimeException e) {
          throw new ModelException(
              "version "
                  + v.version()
                  + " of "
                  + v.model()
                  + ": cannot load its Spark pipeline "
                  + v.sparkPipeline()
                  + ": "
                  + e.getMessage(),
              e);
        }
      case ModelManifest.DJL_MLP:
        return ArtifactModel.open(Path.of(v.artifact()));
      default:
        throw new ModelException(
            "version " + v.version() + " of " + v.model() + " has format " + v.format());
    }
  }

  /** A Spark ML pipeline: MLlib's estimators, or XGBoost4J-Spark's (saved natively too). */
  static final class SparkPipeline extends Fitted {
    private final PipelineModel model;
    private final Context context;

    /** What saving a pipeline needs beyond the model: for the XGBoost manifest and importance. */
    record Context(
        String model,
        String runId,
        List<ModelRegistry.Input> inputs,
        Map<String, String> params,
        long seed) {}

    SparkPipeline(PipelineModel model, Context context) {
      this.model = model;
      this.context = context;
    }

    @Override
    Dataset<Row> withP1(Dataset<Row> prepared) {
      return Evaluation.withP1(model.transform(prepared));
    }

    @Override
    Saved save(String artifacts) {
      String pipeline = artifacts + "/spark-pipeline";
      Transformer last = model.stages()[model.stages().length - 1];
      List<String> names = context.inputs().stream().map(ModelRegistry.Input::name).toList();
      try {
        model.write().overwrite().save(pipeline);
        if (last instanceof XGBoostClassificationModel xgb) {
          Path dir = Path.of(artifacts, "model");
          Files.createDirectories(dir);
          xgb.nativeBooster().saveModel(dir.resolve(ModelManifest.XGBOOST_MODEL_FILE).toString());
          ModelArtifact.seal(
              dir,
              ModelManifest.xgboost(
                  context.model(),
                  context.runId(),
                  Instant.now(),
                  modelInputs(context.inputs()),
                  context.params(),
                  context.seed()));
          Map<String, Double> gain =
              xgb.nativeBooster().booster().getScore(names.toArray(String[]::new), "total_gain");
          return new Saved(ModelManifest.XGBOOST, dir.toString(), pipeline, importance(gain));
        }
      } catch (LakehouseException e) {
        throw e;
      } catch (Exception e) {
        throw new ModelException("could not save the model to " + artifacts + ": " + e, e);
      }
      List<ReportData.Importance> importance = List.of();
      if (last instanceof GBTClassificationModel gbt) {
        double[] v = gbt.featureImportances().toArray();
        Map<String, Double> byName = new java.util.LinkedHashMap<>();
        for (int i = 0; i < v.length && i < names.size(); i++) {
          byName.put(names.get(i), v[i]);
        }
        importance = importance(byName);
      }
      return new Saved("spark-pipeline", pipeline, pipeline, importance);
    }
  }

  static List<ModelInput> modelInputs(List<ModelRegistry.Input> inputs) {
    return inputs.stream().map(i -> new ModelInput(i.name(), InputType.parse(i.type()))).toList();
  }

  static List<ReportData.Importance> importance(Map<String, Double> byName) {
    List<ReportData.Importance> out = new ArrayList<>();
    byName.forEach((k, v) -> out.add(new ReportData.Importance(k, v)));
    out.sort(Comparator.comparingDouble(ReportData.Importance::gain).reversed());
    return out;
  }
}
