package dev.lakeml.scoring;

import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.artifact.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Scores with an XGBoost booster ({@value ModelManifest#XGBOOST_MODEL_FILE}, binary:logistic).
 *
 * <p>Rows go through {@link Booster#inplace_predict(float[], int, int, float)} with NaN as the
 * missing value: no DMatrix is built per call, and XGBoost documents prediction on a tree booster
 * (gbtree, dart) as thread-safe since 1.4, so one booster serves all threads without a lock. The
 * booster is set to {@code nthread=1} once, before it is shared: concurrent single-row calls each
 * on one thread are far faster than each fanning out to all cores. Values are read as 32-bit
 * floats, as XGBoost trains on them.
 */
public final class XgboostScorer implements Scorer {
  private final ModelManifest manifest;
  private final Booster booster;
  private final int width;
  private final AtomicBoolean closed = new AtomicBoolean();

  private XgboostScorer(ModelManifest manifest, Booster booster) {
    this.manifest = manifest;
    this.booster = booster;
    this.width = manifest.inputs().size();
  }

  /** Loads the booster of a verified artifact of format {@value ModelManifest#XGBOOST}. */
  public static XgboostScorer open(ModelArtifact artifact) {
    ModelManifest m = artifact.manifest();
    if (!m.format().equals(ModelManifest.XGBOOST)) {
      throw new IllegalArgumentException(
          artifact.dir() + ": format is " + m.format() + ", not " + ModelManifest.XGBOOST);
    }
    Path file = artifact.file(ModelManifest.XGBOOST_MODEL_FILE);
    Booster booster;
    try {
      booster = XGBoost.loadModel(Files.readAllBytes(file));
    } catch (IOException | XGBoostError e) {
      throw new ModelArtifactException(file + ": XGBoost cannot load the booster: " + e, e);
    }
    try {
      long features = booster.getNumFeature();
      if (features != m.inputs().size()) {
        throw new ModelArtifactException(
            file
                + ": the booster reads "
                + features
                + " features but "
                + ModelManifest.FILE_NAME
                + " lists "
                + m.inputs().size()
                + " inputs "
                + m.inputNames());
      }
      booster.setParam("nthread", 1);
    } catch (XGBoostError e) {
      booster.dispose();
      throw new ModelArtifactException(file + ": XGBoost cannot configure the booster: " + e, e);
    } catch (RuntimeException e) {
      booster.dispose();
      throw e;
    }
    return new XgboostScorer(m, booster);
  }

  @Override
  public ModelManifest manifest() {
    return manifest;
  }

  @Override
  public double score(double[] row) {
    return scoreBatch(new double[][] {row})[0];
  }

  @Override
  public double[] scoreBatch(double[][] rows) {
    if (closed.get()) {
      throw new IllegalStateException("model '" + manifest.model() + "' is closed");
    }
    int n = rows.length;
    if (n == 0) {
      return new double[0];
    }
    float[] data = new float[n * width];
    for (int i = 0; i < n; i++) {
      Scorer.requireWidth(manifest, rows[i], i);
      for (int j = 0; j < width; j++) {
        data[i * width + j] = (float) rows[i][j];
      }
    }
    float[][] predictions;
    try {
      predictions = booster.inplace_predict(data, n, width, Float.NaN);
    } catch (XGBoostError e) {
      throw new IllegalStateException(
          "model '" + manifest.model() + "': XGBoost prediction failed: " + e, e);
    }
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      scores[i] = predictions[i][0];
    }
    return scores;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      booster.dispose();
    }
  }
}
