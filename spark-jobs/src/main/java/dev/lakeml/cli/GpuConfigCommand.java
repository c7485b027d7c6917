package dev.lakeml.cli;

import dev.lakeml.spark.GpuDetection;
import dev.lakeml.spark.GpuSettings;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakeml gpu-config}: prints the spark-submit settings that run lakeml on CPU or on a GPU
 * cluster with the RAPIDS Accelerator, for Airflow DAGs and runbooks. It only generates settings
 * (this machine needs no GPU) unless {@code --check} is given.
 */
@Command(
    name = "gpu-config",
    description =
        "Print the spark-submit settings for a GPU cluster (RAPIDS Accelerator, GPU scheduling,"
            + " XGBoost device=cuda); prints nothing to set for cpu. See docs/gpu.md.")
final class GpuConfigCommand implements Callable<Integer> {
  // Taken like every command's, so scripts can pass them uniformly; no setting here needs Spark.
  @picocli.CommandLine.Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

  enum Format {
    SPARK_SUBMIT("spark-submit"),
    PROPERTIES("properties");

    private final String text;

    Format(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  @Option(
      names = "--device",
      description =
          "cpu or gpu (default: -Dlakeml.device, then spark.lakeml.device, then env"
              + " LAKEML_DEVICE, else cpu).")
  String device;

  @Option(
      names = "--gpus-per-executor",
      defaultValue = "1",
      description = "GPUs per executor (the RAPIDS Accelerator uses 1; default ${DEFAULT-VALUE}).")
  int gpusPerExecutor;

  @Option(
      names = "--task-gpu-amount",
      defaultValue = "0.25",
      description =
          "Share of a GPU per task: 1/executor cores, at most 0.5, or 1 (default ${DEFAULT-VALUE}).")
  double taskGpuAmount;

  @Option(
      names = "--concurrent-gpu-tasks",
      defaultValue = "2",
      description = "Tasks using the GPU at once (default ${DEFAULT-VALUE}).")
  int concurrentGpuTasks;

  @Option(
      names = "--discovery-script",
      description = "Path of the GPU discovery script on the executors (required for gpu).")
  String discoveryScript;

  @Option(
      names = "--rapids-jar",
      description = "Path of the RAPIDS Accelerator jar on the cluster (added with --jars).")
  String rapidsJar;

  @Option(
      names = "--format",
      defaultValue = "spark-submit",
      converter = FormatConverter.class,
      description = "spark-submit (arguments) or properties (for --properties-file).")
  Format format;

  @Option(
      names = "--check",
      description = "Also fail unless this machine shows a GPU (run it on a GPU node).")
  boolean check;

  @Override
  public Integer call() {
    PrintStream out = LakemlCli.out();
    GpuSettings.Device chosen =
        GpuSettings.requestedDevice(device, System.getProperties(), System.getenv());
    GpuSettings settings =
        chosen == GpuSettings.Device.CPU
            ? GpuSettings.cpu()
            : GpuSettings.gpu()
                .gpusPerExecutor(gpusPerExecutor)
                .taskGpuAmount(taskGpuAmount)
                .concurrentGpuTasks(concurrentGpuTasks)
                .discoveryScript(discoveryScript)
                .rapidsJar(rapidsJar)
                .build();
    if (check) {
      settings.requireGpuOn(GpuDetection.of(System.getenv()));
    }
    if (format == Format.PROPERTIES) {
      out.println("# lakeml device: " + settings.device());
      out.println(
          "# XGBoost: " + settings.xgboostParams() + "; DJL device: " + settings.djlDevice());
      if (settings.rapidsJar() != null) {
        out.println("spark.jars=" + settings.rapidsJar());
      }
      settings.sparkConf().forEach((k, v) -> out.println(k + "=" + v));
    } else {
      Map<String, String> conf = settings.sparkConf();
      int lines = conf.size() + (settings.rapidsJar() == null ? 0 : 1);
      int written = 0;
      if (settings.rapidsJar() != null) {
        out.println(
            "--jars " + shellQuoted(settings.rapidsJar()) + (++written < lines ? " \\" : ""));
      }
      for (Map.Entry<String, String> e : conf.entrySet()) {
        out.println(
            "--conf "
                + shellQuoted(e.getKey() + "=" + e.getValue())
                + (++written < lines ? " \\" : ""));
      }
    }
    return LakemlCli.OK;
  }

  /** Quoted for a POSIX shell only when it has to be. */
  static String shellQuoted(String s) {
    return s.matches("[A-Za-z0-9_./:=,@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }

  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      for (Format f : Format.values()) {
        if (f.text.equalsIgnoreCase(value)) {
          return f;
        }
      }
      throw new picocli.CommandLine.TypeConversionException(
          "expected spark-submit or properties, got '" + value + "'");
    }
  }
}
