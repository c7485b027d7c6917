package dev.lakeml.orchestration.dags;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.pipelines.StepSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The committed DAG files under {@code orchestration/dags/} are what the bundled project generates
 * today, and each one's structure, read by Python's own parser, is the pipeline's definition.
 */
class AirflowDagsTest {
  static final Path REPO = Path.of(System.getProperty("lakeml.repo.root", ".."));
  static final Path DAGS = REPO.resolve("orchestration/dags");
  static final Project PROJECT = ProjectLoader.load(REPO.resolve("examples/online-retail"));

  @TempDir Path dir;

  @Test
  void theCommittedDagFilesEqualAFreshGeneration() throws IOException {
    Map<String, String> fresh = AirflowDags.render(PROJECT);
    assertThat(fresh).isNotEmpty();
    for (Map.Entry<String, String> e : fresh.entrySet()) {
      Path committed = DAGS.resolve(e.getKey());
      assertThat(committed)
          .as("regenerate with: ./lakeml airflow dags --out orchestration/dags")
          .exists();
      assertThat(Files.readString(committed))
          .as(
              committed
                  + " is stale; regenerate with: ./lakeml airflow dags --out orchestration/dags")
          .isEqualTo(e.getValue());
    }
    try (var files = Files.list(DAGS)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".py")))
          .as("no DAG file for a pipeline the project no longer declares")
          .containsExactlyInAnyOrderElementsOf(fresh.keySet());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void eachDagHasTheTasksDependenciesAndCommandsOfItsPipeline() throws Exception {
    for (PipelineSpec p : PROJECT.pipelines()) {
      Map<String, Object> dag = structure(DAGS.resolve(AirflowDags.dagId(PROJECT, p) + ".py"));
      Map<String, Object> args = (Map<String, Object>) dag.get("dag");
      assertThat(args.get("dag_id")).isEqualTo(AirflowDags.dagId(PROJECT, p));
      assertThat(args.get("schedule")).isEqualTo(p.schedule());
      assertThat(args.get("catchup")).isEqualTo(p.catchup());
      assertThat(args.get("max_active_runs")).isEqualTo(1);
      assertThat((Map<String, Object>) args.get("default_args")).containsEntry("owner", p.owner());
      assertThat((List<String>) args.get("tags")).contains("lakeml").containsAll(p.tags());

      Map<String, Map<String, Object>> tasks = (Map<String, Map<String, Object>>) dag.get("tasks");
      Set<String> expectedTasks = new LinkedHashSet<>();
      Set<List<String>> expectedEdges = new LinkedHashSet<>();
      for (StepSpec s : p.steps()) {
        expectedTasks.add(s.name());
        boolean gated = !(s.when() instanceof StepSpec.Condition.Always);
        String target = s.name();
        if (gated) {
          expectedTasks.add(AirflowDags.gateId(s));
          expectedEdges.add(List.of(AirflowDags.gateId(s), s.name()));
          target = AirflowDags.gateId(s);
          assertThat(tasks.get(AirflowDags.gateId(s)).get("operator"))
              .isEqualTo("ShortCircuitOperator");
        }
        for (String upstream : s.after()) {
          expectedEdges.add(List.of(upstream, target));
        }
        Map<String, Object> task = tasks.get(s.name());
        assertThat(task.get("operator")).isEqualTo("SparkSubmitOperator");
        assertThat(task.get("task_id")).isEqualTo(s.name());
        assertThat(task.get("java_class")).isEqualTo("dev.lakeml.cli.LakemlCli");
        assertThat(task.get("application")).isEqualTo("$APP_JAR");
        List<Object> command = new ArrayList<>(List.of(s.job().split(" ")));
        command.addAll(s.args());
        command.add("--project");
        command.add("$PROJECT");
        assertThat(task.get("application_args")).as(s.name()).isEqualTo(command);
        assertThat(task.get("retries")).isEqualTo(s.retries());
        assertThat(task.get("retry_delay"))
            .isEqualTo(Map.of("timedelta_seconds", (int) s.retryDelay().toSeconds()));
        assertThat(task.get("retry_exponential_backoff")).isEqualTo(true);
        assertThat(task.get("execution_timeout"))
            .isEqualTo(Map.of("timedelta_seconds", (int) s.timeout().toSeconds()));
        assertThat(task.get("conf")).isEqualTo("$SPARK_CONF");
      }
      assertThat(tasks.keySet()).as(p.name()).containsExactlyInAnyOrderElementsOf(expectedTasks);
      assertThat(new LinkedHashSet<>((List<List<String>>) dag.get("edges")))
          .as(p.name())
          .isEqualTo(expectedEdges);
      Map<String, Object> constants = (Map<String, Object>) dag.get("constants");
      assertThat((Map<String, Object>) constants.get("SPARK_CONF"))
          .isEqualTo(Map.copyOf(PROJECT.spark().conf()));
    }
  }

  @Test
  void theGatesEvaluateTheConditionsAsLakemlRunDoes() throws Exception {
    PipelineSpec retrain = PROJECT.pipeline("retrain").orElseThrow();
    String source = AirflowDags.render(PROJECT, retrain);
    // Run the DAG file's own _due function (everything before `with DAG`) without Airflow.
    String functions =
        source.substring(source.indexOf("\ndef _due"), source.indexOf("\nwith DAG("));
    StepSpec train = retrain.step("train_customer_churn").orElseThrow();
    StepSpec.Condition.Every every = (StepSpec.Condition.Every) train.when();
    StringBuilder script = new StringBuilder("from datetime import date\n").append(functions);
    script.append("\nclass Run:\n    def __init__(self, conf):\n        self.conf = conf\n");
    List<String> dates = new ArrayList<>();
    for (int i = -3; i < 20; i++) {
      dates.add(every.from().plusDays(i).toString());
    }
    script.append("for ds in ").append(pythonList(dates)).append(":\n");
    script
        .append("    print(ds, _due(")
        .append(every.every().toDays())
        .append(", \"")
        .append(every.from())
        .append("\", ds=ds, dag_run=Run(None)), _due(")
        .append(every.every().toDays())
        .append(", \"")
        .append(every.from())
        .append("\", ds=ds, dag_run=Run({\"trigger\": \"drift\"})))\n");
    List<String> lines = python(script.toString());
    assertThat(lines).hasSize(dates.size());
    for (String line : lines) {
      String[] parts = line.split(" ");
      boolean due = every.due(java.time.LocalDate.parse(parts[0]));
      assertThat(parts[1]).as(parts[0]).isEqualTo(due ? "True" : "False");
      assertThat(parts[2]).as("a triggered run is always due").isEqualTo("True");
    }
  }

  @Test
  void stringsAreQuotedForPython() throws Exception {
    String text = "a \"quoted\" \\ back\nslash é {{ ds }}";
    List<String> out = python("print(" + AirflowDags.str(text) + " == " + pyRaw(text) + ")");
    assertThat(out).containsExactly("True");
  }

  private static String pyRaw(String text) {
    return "bytes.fromhex(\""
        + java.util.HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8))
        + "\").decode(\"utf-8\")";
  }

  private static String pythonList(List<String> items) {
    return "[" + String.join(", ", items.stream().map(AirflowDags::str).toList()) + "]";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> structure(Path dagFile) throws Exception {
    Path script = Path.of("src/test/resources/dag_structure.py").toAbsolutePath();
    List<String> out = run(List.of("python3", script.toString(), dagFile.toString()));
    return (Map<String, Object>) new Yaml().load(String.join("\n", out));
  }

  private List<String> python(String script) throws Exception {
    Path file = dir.resolve("check.py");
    Files.writeString(file, script);
    return run(List.of("python3", file.toString()));
  }

  private static List<String> run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().toList();
  }
}
