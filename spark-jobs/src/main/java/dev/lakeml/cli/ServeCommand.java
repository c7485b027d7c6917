package dev.lakeml.cli;

import dev.lakeml.schemas.project.Project;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/**
 * {@code lakeml serve [serving options]}: the serving API for the project and lakehouse of the
 * command line, in its own JVM without Spark ({@link ServingProcess}), until it is stopped. Its
 * options are the serving API's own and are passed as given; {@code lakeml serve --help} lists
 * them. Without configured API keys it makes a local key file under the lakehouse.
 */
@Command(
    name = "serve",
    description =
        "Start the serving API (lookups, scoring, rollout; a JVM without Spark) on the project's"
            + " online snapshot and models, until stopped. Its options (--port, --host, --models,"
            + " --poll-interval, ...) are listed by `lakeml serve --help`.")
final class ServeCommand implements Callable<Integer> {
  @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

  /** The serving API's options, passed as given (it checks them and names a bad one). */
  @Unmatched List<String> servingArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (global.master != null || !global.conf.isEmpty()) {
      throw new LakemlCli.UsageException(
          "lakeml serve runs without Spark: --master and --conf do not apply");
    }
    if (servingArgs.contains("--help") || servingArgs.contains("-h")) {
      return ServingProcess.help();
    }
    Path project = LakemlContext.projectPath(global);
    Path lakehouse = localLakehouse(global, LakemlContext.loadProject(global));
    try (ServingProcess api =
        ServingProcess.start(project, lakehouse, servingArgs, Optional.empty())) {
      Thread stop = new Thread(api::close, "lakeml-serve-stop");
      Runtime.getRuntime().addShutdownHook(stop);
      int code = api.waitFor();
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is already running
      }
      return code;
    }
  }

  /** The lakehouse root as a local folder, which the serving API needs. */
  static Path localLakehouse(LakemlCli.GlobalOptions options, Project project) {
    String root = LakemlContext.lakehouseRoot(options, project);
    try {
      return dev.lakeml.lakehouse.Lakehouse.localFolder(root);
    } catch (dev.lakeml.lakehouse.LakehouseException notLocal) {
      throw new LakemlCli.UsageException(
          "the serving API reads the online snapshot and the registry's files from a local"
              + " folder; the lakehouse is "
              + root
              + ": give --lakehouse a local copy");
    }
  }
}
