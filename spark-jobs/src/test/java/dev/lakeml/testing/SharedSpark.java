package dev.lakeml.testing;

import dev.lakeml.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The one SparkSession of a test JVM, made by the same factory the jobs use. */
public final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      try {
        Path warehouse = Files.createTempDirectory("lakeml-warehouse");
        session = SparkSessions.forTests(warehouse.toString());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return session;
  }
}
