package dev.lakeml.schemas.snapshot;

import java.util.Locale;

/**
 * The value types an online snapshot can hold. They are deliberately few: each has one fixed binary
 * encoding ({@link FeatureRowCodec}), so a snapshot written by Spark reads back identically in any
 * serving process.
 */
public enum FeatureType {
  LONG,
  DOUBLE,
  TIMESTAMP,
  STRING,
  BOOLEAN;

  /** The accepted spellings, for error messages. */
  public static final String ACCEPTED = "long, double, timestamp, string or boolean";

  /** How the type is written in {@code manifest.yaml}. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads {@link #yamlName()} (case-insensitively). */
  public static FeatureType parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a feature type; expected " + ACCEPTED, e);
    }
  }
}
