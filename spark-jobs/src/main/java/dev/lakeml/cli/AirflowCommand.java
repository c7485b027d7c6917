package dev.lakeml.cli;

import dev.lakeml.orchestration.dags.AirflowDags;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.sealed.SealedFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lakeml airflow}: the project's pipelines as Airflow DAGs. */
@Command(
    name = "airflow",
    description = "Generate Airflow DAG files from the project's pipelines.",
    subcommands = {AirflowCommand.Dags.class})
final class AirflowCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: dags");
  }

  /** {@code lakeml airflow dags --out DIR}: one Python file per pipeline; no Spark needed. */
  @Command(
      name = "dags",
      description =
          "Write one Airflow DAG file per pipeline of the project (SparkSubmitOperator tasks"
              + " running the application jar), replacing files of the same name.")
  static final class Dags implements Callable<Integer> {
    @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

    @Option(names = "--out", required = true, description = "folder to write the DAG files into")
    Path out;

    @Override
    public Integer call() throws IOException {
      Project project = LakemlContext.loadProject(global);
      Map<String, String> files = AirflowDags.render(project);
      if (files.isEmpty()) {
        throw new LakemlCli.UsageException(
            "the project declares no pipelines (pipelines: in lakeml.yaml)");
      }
      Files.createDirectories(out);
      for (Map.Entry<String, String> e : files.entrySet()) {
        Path file = out.resolve(e.getKey());
        SealedFolder.writeAtomically(file, e.getValue());
        LakemlCli.out().println(file);
      }
      return LakemlCli.OK;
    }
  }
}
