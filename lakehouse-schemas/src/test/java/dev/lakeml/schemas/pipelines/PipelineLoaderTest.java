package dev.lakeml.schemas.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.schemas.models.ModelLoaderTest;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineLoaderTest {
  @TempDir Path dir;

  static final String NIGHTLY =
      """
      pipelines:
        - name: nightly
          schedule: "0 4 * * *"
          start_date: 2011-01-01
          owner: data-platform
          tags: [shop]
          retries: 2
          retry_delay: 30s
          timeout: 1h
          steps:
            - {name: ingest, job: ingest, args: [--date, "{{ ds }}"]}
            - {name: features, job: features, args: [--from, "{{ macros.ds_add(ds, -6) }}", --to, "{{ ds }}"], after: [ingest]}
            - name: train
              job: train
              args: [churn_model]
              after: [features]
              when: {every: 7d}
              retries: 0
              timeout: 3h
            - {name: predict, job: predict, args: [churn_model, --date, "{{ ds }}"], after: [features, train]}
            - {name: publish, job: publish, after: [predict]}
      """;

  private Project load(String pipelines) throws IOException {
    Path file = dir.resolve("lakeml.yaml");
    Files.writeString(file, ModelLoaderTest.PROJECT + pipelines);
    return ProjectLoader.load(file);
  }

  private ConfigException refused(String pipelines) {
    try {
      load(pipelines);
    } catch (ConfigException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("loaded:\n" + pipelines);
  }

  @Test
  void readsStepsWithTheirDefaultsOverridesAndConditions() throws IOException {
    PipelineSpec p = load(NIGHTLY).pipeline("nightly").orElseThrow();

    assertThat(p.schedule()).isEqualTo("0 4 * * *");
    assertThat(p.startDate()).isEqualTo(LocalDate.parse("2011-01-01"));
    assertThat(p.catchup()).as("catchup is off unless asked for").isFalse();
    assertThat(p.steps())
        .extracting(StepSpec::name)
        .containsExactly("ingest", "features", "train", "predict", "publish");
    StepSpec ingest = p.step("ingest").orElseThrow();
    assertThat(ingest.retries()).isEqualTo(2);
    assertThat(ingest.retryDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(ingest.timeout()).isEqualTo(Duration.ofHours(1));
    assertThat(ingest.when()).isEqualTo(new StepSpec.Condition.Always());
    StepSpec train = p.step("train").orElseThrow();
    assertThat(train.retries()).isZero();
    assertThat(train.timeout()).isEqualTo(Duration.ofHours(3));
    assertThat(train.when())
        .isEqualTo(new StepSpec.Condition.Every(Duration.ofDays(7), LocalDate.parse("2011-01-01")));
    StepSpec.Condition.Every every = (StepSpec.Condition.Every) train.when();
    assertThat(every.due(LocalDate.parse("2011-01-01"))).isTrue();
    assertThat(every.due(LocalDate.parse("2011-01-07"))).isFalse();
    assertThat(every.due(LocalDate.parse("2011-01-08"))).isTrue();
    assertThat(every.due(LocalDate.parse("2010-12-25"))).as("before the start too").isTrue();
    assertThat(train.line()).isEqualTo(ingest.line() + 2);
  }

  @Test
  void stepsRenderTheirCommandForALogicalDate() throws IOException {
    PipelineSpec p = load(NIGHTLY).pipeline("nightly").orElseThrow();
    LocalDate d = LocalDate.parse("2011-03-01");

    assertThat(p.step("features").orElseThrow().command(d))
        .containsExactly("features", "--from", "2011-02-23", "--to", "2011-03-01");
    assertThat(p.step("publish").orElseThrow().command(d)).containsExactly("publish");
  }

  @Test
  void theOrderRunsEveryStepAfterItsDependenciesAndKeepsFileOrderOtherwise() throws IOException {
    PipelineSpec p = load(NIGHTLY).pipeline("nightly").orElseThrow();

    assertThat(p.order())
        .extracting(StepSpec::name)
        .containsExactly("ingest", "features", "train", "predict", "publish");
    assertThat(p.downstream("train")).containsExactly("predict", "publish");
  }

  @Test
  void retriesWaitTwiceAsLongEachTime() throws IOException {
    StepSpec ingest = load(NIGHTLY).pipeline("nightly").orElseThrow().step("ingest").orElseThrow();

    assertThat(List.of(ingest.retryDelay(1), ingest.retryDelay(2), ingest.retryDelay(3)))
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120));
  }

  @Test
  void aCycleIsRefusedWithItsStepsAndLine() {
    ConfigException e =
        refused(
            """
            pipelines:
              - name: loop
                start_date: 2011-01-01
                steps:
                  - {name: a, job: ingest, after: [c]}
                  - {name: b, job: features, after: [a]}
                  - {name: c, job: publish, after: [b]}
            """);
    assertThat(e.getMessage())
        .contains("pipeline loop has a cycle: a -> c -> b -> a")
        .containsPattern("lakeml.yaml:[0-9]+: at 'pipelines\\[0\\].steps\\[[0-9]\\].after'");
  }

  @Test
  void anUnknownJobModelOrDependencyIsRefusedWithWhatExists() throws Exception {
    assertThat(refused(step("{name: a, job: injest}")).getMessage())
        .contains("unknown job 'injest'")
        .contains(
            "[ingest, features, training-set, train, predict, publish, ingest-predictions,"
                + " monitor]");
    assertThat(
            refused(step("{name: a, job: predict, args: [churn, --date, '{{ ds }}']}"))
                .getMessage())
        .contains("unknown model 'churn'; the project declares [churn_model]");
    assertThat(refused(step("{name: a, job: train}")).getMessage())
        .contains("job train needs a model as its first argument");
    assertThat(refused(step("{name: a, job: monitor, args: [dirft]}")).getMessage())
        .contains("job monitor needs what to monitor as its first argument")
        .contains("[alerts, drift, performance, skew]");
    assertThat(
            refused(step("{name: a, job: monitor, args: [drift, churn, --date, '{{ ds }}']}"))
                .getMessage())
        .contains("job monitor drift needs a declared model as its second argument")
        .contains("[churn_model]");
    assertThat(load(step("{name: a, job: monitor, args: [skew, --date, '{{ ds }}']}"))).isNotNull();
    assertThat(refused(step("{name: a, job: publish, after: [predict]}")).getMessage())
        .contains("step 'a' runs after 'predict', which pipeline p does not declare");
  }

  @Test
  void aBadTemplateIsRefusedWithTheAcceptedForms() {
    assertThat(
            refused(step("{name: a, job: ingest, args: [--date, '{{ execution_date }}']}"))
                .getMessage())
        .contains("the template {{ execution_date }} is not one of {{ ds }}")
        .contains("steps[0].args[1]");
    assertThat(refused(step("{name: a, job: ingest, args: [--date, '{{ ds']}")).getMessage())
        .contains("unclosed or stray template");
  }

  @Test
  void aBadConditionOrDurationIsRefused() {
    assertThat(refused(step("{name: a, job: publish, when: sometimes}")).getMessage())
        .contains("unknown condition 'sometimes'");
    assertThat(refused(step("{name: a, job: publish, when: {every: 12h}}")).getMessage())
        .contains("a whole number of days");
    assertThat(refused(step("{name: a, job: publish, retries: 11}")).getMessage())
        .contains("retries must be 0 to 10");
    assertThat(refused(step("{name: a, job: publish, timeout: 0}")).getMessage())
        .contains("positive duration");
  }

  @Test
  void templatesRenderAsAirflowWould() {
    LocalDate d = LocalDate.parse("2011-12-09");
    assertThat(DateTemplate.render("x={{ds}} y={{ ds_nodash }}", d))
        .isEqualTo("x=2011-12-09 y=20111209");
    assertThat(DateTemplate.render("{{ macros.ds_add(ds, -9) }}", d)).isEqualTo("2011-11-30");
    assertThat(DateTemplate.render("plain", d)).isEqualTo("plain");
    assertThat(DateTemplate.problem("{% if %}")).contains("stray template");
  }

  private static String step(String step) {
    return """
        pipelines:
          - name: p
            start_date: 2011-01-01
            steps:
              - %s
        """
        .formatted(step);
  }
}
