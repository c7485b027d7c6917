package dev.lakeml.lakehouse;

/** A job cannot go on: the message says what, why, and what to do, for the person running it. */
public class LakehouseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LakehouseException(String message) {
    super(message);
  }

  public LakehouseException(String message, Throwable cause) {
    super(message, cause);
  }
}
