package dev.lakeml.scoring;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.artifact.ModelManifest;
import java.io.IOException;
import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Scores with a DJL multilayer perceptron ({@value ModelManifest#MLP_PARAMS_FILE}): fills a missing
 * value with the training median, standardises, runs the network and returns the sigmoid of its
 * logit.
 *
 * <p>One {@link Model} holds the weights and is shared. A DJL {@link Predictor} is not thread-safe,
 * so each call borrows one from a pool and returns it; the pool grows to the number of threads that
 * ever scored at once, and {@link #close()} frees them all.
 */
public final class DjlMlpScorer implements Scorer {
  private static final Translator TRANSLATOR = new Translator();

  private final ModelManifest manifest;
  private final Model model;
  private final boolean ownsModel;
  private final ModelManifest.Preprocessing[] preprocessing;
  private final Deque<Predictor<float[][], float[]>> idle = new ConcurrentLinkedDeque<>();
  private final Queue<Predictor<float[][], float[]>> all = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private DjlMlpScorer(ModelManifest manifest, Model model, boolean ownsModel) {
    this.manifest = manifest;
    this.model = model;
    this.ownsModel = ownsModel;
    this.preprocessing = preprocessing(manifest);
  }

  /** Loads the network of a verified artifact of format {@value ModelManifest#DJL_MLP}. */
  public static DjlMlpScorer open(ModelArtifact artifact) {
    ModelManifest m = artifact.manifest();
    if (!m.format().equals(ModelManifest.DJL_MLP)) {
      throw new IllegalArgumentException(
          artifact.dir() + ": format is " + m.format() + ", not " + ModelManifest.DJL_MLP);
    }
    DjlRuntime.configureOffline();
    Model model = newModel(ModelManifest.hiddenWidth(m.params()));
    try {
      model.load(artifact.dir(), ModelManifest.MLP_MODEL_NAME);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new ModelArtifactException(
          artifact.file(ModelManifest.MLP_PARAMS_FILE)
              + ": DJL cannot load the network (hidden="
              + m.params().get("hidden")
              + ", "
              + m.inputs().size()
              + " inputs): "
              + e,
          e);
    }
    return new DjlMlpScorer(m, model, true);
  }

  /** A scorer over a model trained in this JVM; closing the scorer leaves the model open. */
  public static DjlMlpScorer inMemory(ModelManifest manifest, Model model) {
    return new DjlMlpScorer(manifest, model, false);
  }

  /** A new, uninitialised network of the artifact's shape (the trainer fills it in). */
  public static Model newModel(int hidden) {
    Model model =
        Model.newInstance(ModelManifest.MLP_MODEL_NAME, DjlRuntime.device(), DjlRuntime.ENGINE);
    model.setBlock(MlpBlock.build(hidden));
    return model;
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
    if (rows.length == 0) {
      return new double[0];
    }
    float[][] x = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      Scorer.requireWidth(manifest, rows[i], i);
      x[i] = prepare(rows[i]);
    }
    float[] logits = predict(x);
    double[] scores = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      scores[i] = sigmoid(logits[i]);
    }
    return scores;
  }

  /** The standardised row the network reads. */
  private float[] prepare(double[] row) {
    return prepare(preprocessing, row);
  }

  /** The preprocessing of each input, in input order (shared with the trainer). */
  public static ModelManifest.Preprocessing[] preprocessing(ModelManifest manifest) {
    return manifest.inputNames().stream()
        .map(manifest.preprocessing()::get)
        .toArray(ModelManifest.Preprocessing[]::new);
  }

  /** Fills and standardises a row; the trainer calls the same method, so both agree. */
  public static float[] prepare(ModelManifest.Preprocessing[] preprocessing, double[] row) {
    float[] out = new float[row.length];
    for (int j = 0; j < row.length; j++) {
      out[j] = (float) preprocessing[j].apply(row[j]);
    }
    return out;
  }

  private float[] predict(float[][] x) {
    Predictor<float[][], float[]> predictor = idle.pollFirst();
    if (predictor == null) {
      predictor = model.newPredictor(TRANSLATOR);
      all.add(predictor);
    }
    try {
      return predictor.predict(x);
    } catch (TranslateException e) {
      throw new IllegalStateException(
          "model '" + manifest.model() + "': DJL prediction failed: " + e, e);
    } finally {
      idle.offerFirst(predictor);
    }
  }

  static double sigmoid(double logit) {
    return 1.0 / (1.0 + Math.exp(-logit));
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (Predictor<float[][], float[]> p : all) {
        p.close();
      }
      all.clear();
      idle.clear();
      if (ownsModel) {
        model.close();
      }
    }
  }

  /** Rows of standardised inputs in, one logit per row out. */
  private static final class Translator implements NoBatchifyTranslator<float[][], float[]> {
    @Override
    public NDList processInput(TranslatorContext ctx, float[][] input) {
      return new NDList(ctx.getNDManager().create(input));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      return list.singletonOrThrow().toFloatArray();
    }
  }
}
