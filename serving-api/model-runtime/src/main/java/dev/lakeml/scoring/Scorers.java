package dev.lakeml.scoring;

import dev.lakeml.schemas.artifact.ModelArtifact;
import dev.lakeml.schemas.artifact.ModelArtifactException;
import dev.lakeml.schemas.artifact.ModelManifest;
import java.nio.file.Path;

/** Opens the scorer an artifact's format calls for. */
public final class Scorers {
  private Scorers() {}

  /** Verifies the artifact in {@code dir} ({@link ModelArtifact#open}) and loads its model. */
  public static Scorer open(Path dir) {
    return open(ModelArtifact.open(dir));
  }

  /**
   * Verifies the artifact in {@code dir} against the manifest digest its serving pointer recorded
   * ({@link ModelArtifact#open(Path, String)}) and loads its model.
   */
  public static Scorer open(Path dir, String manifestSha256) {
    return open(ModelArtifact.open(dir, manifestSha256));
  }

  public static Scorer open(ModelArtifact artifact) {
    return switch (artifact.manifest().format()) {
      case ModelManifest.XGBOOST -> XgboostScorer.open(artifact);
      case ModelManifest.DJL_MLP -> DjlMlpScorer.open(artifact);
      default ->
          throw new ModelArtifactException(
              artifact.dir() + ": format '" + artifact.manifest().format() + "' has no scorer");
    };
  }
}
