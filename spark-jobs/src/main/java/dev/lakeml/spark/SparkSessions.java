package dev.lakeml.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The one place SparkSessions are made, for jobs and tests alike: Delta enabled, UTC session time,
 * lenient casts (invalid values become NULL and are caught by validation, not by an exception), and
 * small-data settings for local mode.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /** Settings every lakeml session has; project and command-line settings come on top. */
  public static Map<String, String> baseSettings(String master) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    conf.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    // The catalog is derived from the contracts each time a process starts (ADR 0003).
    conf.put("spark.sql.catalogImplementation", "in-memory");
    conf.put("spark.sql.session.timeZone", "UTC");
    conf.put("spark.sql.ansi.enabled", "false");
    conf.put("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    conf.put("spark.databricks.delta.schema.autoMerge.enabled", "false");
    conf.put("spark.databricks.delta.optimizeWrite.enabled", "false");
    conf.put("spark.sql.debug.maxToStringFields", "200");
    if (master.startsWith("local")) {
      conf.put("spark.ui.enabled", "false");
      conf.put("spark.sql.shuffle.partitions", "4");
      conf.put("spark.default.parallelism", "4");
      conf.put("spark.databricks.delta.snapshotPartitions", "2");
      conf.put("spark.sql.sources.parallelPartitionDiscovery.parallelism", "4");
      conf.put("spark.driver.host", "127.0.0.1");
      conf.put("spark.driver.bindAddress", "127.0.0.1");
    }
    return conf;
  }

  /**
   * Returns the session for a job. Under spark-submit the master and every setting given there win;
   * other settings are applied, base settings first, then {@code settings}.
   */
  public static SparkSession create(String appName, String master, Map<String, String> settings) {
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    boolean submitted = System.getProperty("spark.master") != null;
    String effectiveMaster = submitted ? System.getProperty("spark.master") : master;
    if (!submitted) {
      builder.master(master);
    }
    Map<String, String> conf = baseSettings(effectiveMaster);
    conf.putAll(settings);
    // Under spark-submit, settings given there (system properties) win over ours.
    conf.forEach(
        (key, value) -> {
          if (!submitted || System.getProperty(key) == null) {
            builder.config(key, value);
          }
        });
    return builder.getOrCreate();
  }

  /** The shared session of a test JVM: local[2], two shuffle partitions. */
  public static synchronized SparkSession forTests(String warehouseDir) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.shuffle.partitions", "2");
    conf.put("spark.default.parallelism", "2");
    conf.put("spark.sql.warehouse.dir", warehouseDir);
    conf.put("spark.driver.memory", "2g");
    return create("lakeml-tests", "local[2]", conf);
  }
}
