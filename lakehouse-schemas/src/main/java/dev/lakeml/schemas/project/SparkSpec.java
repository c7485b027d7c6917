package dev.lakeml.schemas.project;

import java.util.Map;
import java.util.Objects;

/** Spark settings from the project file; the command line and environment may override them. */
public record SparkSpec(String master, Map<String, String> conf) {
  public static final String DEFAULT_MASTER = "local[2]";

  public SparkSpec {
    Objects.requireNonNull(master, "master");
    conf = Map.copyOf(conf);
  }
}
