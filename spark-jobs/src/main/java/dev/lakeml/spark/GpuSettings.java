package dev.lakeml.spark;

import dev.lakeml.schemas.yaml.ConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where the heavy lifting runs, as configuration: on CPU (the default, nothing changes) or on
 * NVIDIA GPUs, where Spark SQL runs under the RAPIDS Accelerator plugin, XGBoost trains with {@code
 * device=cuda} and DJL picks the first GPU. The RAPIDS jar, CUDA and the GPU libtorch are supplied
 * by the cluster; this class only writes the settings that use them (docs/gpu.md).
 *
 * <p>The device is chosen with, highest first: the {@code --device} command-line option, the
 * {@value #DEVICE_PROPERTY} system property, the {@value #DEVICE_CONF} Spark setting (spark-submit
 * hands {@code spark.*} settings to the driver as system properties; the GPU settings include it),
 * the {@value #DEVICE_ENV} environment variable, then {@code cpu}.
 */
public final class GpuSettings {
  /** Environment variable naming the device: {@code cpu} or {@code gpu}. */
  public static final String DEVICE_ENV = "LAKEML_DEVICE";

  /** System property naming the device; wins over {@value #DEVICE_ENV}. */
  public static final String DEVICE_PROPERTY = "lakeml.device";

  /** Spark setting naming the device, written into the GPU settings for the jobs to read. */
  public static final String DEVICE_CONF = "spark.lakeml.device";

  /** The RAPIDS Accelerator's Spark plugin class. */
  public static final String RAPIDS_PLUGIN = "com.nvidia.spark.SQLPlugin";

  /** Where the computation runs. */
  public enum Device {
    CPU,
    GPU;

    /** {@code cpu} or {@code gpu}, any case; {@code source} names where the text came from. */
    public static Device parse(String text, String source) {
      String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
      return switch (t) {
        case "cpu" -> CPU;
        case "gpu", "cuda" -> GPU;
        default ->
            throw new ConfigException(
                source + " is '" + text + "'; expected cpu or gpu (the default is cpu)");
      };
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Device device;
  private final int gpusPerExecutor;
  private final double taskGpuAmount;
  private final String discoveryScript;
  private final int concurrentGpuTasks;
  private final String pinnedPoolSize;
  private final String maxPartitionBytes;
  private final String rapidsJar;

  private GpuSettings(Builder b) {
    this.device = Device.GPU;
    this.gpusPerExecutor = b.gpusPerExecutor;
    this.taskGpuAmount = b.taskGpuAmount;
    this.discoveryScript = b.discoveryScript;
    this.concurrentGpuTasks = b.concurrentGpuTasks;
    this.pinnedPoolSize = b.pinnedPoolSize;
    this.maxPartitionBytes = b.maxPartitionBytes;
    this.rapidsJar = b.rapidsJar;
  }

  private GpuSettings() {
    this.device = Device.CPU;
    this.gpusPerExecutor = 0;
    this.taskGpuAmount = 0;
    this.discoveryScript = null;
    this.concurrentGpuTasks = 0;
    this.pinnedPoolSize = null;
    this.maxPartitionBytes = null;
    this.rapidsJar = null;
  }

  private static final GpuSettings CPU = new GpuSettings();

  /** Everything on CPU: no extra Spark settings. */
  public static GpuSettings cpu() {
    return CPU;
  }

  /** GPU settings to fill in; the discovery script is required, the rest has defaults. */
  public static Builder gpu() {
    return new Builder();
  }

  /**
   * The device asked for: {@code commandLine} when given (null if not), else the system property,
   * else the Spark setting, else the environment variable, else CPU.
   */
  public static Device requestedDevice(
      String commandLine, Properties systemProperties, Map<String, String> environment) {
    if (commandLine != null) {
      return Device.parse(commandLine, "--device");
    }
    String property = systemProperties.getProperty(DEVICE_PROPERTY);
    if (property != null) {
      return Device.parse(property, "system property " + DEVICE_PROPERTY);
    }
    String conf = systemProperties.getProperty(DEVICE_CONF);
    if (conf != null) {
      return Device.parse(conf, "Spark setting " + DEVICE_CONF);
    }
    String env = environment.get(DEVICE_ENV);
    if (env != null && !env.isBlank()) {
      return Device.parse(env, "environment variable " + DEVICE_ENV);
    }
    return Device.CPU;
  }

  public Device device() {
    return device;
  }

  /**
   * The Spark settings, sorted by key: for GPU the RAPIDS plugin, GPU scheduling and the settings
   * the RAPIDS documentation recommends to start with; for CPU none.
   */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new TreeMap<>();
    if (device == Device.CPU) {
      return Collections.unmodifiableMap(conf);
    }
    conf.put(DEVICE_CONF, device.toString());
    conf.put("spark.plugins", RAPIDS_PLUGIN);
    conf.put("spark.rapids.sql.enabled", "true");
    // Lists in the driver log every operator that stays on the CPU, and why.
    conf.put("spark.rapids.sql.explain", "NOT_ON_GPU");
    conf.put("spark.rapids.sql.concurrentGpuTasks", String.valueOf(concurrentGpuTasks));
    conf.put("spark.rapids.memory.pinnedPool.size", pinnedPoolSize);
    conf.put("spark.executor.resource.gpu.amount", String.valueOf(gpusPerExecutor));
    conf.put("spark.executor.resource.gpu.discoveryScript", discoveryScript);
    conf.put("spark.task.resource.gpu.amount", amount(taskGpuAmount));
    // Larger input splits keep the GPU busy; adaptive execution coalesces small shuffle output.
    conf.put("spark.sql.files.maxPartitionBytes", maxPartitionBytes);
    conf.put("spark.sql.adaptive.enabled", "true");
    return Collections.unmodifiableMap(conf);
  }

  /** XGBoost parameters: {@code device} and {@code tree_method} (hist on both devices). */
  public Map<String, String> xgboostParams() {
    return xgboostParams(device);
  }

  /** XGBoost's device and tree method for a device. */
  public static Map<String, String> xgboostParams(Device device) {
    Map<String, String> params = new TreeMap<>();
    params.put("device", device == Device.GPU ? "cuda" : "cpu");
    params.put("tree_method", "hist");
    return Collections.unmodifiableMap(params);
  }

  /** The DJL device name, as {@code ai.djl.Device.fromName} takes it. */
  public String djlDevice() {
    return device == Device.GPU ? "gpu(0)" : "cpu()";
  }

  /** The RAPIDS Accelerator jar's path on the cluster, when one was given. */
  public String rapidsJar() {
    return rapidsJar;
  }

  /**
   * spark-submit arguments: {@code --jars} with the RAPIDS jar when one was given, every setting as
   * {@code --conf key=value} in key order, then the main class, the application jar and its
   * arguments.
   */
  public List<String> sparkSubmitArgs(String appJar, String mainClass, List<String> appArgs) {
    Objects.requireNonNull(appJar, "appJar");
    Objects.requireNonNull(mainClass, "mainClass");
    List<String> args = new ArrayList<>();
    if (rapidsJar != null) {
      args.add("--jars");
      args.add(rapidsJar);
    }
    sparkConf()
        .forEach(
            (key, value) -> {
              args.add("--conf");
              args.add(key + "=" + value);
            });
    args.add("--class");
    args.add(mainClass);
    args.add(appJar);
    args.addAll(appArgs);
    return List.copyOf(args);
  }

  /**
   * Fails unless a GPU is visible to this process, for runs on this machine; settings generated for
   * a cluster skip this check. CPU settings always pass.
   */
  public GpuSettings requireGpuOn(GpuDetection machine) {
    if (device == Device.GPU && !machine.gpuVisible()) {
      throw new ConfigException(
          "the device is gpu but no GPU is visible here: looked for "
              + machine.lookedFor()
              + " and found neither. Run on a GPU node, choose --device cpu (or unset "
              + DEVICE_ENV
              + "), or generate the settings for a cluster with 'lakeml gpu-config'.");
    }
    return this;
  }

  @Override
  public String toString() {
    return "GpuSettings[" + device + ", " + sparkConf() + "]";
  }

  private static String amount(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /** GPU settings; {@link #build} validates them and names the option at fault. */
  public static final class Builder {
    private int gpusPerExecutor = 1;
    private double taskGpuAmount = 0.25;
    private String discoveryScript;
    private int concurrentGpuTasks = 2;
    private String pinnedPoolSize = "2g";
    private String maxPartitionBytes = "512m";
    private String rapidsJar;

    private Builder() {}

    /** GPUs per executor ({@code spark.executor.resource.gpu.amount}); RAPIDS uses one. */
    public Builder gpusPerExecutor(int n) {
      this.gpusPerExecutor = n;
      return this;
    }

    /**
     * The share of a GPU one task takes ({@code spark.task.resource.gpu.amount}); 1 / executor
     * cores lets every core run a task. Spark takes (0, 0.5] or 1.
     */
    public Builder taskGpuAmount(double amount) {
      this.taskGpuAmount = amount;
      return this;
    }

    /** The script each executor runs to find its GPUs (Spark ships getGpusResources.sh). */
    public Builder discoveryScript(String path) {
      this.discoveryScript = path;
      return this;
    }

    /** Tasks that may use the GPU at once ({@code spark.rapids.sql.concurrentGpuTasks}). */
    public Builder concurrentGpuTasks(int n) {
      this.concurrentGpuTasks = n;
      return this;
    }

    /** Pinned host memory for transfers ({@code spark.rapids.memory.pinnedPool.size}). */
    public Builder pinnedPoolSize(String size) {
      this.pinnedPoolSize = size;
      return this;
    }

    /** Input split size ({@code spark.sql.files.maxPartitionBytes}). */
    public Builder maxPartitionBytes(String size) {
      this.maxPartitionBytes = size;
      return this;
    }

    /** The RAPIDS Accelerator jar's path on the cluster, passed with --jars; null to omit. */
    public Builder rapidsJar(String path) {
      this.rapidsJar = path == null || path.isBlank() ? null : path.strip();
      return this;
    }

    public GpuSettings build() {
      if (gpusPerExecutor < 1) {
        throw new ConfigException(
            "--gpus-per-executor is "
                + gpusPerExecutor
                + "; a GPU executor needs at least 1 GPU (spark.executor.resource.gpu.amount)");
      }
      if (gpusPerExecutor > 1) {
        throw new ConfigException(
            "--gpus-per-executor is "
                + gpusPerExecutor
                + "; the RAPIDS Accelerator uses exactly one GPU per executor: run one executor"
                + " per GPU instead");
      }
      if (!(taskGpuAmount > 0 && taskGpuAmount <= 1)) {
        throw new ConfigException(
            "--task-gpu-amount is "
                + taskGpuAmount
                + "; it must be in (0, 1]: the share of a GPU one task takes"
                + " (spark.task.resource.gpu.amount), e.g. 0.25 for 4 tasks per GPU");
      }
      if (taskGpuAmount > 0.5 && taskGpuAmount < 1) {
        throw new ConfigException(
            "--task-gpu-amount is "
                + taskGpuAmount
                + "; Spark takes a fraction of at most 0.5, or 1 (one task per GPU)");
      }
      if (discoveryScript == null || discoveryScript.isBlank()) {
        throw new ConfigException(
            "--discovery-script is missing: GPU executors need the path of the script that lists"
                + " their GPUs (spark.executor.resource.gpu.discoveryScript), e.g."
                + " $SPARK_HOME/examples/src/main/scripts/getGpusResources.sh");
      }
      if (concurrentGpuTasks < 1) {
        throw new ConfigException(
            "concurrent GPU tasks is "
                + concurrentGpuTasks
                + "; it must be at least 1 (spark.rapids.sql.concurrentGpuTasks)");
      }
      requireSize(pinnedPoolSize, "spark.rapids.memory.pinnedPool.size");
      requireSize(maxPartitionBytes, "spark.sql.files.maxPartitionBytes");
      discoveryScript = discoveryScript.strip();
      return new GpuSettings(this);
    }

    private static void requireSize(String size, String key) {
      if (size == null || !size.strip().matches("(?i)[0-9]+[kmgt]?b?")) {
        throw new ConfigException(key + " is '" + size + "'; expected a size such as 512m or 2g");
      }
    }
  }
}
