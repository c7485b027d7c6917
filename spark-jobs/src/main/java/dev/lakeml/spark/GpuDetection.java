package dev.lakeml.spark;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether this machine shows an NVIDIA GPU: the device file {@code /dev/nvidia0} or {@code
 * nvidia-smi} on the PATH. Cheap and side-effect free (nothing is run); what was looked for goes
 * into the error when a GPU was asked for and none is there.
 */
public final class GpuDetection {
  private final Path deviceFile;
  private final List<Path> searchPath;

  /**
   * Looks for {@code deviceFile} and for {@code nvidia-smi} in each folder of {@code searchPath}.
   */
  public GpuDetection(Path deviceFile, List<Path> searchPath) {
    this.deviceFile = deviceFile;
    this.searchPath = List.copyOf(searchPath);
  }

  /** This machine: {@code /dev/nvidia0} and the PATH of the environment. */
  public static GpuDetection of(Map<String, String> environment) {
    List<Path> dirs = new ArrayList<>();
    for (String dir : environment.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isBlank()) {
        dirs.add(Path.of(dir));
      }
    }
    return new GpuDetection(Path.of("/dev/nvidia0"), dirs);
  }

  public boolean gpuVisible() {
    return Files.exists(deviceFile)
        || searchPath.stream().anyMatch(d -> Files.isExecutable(d.resolve("nvidia-smi")));
  }

  /** What {@link #gpuVisible} checks, for error messages. */
  public String lookedFor() {
    return deviceFile + " and nvidia-smi on the PATH (" + searchPath + ")";
  }
}
