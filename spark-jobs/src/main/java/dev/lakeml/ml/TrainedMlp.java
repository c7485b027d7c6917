package dev.lakeml.ml;

import ai.djl.Model;
import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.scoring.DjlMlpScorer;
import dev.lakeml.scoring.Scorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An MLP just trained by {@link MlpTrainer}, held in memory: it can score (to evaluate it) and be
 * saved as a sealed artifact that scores identically.
 */
public final class TrainedMlp implements AutoCloseable {
  private final ModelManifest manifest;
  private final Model model;

  TrainedMlp(ModelManifest manifest, Model model) {
    this.manifest = manifest;
    this.model = model;
  }

  /** The manifest the artifact will carry (its file list is filled in by {@link #save}). */
  public ModelManifest manifest() {
    return manifest;
  }

  /** A scorer over the in-memory network; closing it leaves this model open. */
  public Scorer scorer() {
    return DjlMlpScorer.inMemory(manifest, model);
  }

  /**
   * Writes the network's parameters ({@value ModelManifest#MLP_PARAMS_FILE}) into {@code dir}
   * (created if absent; it must hold nothing else) and seals it.
   */
  public ModelArtifact save(Path dir) {
    try {
      Files.createDirectories(dir);
      model.setProperty("Epoch", "0");
      model.save(dir, ModelManifest.MLP_MODEL_NAME);
    } catch (IOException e) {
      throw new ModelArtifactException(dir + ": cannot write the MLP parameters: " + e, e);
    }
    return ModelArtifact.seal(dir, manifest);
  }

  @Override
  public void close() {
    model.close();
  }
}
