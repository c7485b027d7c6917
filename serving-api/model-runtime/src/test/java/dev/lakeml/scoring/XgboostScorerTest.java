package dev.lakeml.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real booster trained here with xgboost4j's Java API, saved, sealed and scored back. */
class XgboostScorerTest {
  static final int WIDTH = 6;
  static final List<ModelInput> INPUTS = SyntheticData.inputs(WIDTH);

  @TempDir static Path tmp;
  static SyntheticData test;
  static float[][] expected;
  static Path dir;

  @BeforeAll
  static void trainAndSeal() throws Exception {
    SyntheticData train = SyntheticData.generate(1_000, WIDTH, 1);
    test = SyntheticData.generate(300, WIDTH, 2);
    Map<String, Object> params = new HashMap<>();
    params.put("objective", "binary:logistic");
    params.put("max_depth", 3);
    params.put("eta", 0.3);
    params.put("nthread", 1);
    params.put("seed", 7);
    Booster booster = XGBoost.train(dmatrix(train), params, 20, Map.of(), null, null);
    expected = booster.predict(dmatrix(test));
    dir = Files.createDirectories(tmp.resolve("xgb"));
    booster.saveModel(dir.resolve(ModelManifest.XGBOOST_MODEL_FILE).toString());
    booster.dispose();
    ModelArtifact.seal(
        dir,
        ModelManifest.xgboost(
            "synthetic",
            "run-1",
            Instant.parse("2024-05-01T00:00:00Z"),
            INPUTS,
            Map.of("max_depth", "3", "eta", "0.3", "rounds", "20"),
            7));
  }

  static DMatrix dmatrix(SyntheticData data) throws Exception {
    float[] flat = new float[data.x().length * WIDTH];
    float[] labels = new float[data.x().length];
    for (int i = 0; i < data.x().length; i++) {
      for (int j = 0; j < WIDTH; j++) {
        flat[i * WIDTH + j] = (float) data.x()[i][j];
      }
      labels[i] = (float) data.y()[i];
    }
    DMatrix m = new DMatrix(flat, data.x().length, WIDTH, Float.NaN);
    m.setLabel(labels);
    return m;
  }

  @Test
  void scoresLikeTheBoosterThatWasTrained() {
    try (Scorer scorer = Scorers.open(dir)) {
      assertThat(scorer).isInstanceOf(XgboostScorer.class);
      assertThat(scorer.inputs()).isEqualTo(INPUTS);
      double[] scores = scorer.scoreBatch(test.x());
      for (int i = 0; i < scores.length; i++) {
        assertThat(scores[i]).isCloseTo(expected[i][0], within(1e-6));
      }
      assertThat(scorer.score(test.x()[3])).isCloseTo(expected[3][0], within(1e-6));
      assertThat(SyntheticData.accuracy(scores, test.y())).isGreaterThan(0.85);
      assertThat(scorer.scoreBatch(new double[0][])).isEmpty();
    }
  }

  @Test
  void scoresFromEightThreadsAtOnceLikeFromOne() throws Exception {
    try (Scorer scorer = Scorers.open(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<double[]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(
              pool.submit(
                  () -> {
                    double[] out = new double[test.x().length];
                    for (int rep = 0; rep < 5; rep++) {
                      for (int i = 0; i < out.length; i++) {
                        out[i] = scorer.score(test.x()[i]);
                      }
                    }
                    return out;
                  }));
        }
        for (Future<double[]> f : results) {
          double[] out = f.get();
          for (int i = 0; i < out.length; i++) {
            assertThat(out[i]).isCloseTo(expected[i][0], within(1e-6));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void refusesARowOfTheWrongWidth() {
    try (Scorer scorer = Scorers.open(dir)) {
      assertThatThrownBy(() -> scorer.score(new double[] {1, 2}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("row 0 has 2 values; model 'synthetic' reads 6 [x0, x1, x2, x3, x4, x5]");
    }
  }

  @Test
  void refusesAManifestWhoseInputsDoNotMatchTheBooster() throws Exception {
    Path other = Files.createDirectories(tmp.resolve("mismatch"));
    Files.copy(
        dir.resolve(ModelManifest.XGBOOST_MODEL_FILE),
        other.resolve(ModelManifest.XGBOOST_MODEL_FILE));
    ModelArtifact.seal(
        other,
        ModelManifest.xgboost(
            "synthetic", "run-1", Instant.EPOCH, SyntheticData.inputs(4), Map.of(), 7));
    assertThatThrownBy(() -> Scorers.open(other))
        .isInstanceOf(ModelArtifactException.class)
        .hasMessage(
            other.resolve(ModelManifest.XGBOOST_MODEL_FILE)
                + ": the booster reads 6 features but model.yaml lists 4 inputs [x0, x1, x2, x3]");
  }
}
