package dev.lakeml.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.scoring.DjlMlpScorer;
import dev.lakeml.scoring.Scorer;
import dev.lakeml.scoring.Scorers;
import dev.lakeml.scoring.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real DJL training on the CPU: learning, reproducibility, and save-open equality. */
class MlpTrainerTest {
  static final int WIDTH = 20;
  static final List<ModelInput> INPUTS = SyntheticData.inputs(WIDTH);
  static final Instant CREATED = Instant.parse("2024-05-01T00:00:00Z");
  static final MlpTrainer.Params PARAMS = new MlpTrainer.Params(16, 10, 0.01, 64, 42);

  @TempDir static Path tmp;
  static SyntheticData train;
  static SyntheticData test;
  static TrainedMlp trained;
  static double[] inMemory;

  @BeforeAll
  static void trainOnce() {
    SyntheticData all = SyntheticData.generate(4_000, WIDTH, 11);
    train = all.rows(0, 3_000);
    test = all.rows(3_000, 4_000);
    trained = MlpTrainer.train("synthetic", "run-1", CREATED, INPUTS, train.x(), train.y(), PARAMS);
    try (Scorer scorer = trained.scorer()) {
      inMemory = scorer.scoreBatch(test.x());
    }
  }

  @AfterAll
  static void close() {
    trained.close();
  }

  @Test
  void learnsASeparableProblemWithMissingValues() {
    assertThat(SyntheticData.accuracy(inMemory, test.y())).isGreaterThan(0.9);
    assertThat(java.util.Arrays.stream(inMemory).allMatch(s -> s > 0 && s < 1)).isTrue();
  }

  @Test
  void sameRowsAndSeedGiveTheSameModel() throws Exception {
    try (TrainedMlp again =
            MlpTrainer.train("synthetic", "run-2", CREATED, INPUTS, train.x(), train.y(), PARAMS);
        Scorer scorer = again.scorer()) {
      assertThat(scorer.scoreBatch(test.x())).containsExactly(inMemory);
      assertThat(again.manifest().preprocessing()).isEqualTo(trained.manifest().preprocessing());
    }
    MlpTrainer.Params otherSeed = new MlpTrainer.Params(16, 10, 0.01, 64, 43);
    try (TrainedMlp other =
            MlpTrainer.train(
                "synthetic", "run-3", CREATED, INPUTS, train.x(), train.y(), otherSeed);
        Scorer scorer = other.scorer()) {
      assertThat(scorer.scoreBatch(test.x())).isNotEqualTo(inMemory);
    }
  }

  @Test
  void savedArtifactScoresExactlyLikeTheTrainedModel() throws Exception {
    Path dir = tmp.resolve("mlp");
    ModelArtifact saved = trained.save(dir);
    assertThat(saved.manifest().files())
        .extracting(dev.lakeml.schemas.sealed.SealedFile::path)
        .containsExactly(ModelManifest.MLP_PARAMS_FILE);
    assertThat(saved.manifest().params())
        .containsEntry("hidden", "16")
        .containsEntry("learning_rate", "0.01");
    assertThat(Files.readString(dir.resolve("model.yaml"))).contains("format: djl-mlp", "fill: ");
    try (Scorer scorer = Scorers.open(dir)) {
      assertThat(scorer).isInstanceOf(DjlMlpScorer.class);
      assertThat(scorer.scoreBatch(test.x())).containsExactly(inMemory);
      // One row runs through another float32 matrix kernel than a batch: equal to ~1e-7.
      assertThat(scorer.score(test.x()[5])).isCloseTo(inMemory[5], within(1e-6));
    }
  }

  @Test
  void scoresFromEightThreadsAtOnceLikeFromOne() throws Exception {
    try (Scorer scorer = trained.scorer()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<double[]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          results.add(
              pool.submit(
                  () -> {
                    double[] out = new double[200];
                    for (int i = 0; i < out.length; i++) {
                      out[i] = scorer.score(test.x()[i]);
                    }
                    return out;
                  }));
        }
        for (Future<double[]> f : results) {
          double[] out = f.get();
          for (int i = 0; i < out.length; i++) {
            assertThat(out[i]).isCloseTo(inMemory[i], within(1e-6));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void preprocessingFillsWithTheMedianAndStandardises() {
    double[][] x = {{1}, {Double.NaN}, {3}, {10}, {Double.NaN}};
    ModelManifest.Preprocessing p = MlpTrainer.preprocessing(x, 0);
    assertThat(p.fill()).isEqualTo(3.0);
    assertThat(p.mean()).isEqualTo(4.0);
    assertThat(p.std()).isEqualTo(Math.sqrt((9 + 1 + 1 + 36 + 1) / 5.0));
    assertThat(p.apply(Double.NaN)).isEqualTo(-1 / p.std());
    ModelManifest.Preprocessing constant =
        MlpTrainer.preprocessing(new double[][] {{2}, {2}, {Double.NaN}}, 0);
    assertThat(constant).isEqualTo(new ModelManifest.Preprocessing(2, 2, 1));
  }

  @Test
  void refusesLabelsOtherThanZeroAndOne() {
    assertThatThrownBy(
            () ->
                MlpTrainer.train(
                    "m",
                    "r",
                    CREATED,
                    SyntheticData.inputs(1),
                    new double[][] {{1}, {2}},
                    new double[] {0, 2},
                    PARAMS))
        .hasMessage("label of row 1 is 2.0; expected 0 or 1");
  }
}
