package dev.lakeml.schemas.artifact;

/**
 * How a raw value becomes the number a model reads. Each type has one encoding, applied the same
 * way by the training job, the batch scorer and the serving API.
 */
public enum InputType {
  /** A number, read as is. */
  DOUBLE("double"),
  /** {@code true} is 1, {@code false} is 0. */
  BOOLEAN("boolean"),
  /**
   * A timestamp, read as the days between it and the reference time (the scoring instant, or the
   * spine time in training): {@code (reference - value)} in fractional days, negative for a value
   * after the reference.
   */
  DAYS_BEFORE("days_before");

  /** The accepted spellings, for error messages. */
  public static final String ACCEPTED = "double, boolean or days_before";

  private final String yamlName;

  InputType(String yamlName) {
    this.yamlName = yamlName;
  }

  /** How the type is written in {@code model.yaml}. */
  public String yamlName() {
    return yamlName;
  }

  /** Reads {@link #yamlName()}. */
  public static InputType parse(String text) {
    for (InputType t : values()) {
      if (t.yamlName.equals(text)) {
        return t;
      }
    }
    throw new IllegalArgumentException("'" + text + "' is not an input type; expected " + ACCEPTED);
  }
}
