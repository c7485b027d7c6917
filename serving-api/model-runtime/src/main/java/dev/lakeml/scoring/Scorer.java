package dev.lakeml.scoring;

import dev.lakeml.schemas.artifact.ModelInput;
import dev.lakeml.schemas.artifact.ModelManifest;
import java.util.List;

/**
 * A loaded model that turns encoded rows ({@link FeatureEncoder}: input order, NaN for missing)
 * into P(label = 1). Implementations are safe to call from many threads at once; {@link #close()}
 * must come after the last call.
 */
public interface Scorer extends AutoCloseable {

  /** What the model is: format, inputs, preprocessing, lineage. */
  ModelManifest manifest();

  /** The inputs, in the order a row holds them. */
  default List<ModelInput> inputs() {
    return manifest().inputs();
  }

  /** The probability of label 1 for one row. */
  double score(double[] row);

  /** The probability of label 1 for each row, in one call to the model. */
  double[] scoreBatch(double[][] rows);

  /** Frees the native model; the scorer cannot be used afterwards. */
  @Override
  void close();

  /** Refuses a row of the wrong width, naming the expected inputs. */
  static void requireWidth(ModelManifest manifest, double[] row, int index) {
    if (row.length != manifest.inputs().size()) {
      throw new IllegalArgumentException(
          "row "
              + index
              + " has "
              + row.length
              + " values; model '"
              + manifest.model()
              + "' reads "
              + manifest.inputs().size()
              + " "
              + manifest.inputNames());
    }
  }
}
