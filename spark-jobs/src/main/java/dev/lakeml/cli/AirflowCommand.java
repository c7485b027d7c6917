package dev.lakeml.cli;

import dev.lakeml.orchestration.airflow.AirflowClient;
import dev.lakeml.orchestration.airflow.AirflowException;
import dev.lakeml.orchestration.airflow.DagRun;
import dev.lakeml.orchestration.airflow.PipelineRuns;
import dev.lakeml.orchestration.dags.AirflowDags;
import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.project.Declared;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.sealed.SealedFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml airflow}: the project's pipelines as Airflow DAGs. */
@Command(
    name = "airflow",
    description =
        "Generate Airflow DAG files from the project's pipelines; trigger and list their runs"
            + " through Airflow's REST API (LAKEML_AIRFLOW_URL and credentials from the"
            + " environment).",
    subcommands = {
      AirflowCommand.Dags.class,
      AirflowCommand.Trigger.class,
      AirflowCommand.Runs.class
    })
final class AirflowCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: dags, trigger or runs");
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

  /** The DAG id of a declared pipeline, or a usage error listing the declared ones. */
  static String dagId(Project project, String pipeline) {
    PipelineSpec p = Declared.find("pipeline", pipeline, project.pipelines(), PipelineSpec::name);
    return AirflowDags.dagId(project, p);
  }

  /**
   * {@code lakeml airflow trigger PIPELINE --date D [--wait]}: a DAG run for the logical date, with
   * {@code conf} {@code {"trigger": REASON}} so that the pipeline's conditional steps run.
   * Idempotent: the run id follows from the date, and a second trigger returns the first run.
   */
  @Command(
      name = "trigger",
      description =
          "Trigger the pipeline's DAG run for a logical date (idempotent: the same date gives the"
              + " same run); --wait until it ends.")
  static final class Trigger implements Callable<Integer> {
    @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

    @Parameters(index = "0", description = "pipeline name from the project file")
    String pipeline;

    @Option(names = "--date", required = true, description = "the logical date, yyyy-MM-dd")
    LocalDate date;

    @Option(
        names = "--reason",
        description = "why (the run's conf.trigger; default: who triggered it)")
    String reason;

    @Option(names = "--wait", description = "wait until the run succeeds or fails")
    boolean wait;

    @Option(
        names = "--wait-timeout",
        description = "how long --wait waits, e.g. 2h (default 6h)",
        defaultValue = "6h")
    String waitTimeout;

    @Override
    public Integer call() {
      String dag = dagId(LakemlContext.loadProject(global), pipeline);
      Optional<Duration> until = Optional.empty();
      if (wait) {
        try {
          until = Optional.of(Durations.parse(waitTimeout));
        } catch (IllegalArgumentException e) {
          throw new LakemlCli.UsageException("--wait-timeout: " + e.getMessage());
        }
      }
      String why =
          reason != null
              ? reason
              : "lakeml airflow trigger (" + System.getProperty("user.name", "unknown") + ")";
      try {
        DagRun run = new PipelineRuns(client(), LakemlCli.out()).trigger(dag, date, why, until);
        return !wait || run.state() == DagRun.State.SUCCESS ? LakemlCli.OK : LakemlCli.FAILED;
      } catch (AirflowException e) {
        LakemlCli.err().println("lakeml: " + e.getMessage());
        return LakemlCli.FAILED;
      }
    }
  }

  /** {@code lakeml airflow runs PIPELINE}: the DAG's newest runs. */
  @Command(name = "runs", description = "The pipeline's newest DAG runs in Airflow.")
  static final class Runs implements Callable<Integer> {
    @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

    @Parameters(index = "0", description = "pipeline name from the project file")
    String pipeline;

    @Option(names = "--limit", description = "how many runs (default 20)", defaultValue = "20")
    int limit;

    @Override
    public Integer call() {
      String dag = dagId(LakemlContext.loadProject(global), pipeline);
      try {
        new PipelineRuns(client(), LakemlCli.out()).runs(dag, limit);
        return LakemlCli.OK;
      } catch (AirflowException e) {
        LakemlCli.err().println("lakeml: " + e.getMessage());
        return LakemlCli.FAILED;
      }
    }
  }

  /** A client from the environment, or a usage error naming the variable to set. */
  static AirflowClient client() {
    try {
      return AirflowClient.fromEnvironment();
    } catch (IllegalArgumentException e) {
      throw new LakemlCli.UsageException(e.getMessage());
    }
  }
}
