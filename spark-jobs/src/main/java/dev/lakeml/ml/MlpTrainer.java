package dev.lakeml.ml;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.scoring.DjlMlpScorer;
import dev.lakeml.scoring.DjlRuntime;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Trains the binary classifier of format {@value ModelManifest#DJL_MLP} on the CPU with DJL's
 * PyTorch engine: two hidden ReLU layers of width {@code hidden} ({@code
 * dev.lakeml.scoring.MlpBlock}), sigmoid binary cross-entropy, Adam.
 *
 * <p>Preprocessing comes from the training rows: a missing value (NaN) is filled with the column's
 * median (0 when the column has no value), then standardised by the filled column's mean and
 * standard deviation (1 when the column is constant).
 *
 * <p>The same rows, inputs and parameters give the same weights: the engine's random seed (weight
 * initialisation) and the batch order both come from {@code seed}, and DJL runs single-threaded
 * ({@link DjlRuntime}). The engine seed is global to the JVM, so train one model at a time in a JVM
 * when reproducibility matters.
 */
public final class MlpTrainer {
  private MlpTrainer() {}

  /**
   * The hyperparameters.
   *
   * @param hidden the width of both hidden layers
   * @param epochs passes over the training rows
   * @param learningRate Adam's (fixed) learning rate
   * @param batchSize rows per gradient step (the last batch of an epoch may be smaller)
   * @param seed for weight initialisation and batch order
   */
  public record Params(int hidden, int epochs, double learningRate, int batchSize, long seed) {
    /** The keys {@link #fromMap} reads, in the order {@link #asMap} writes them. */
    public static final List<String> KEYS =
        List.of("hidden", "epochs", "learning_rate", "batch_size");

    public Params {
      if (hidden < 1 || epochs < 1 || batchSize < 1) {
        throw new IllegalArgumentException(
            "hidden, epochs and batch_size must be 1 or more; found hidden="
                + hidden
                + ", epochs="
                + epochs
                + ", batch_size="
                + batchSize);
      }
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException(
            "learning_rate must be a finite number above 0; found " + learningRate);
      }
    }

    /** The parameters as {@code model.yaml} records them (without the seed, which has its key). */
    public Map<String, String> asMap() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("hidden", Integer.toString(hidden));
      m.put("epochs", Integer.toString(epochs));
      m.put("learning_rate", Double.toString(learningRate));
      m.put("batch_size", Integer.toString(batchSize));
      return m;
    }

    /**
     * Reads parameters given as text (a model spec's {@code params}); every key of {@link #KEYS} is
     * required and any other key is refused.
     */
    public static Params fromMap(Map<String, String> params, long seed) {
      for (String key : params.keySet()) {
        if (!KEYS.contains(key)) {
          throw new IllegalArgumentException(
              "unknown MLP parameter '" + key + "'; expected " + String.join(", ", KEYS));
        }
      }
      return new Params(
          wholeNumber(params, "hidden"),
          wholeNumber(params, "epochs"),
          number(params, "learning_rate"),
          wholeNumber(params, "batch_size"),
          seed);
    }

    private static String required(Map<String, String> params, String key) {
      String text = params.get(key);
      if (text == null) {
        throw new IllegalArgumentException("MLP parameter '" + key + "' is required");
      }
      return text.trim();
    }

    private static int wholeNumber(Map<String, String> params, String key) {
      String text = required(params, key);
      try {
        return Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "MLP parameter '" + key + "' must be a whole number, found '" + text + "'", e);
      }
    }

    private static double number(Map<String, String> params, String key) {
      String text = required(params, key);
      try {
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "MLP parameter '" + key + "' must be a number, found '" + text + "'", e);
      }
    }
  }

  /**
   * Trains a model on encoded rows.
   *
   * @param model the model spec name, for the manifest
   * @param runId the training run, for the manifest
   * @param createdAt the time the manifest records (passed in: no wall clock here)
   * @param x rows in input order ({@link FeatureEncoder}), NaN for missing
   * @param y labels, 0 or 1
   */
  public static TrainedMlp train(
      String model,
      String runId,
      Instant createdAt,
      List<ModelInput> inputs,
      double[][] x,
      double[] y,
      Params params) {
    List<ModelInput> in = ModelInput.requireValid(inputs);
    requireData(in, x, y);
    Map<String, ModelManifest.Preprocessing> preprocessing = new LinkedHashMap<>();
    for (int j = 0; j < in.size(); j++) {
      preprocessing.put(in.get(j).name(), preprocessing(x, j));
    }
    ModelManifest manifest =
        new ModelManifest(
            ModelManifest.DJL_MLP,
            model,
            runId,
            ModelManifest.BINARY_CLASSIFICATION,
            createdAt,
            in,
            ModelManifest.Output.PROBABILITY,
            preprocessing,
            params.asMap(),
            params.seed(),
            List.of());

    DjlRuntime.configureOffline();
    Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed(Long.hashCode(params.seed()));
    Model net = DjlMlpScorer.newModel(params.hidden());
    try {
      fit(net, manifest, x, y, params);
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return new TrainedMlp(manifest, net);
  }

  private static void fit(
      Model net, ModelManifest manifest, double[][] x, double[] y, Params params) {
    ModelManifest.Preprocessing[] preprocessing = DjlMlpScorer.preprocessing(manifest);
    int n = x.length;
    int width = manifest.inputs().size();
    float[][] features = new float[n][];
    for (int i = 0; i < n; i++) {
      features[i] = DjlMlpScorer.prepare(preprocessing, x[i]);
    }
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
            .optOptimizer(
                Optimizer.adam()
                    .optLearningRateTracker(Tracker.fixed((float) params.learningRate()))
                    .build())
            .optInitializer(new XavierInitializer(), Parameter.Type.WEIGHT)
            .optDevices(new Device[] {DjlRuntime.device()});
    Random shuffle = new Random(params.seed());
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    try (Trainer trainer = net.newTrainer(config)) {
      trainer.initialize(new Shape(params.batchSize(), width));
      for (int epoch = 0; epoch < params.epochs(); epoch++) {
        shuffle(order, shuffle);
        for (int start = 0; start < n; start += params.batchSize()) {
          int size = Math.min(params.batchSize(), n - start);
          float[][] xb = new float[size][];
          float[] yb = new float[size];
          for (int k = 0; k < size; k++) {
            xb[k] = features[order[start + k]];
            yb[k] = (float) y[order[start + k]];
          }
          try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray input = batch.create(xb);
            NDArray label = batch.create(yb).reshape(size, 1);
            try (GradientCollector collector = trainer.newGradientCollector()) {
              NDList logits = trainer.forward(new NDList(input));
              NDArray loss = trainer.getLoss().evaluate(new NDList(label), logits);
              collector.backward(loss);
            }
            trainer.step();
          }
        }
      }
    }
  }

  /** Fisher-Yates, so the batch order depends only on the seed. */
  private static void shuffle(int[] order, Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  static ModelManifest.Preprocessing preprocessing(double[][] x, int column) {
    double[] present =
        Arrays.stream(x)
            .mapToDouble(r -> r[column])
            .filter(v -> !Double.isNaN(v))
            .sorted()
            .toArray();
    double fill;
    if (present.length == 0) {
      fill = 0.0;
    } else if (present.length % 2 == 1) {
      fill = present[present.length / 2];
    } else {
      fill = (present[present.length / 2 - 1] + present[present.length / 2]) / 2.0;
    }
    double sum = 0.0;
    for (double[] row : x) {
      sum += Double.isNaN(row[column]) ? fill : row[column];
    }
    double mean = sum / x.length;
    double squares = 0.0;
    for (double[] row : x) {
      double d = (Double.isNaN(row[column]) ? fill : row[column]) - mean;
      squares += d * d;
    }
    double std = Math.sqrt(squares / x.length);
    return new ModelManifest.Preprocessing(fill, mean, std > 0 ? std : 1.0);
  }

  private static void requireData(List<ModelInput> inputs, double[][] x, double[] y) {
    if (x.length == 0 || x.length != y.length) {
      throw new IllegalArgumentException(
          "training needs one label per row and at least one row; found "
              + x.length
              + " rows and "
              + y.length
              + " labels");
    }
    for (int i = 0; i < x.length; i++) {
      if (x[i].length != inputs.size()) {
        throw new IllegalArgumentException(
            "row " + i + " has " + x[i].length + " values; the inputs are " + inputs.size());
      }
      for (int j = 0; j < x[i].length; j++) {
        if (Double.isInfinite(x[i][j])) {
          throw new IllegalArgumentException(
              "row " + i + ", input '" + inputs.get(j).name() + "' is infinite");
        }
      }
      if (!Set.of(0.0, 1.0).contains(y[i])) {
        throw new IllegalArgumentException(
            "label of row " + i + " is " + y[i] + "; expected 0 or 1");
      }
    }
  }
}
