package dev.lakeml.ml;

import dev.lakeml.lakehouse.LakehouseException;

/**
 * A model cannot be trained, registered, promoted or scored: the message says what, why, and what
 * to do. A {@link LakehouseException}, so the CLI reports it like any failed job (exit 1, no stack
 * trace without --verbose).
 */
public class ModelException extends LakehouseException {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
