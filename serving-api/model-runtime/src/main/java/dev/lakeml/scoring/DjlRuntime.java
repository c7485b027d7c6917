package dev.lakeml.scoring;

import ai.djl.Device;
import java.nio.file.Path;

/**
 * The DJL settings every process that trains or scores an MLP needs: offline (libtorch comes from
 * the {@code pytorch-native-cpu} jar on the classpath, never the network), no usage tracking, and
 * one intra-op and one inter-op thread (small models train and score several times faster, and
 * Spark executors and the serving API bring their own parallelism).
 *
 * <p>The settings are system properties read when the PyTorch engine starts, so call {@link
 * #configureOffline()} before the first DJL call in the JVM; {@link Scorers}, the trainer in
 * spark-jobs and {@link DjlMlpScorer} call it themselves. A property or environment variable
 * already set wins.
 */
public final class DjlRuntime {
  /** The DJL engine this package uses. */
  public static final String ENGINE = "PyTorch";

  private DjlRuntime() {}

  /** Sets the offline, tracking and thread properties where they are not already set. */
  public static void configureOffline() {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
    setIfAbsent("ai.djl.pytorch.num_threads", "1");
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
  }

  /**
   * As {@link #configureOffline()}, and unpacks libtorch (~450 MB) under {@code cacheDir} instead
   * of the default {@code ~/.djl.ai}, unless {@code DJL_CACHE_DIR} is already set.
   */
  public static void configureOffline(Path cacheDir) {
    configureOffline();
    setIfAbsent("DJL_CACHE_DIR", cacheDir.toAbsolutePath().toString());
  }

  /**
   * The device DJL trains and scores on: a GPU when {@code lakeml.device}, {@code
   * spark.lakeml.device} (spark-submit passes it as a system property) or {@code LAKEML_DEVICE}
   * says {@code gpu}, else the CPU. A GPU also needs a CUDA build of libtorch from the machine
   * ({@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_FLAVOR}; docs/gpu.md).
   */
  public static Device device() {
    String d = System.getProperty("lakeml.device");
    if (d == null) {
      d = System.getProperty("spark.lakeml.device");
    }
    if (d == null) {
      d = System.getenv("LAKEML_DEVICE");
    }
    return d != null && d.trim().equalsIgnoreCase("gpu") ? Device.gpu() : Device.cpu();
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null && System.getenv(key) == null) {
      System.setProperty(key, value);
    }
  }
}
