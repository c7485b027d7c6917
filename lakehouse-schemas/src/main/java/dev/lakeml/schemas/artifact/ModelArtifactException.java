package dev.lakeml.schemas.artifact;

/**
 * A model artifact that cannot be written, read or trusted. The message names the folder, file or
 * key, what was found and what was expected, so an operator can act without reading code.
 */
public final class ModelArtifactException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelArtifactException(String message) {
    super(message);
  }

  public ModelArtifactException(String message, Throwable cause) {
    super(message, cause);
  }
}
