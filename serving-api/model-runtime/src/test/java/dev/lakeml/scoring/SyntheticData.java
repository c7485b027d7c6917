package dev.lakeml.scoring;

import dev.lakeml.schemas.artifact.InputType;
import dev.lakeml.schemas.artifact.ModelInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A separable binary problem: {@code y = 1} when {@code x0 + x1 + noise > 0}, with distractor
 * inputs and about 5 % missing values (NaN) outside the two informative inputs.
 */
public record SyntheticData(double[][] x, double[] y) {

  public static List<ModelInput> inputs(int width) {
    List<ModelInput> inputs = new ArrayList<>();
    for (int j = 0; j < width; j++) {
      inputs.add(new ModelInput("x" + j, InputType.DOUBLE));
    }
    return inputs;
  }

  public static SyntheticData generate(int rows, int width, long seed) {
    Random random = new Random(seed);
    double[][] x = new double[rows][width];
    double[] y = new double[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < width; j++) {
        boolean missing = j >= 2 && random.nextDouble() < 0.05;
        x[i][j] = missing ? Double.NaN : random.nextGaussian() * (j + 1) + j;
      }
      double signal = (x[i][0] - 0.0) / 1.0 + (x[i][1] - 1.0) / 2.0 + 0.3 * random.nextGaussian();
      y[i] = signal > 0 ? 1.0 : 0.0;
    }
    return new SyntheticData(x, y);
  }

  public SyntheticData rows(int from, int to) {
    return new SyntheticData(
        java.util.Arrays.copyOfRange(x, from, to), java.util.Arrays.copyOfRange(y, from, to));
  }

  public static double accuracy(double[] scores, double[] labels) {
    int right = 0;
    for (int i = 0; i < scores.length; i++) {
      if ((scores[i] >= 0.5 ? 1.0 : 0.0) == labels[i]) {
        right++;
      }
    }
    return (double) right / scores.length;
  }
}
