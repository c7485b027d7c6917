package dev.lakeml.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.lakeml.cli.LakemlCli;
import dev.lakeml.schemas.yaml.ConfigException;
import dev.lakeml.spark.GpuSettings.Device;
import dev.lakeml.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuSettingsTest {
  private static final String SCRIPT = "/opt/spark/examples/src/main/scripts/getGpusResources.sh";
  private static final String RAPIDS_JAR = "/opt/rapids/rapids-4-spark_2.12.jar";

  @TempDir Path tmp;

  @Test
  void cpuAddsNoSparkSettingsAndRunsXgboostAndDjlOnTheCpu() {
    GpuSettings cpu = GpuSettings.cpu();

    assertThat(cpu.device()).isEqualTo(Device.CPU);
    assertThat(cpu.sparkConf()).isEmpty();
    assertThat(cpu.xgboostParams())
        .containsExactly(entry("device", "cpu"), entry("tree_method", "hist"));
    assertThat(cpu.djlDevice()).isEqualTo("cpu()");
    assertThat(
            cpu.sparkSubmitArgs(
                "lakeml-app.jar", "dev.lakeml.cli.LakemlCli", List.of("train", "churn")))
        .containsExactly("--class", "dev.lakeml.cli.LakemlCli", "lakeml-app.jar", "train", "churn");
  }

  @Test
  void gpuWritesExactlyTheRapidsAndSchedulingSettings() {
    GpuSettings gpu = GpuSettings.gpu().discoveryScript(SCRIPT).build();

    assertThat(gpu.device()).isEqualTo(Device.GPU);
    assertThat(gpu.sparkConf())
        .containsExactly(
            entry("spark.executor.resource.gpu.amount", "1"),
            entry("spark.executor.resource.gpu.discoveryScript", SCRIPT),
            entry("spark.lakeml.device", "gpu"),
            entry("spark.plugins", "com.nvidia.spark.SQLPlugin"),
            entry("spark.rapids.memory.pinnedPool.size", "2g"),
            entry("spark.rapids.sql.concurrentGpuTasks", "2"),
            entry("spark.rapids.sql.enabled", "true"),
            entry("spark.rapids.sql.explain", "NOT_ON_GPU"),
            entry("spark.sql.adaptive.enabled", "true"),
            entry("spark.sql.files.maxPartitionBytes", "512m"),
            entry("spark.task.resource.gpu.amount", "0.25"));
    assertThat(gpu.xgboostParams())
        .containsExactly(entry("device", "cuda"), entry("tree_method", "hist"));
    assertThat(gpu.djlDevice()).isEqualTo("gpu(0)");
  }

  @Test
  void gpuSettingsTakeTheGivenAmounts() {
    GpuSettings gpu =
        GpuSettings.gpu()
            .discoveryScript(SCRIPT)
            .taskGpuAmount(1)
            .concurrentGpuTasks(4)
            .pinnedPoolSize("8g")
            .maxPartitionBytes("1g")
            .build();

    assertThat(gpu.sparkConf())
        .contains(
            entry("spark.task.resource.gpu.amount", "1"),
            entry("spark.rapids.sql.concurrentGpuTasks", "4"),
            entry("spark.rapids.memory.pinnedPool.size", "8g"),
            entry("spark.sql.files.maxPartitionBytes", "1g"));
  }

  @Test
  void refusesExecutorsWithoutExactlyOneGpu() {
    assertThatThrownBy(() -> GpuSettings.gpu().discoveryScript(SCRIPT).gpusPerExecutor(0).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--gpus-per-executor is 0; a GPU executor needs at least 1 GPU"
                + " (spark.executor.resource.gpu.amount)");
    assertThatThrownBy(() -> GpuSettings.gpu().discoveryScript(SCRIPT).gpusPerExecutor(2).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--gpus-per-executor is 2")
        .hasMessageContaining("exactly one GPU per executor");
  }

  @Test
  void refusesTaskAmountsOutsideWhatSparkTakes() {
    for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> GpuSettings.gpu().discoveryScript(SCRIPT).taskGpuAmount(bad).build())
          .as("amount %s", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("--task-gpu-amount is " + bad + "; it must be in (0, 1]");
    }
    assertThatThrownBy(() -> GpuSettings.gpu().discoveryScript(SCRIPT).taskGpuAmount(0.75).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--task-gpu-amount is 0.75; Spark takes a fraction of at most 0.5, or 1 (one task per"
                + " GPU)");
  }

  @Test
  void requiresTheDiscoveryScript() {
    for (String missing : new String[] {null, " "}) {
      assertThatThrownBy(() -> GpuSettings.gpu().discoveryScript(missing).build())
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("--discovery-script is missing")
          .hasMessageContaining("spark.executor.resource.gpu.discoveryScript");
    }
  }

  @Test
  void refusesMalformedSizes() {
    assertThatThrownBy(
            () -> GpuSettings.gpu().discoveryScript(SCRIPT).pinnedPoolSize("lots").build())
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "spark.rapids.memory.pinnedPool.size is 'lots'; expected a size such as 512m or 2g");
  }

  @Test
  void sparkSubmitArgumentsAreSortedAndCarryTheRapidsJar() {
    GpuSettings gpu = GpuSettings.gpu().discoveryScript(SCRIPT).rapidsJar(RAPIDS_JAR).build();
    List<String> args =
        gpu.sparkSubmitArgs("app.jar", "dev.lakeml.cli.LakemlCli", List.of("train", "churn"));

    assertThat(args)
        .isEqualTo(
            GpuSettings.gpu()
                .discoveryScript(SCRIPT)
                .rapidsJar(RAPIDS_JAR)
                .build()
                .sparkSubmitArgs("app.jar", "dev.lakeml.cli.LakemlCli", List.of("train", "churn")));
    assertThat(args).startsWith("--jars", RAPIDS_JAR, "--conf");
    assertThat(args).containsSequence("--conf", "spark.plugins=com.nvidia.spark.SQLPlugin");
    assertThat(args).endsWith("--class", "dev.lakeml.cli.LakemlCli", "app.jar", "train", "churn");
    List<String> confs = confValues(args);
    assertThat(confs).hasSize(11).isSorted();
    assertThat(
            GpuSettings.gpu()
                .discoveryScript(SCRIPT)
                .build()
                .sparkSubmitArgs("a.jar", "M", List.of()))
        .doesNotContain("--jars")
        .startsWith("--conf");
  }

  @Test
  void theCommandLineWinsOverPropertiesTheSparkSettingAndTheEnvironment() {
    Properties props = new Properties();
    Map<String, String> env = Map.of("LAKEML_DEVICE", "gpu");

    assertThat(GpuSettings.requestedDevice(null, new Properties(), Map.of())).isEqualTo(Device.CPU);
    assertThat(GpuSettings.requestedDevice(null, props, env)).isEqualTo(Device.GPU);
    props.setProperty("spark.lakeml.device", "cpu");
    assertThat(GpuSettings.requestedDevice(null, props, env)).isEqualTo(Device.CPU);
    props.setProperty("lakeml.device", "GPU");
    assertThat(GpuSettings.requestedDevice(null, props, env)).isEqualTo(Device.GPU);
    assertThat(GpuSettings.requestedDevice("cpu", props, env)).isEqualTo(Device.CPU);
    assertThatThrownBy(
            () ->
                GpuSettings.requestedDevice(null, new Properties(), Map.of("LAKEML_DEVICE", "tpu")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "environment variable LAKEML_DEVICE is 'tpu'; expected cpu or gpu (the default is cpu)");
  }

  @Test
  void aGpuRunFailsClearlyWhereNoGpuIsVisible() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    GpuDetection none = new GpuDetection(tmp.resolve("dev/nvidia0"), List.of(bin));
    GpuSettings gpu = GpuSettings.gpu().discoveryScript(SCRIPT).build();

    assertThat(none.gpuVisible()).isFalse();
    assertThat(GpuSettings.cpu().requireGpuOn(none)).isSameAs(GpuSettings.cpu());
    assertThatThrownBy(() -> gpu.requireGpuOn(none))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("the device is gpu but no GPU is visible here")
        .hasMessageContaining(tmp.resolve("dev/nvidia0").toString())
        .hasMessageContaining("nvidia-smi on the PATH ([" + bin + "])")
        .hasMessageContaining("--device cpu")
        .hasMessageContaining("lakeml gpu-config");

    Path smi = Files.writeString(bin.resolve("nvidia-smi"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(gpu.requireGpuOn(none)).isSameAs(gpu);
  }

  @Test
  void gpuConfigPrintsSparkSubmitArguments() {
    CliRun run =
        run(
            "gpu-config",
            "--device",
            "gpu",
            "--discovery-script",
            SCRIPT,
            "--rapids-jar",
            RAPIDS_JAR,
            "--task-gpu-amount",
            "0.125");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().lines().toList())
        .containsExactly(
            "--jars " + RAPIDS_JAR + " \\",
            "--conf spark.executor.resource.gpu.amount=1 \\",
            "--conf spark.executor.resource.gpu.discoveryScript=" + SCRIPT + " \\",
            "--conf spark.lakeml.device=gpu \\",
            "--conf spark.plugins=com.nvidia.spark.SQLPlugin \\",
            "--conf spark.rapids.memory.pinnedPool.size=2g \\",
            "--conf spark.rapids.sql.concurrentGpuTasks=2 \\",
            "--conf spark.rapids.sql.enabled=true \\",
            "--conf spark.rapids.sql.explain=NOT_ON_GPU \\",
            "--conf spark.sql.adaptive.enabled=true \\",
            "--conf spark.sql.files.maxPartitionBytes=512m \\",
            "--conf spark.task.resource.gpu.amount=0.125");
  }

  @Test
  void gpuConfigPrintsAPropertiesFile() {
    CliRun run =
        run(
            "gpu-config",
            "--device",
            "gpu",
            "--discovery-script",
            SCRIPT,
            "--format",
            "properties");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().lines().toList())
        .startsWith(
            "# lakeml device: gpu",
            "# XGBoost: {device=cuda, tree_method=hist}; DJL device: gpu(0)")
        .contains("spark.plugins=com.nvidia.spark.SQLPlugin", "spark.task.resource.gpu.amount=0.25")
        .doesNotContain("spark.jars=" + RAPIDS_JAR)
        .hasSize(13);
  }

  @Test
  void gpuConfigForTheCpuPrintsNoSettings() {
    CliRun run = run("gpu-config", "--device", "cpu");

    assertThat(run.code()).isZero();
    assertThat(run.out()).isEmpty();
  }

  @Test
  void gpuConfigNamesTheMissingOption() {
    CliRun run = run("gpu-config", "--device", "gpu");

    assertThat(run.code()).isEqualTo(LakemlCli.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).startsWith("lakeml: configuration error: --discovery-script is missing");
  }

  @Test
  void gpuConfigRefusesAnUnknownFormatOrDevice() {
    CliRun format = run("gpu-config", "--format", "yaml");
    assertThat(format.code()).isEqualTo(LakemlCli.USAGE);
    assertThat(format.err()).contains("expected spark-submit or properties, got 'yaml'");

    CliRun device = run("gpu-config", "--device", "tpu");
    assertThat(device.code()).isEqualTo(LakemlCli.USAGE);
    assertThat(device.err()).contains("--device is 'tpu'; expected cpu or gpu");
  }

  private static List<String> confValues(List<String> args) {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < args.size() - 1; i++) {
      if (args.get(i).equals("--conf")) {
        out.add(args.get(i + 1));
      }
    }
    return out;
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }
}
