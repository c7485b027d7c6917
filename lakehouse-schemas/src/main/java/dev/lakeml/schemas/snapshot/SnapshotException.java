package dev.lakeml.schemas.snapshot;

/**
 * A snapshot that cannot be written, read or trusted. The message names the snapshot folder, file
 * or Redis key, what was found and what was expected, so an operator can act on it without reading
 * code.
 */
public final class SnapshotException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SnapshotException(String message) {
    super(message);
  }

  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
