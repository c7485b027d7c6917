package dev.lakeml.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoScriptTest {
  static final Path EXAMPLE =
      Path.of(System.getProperty("lakeml.repo.root", "..")).resolve("examples/online-retail");

  @TempDir Path dir;

  @Test
  void theExampleScriptLiesBesideItsProjectAndReadsStrictly() {
    assertThat(DemoScript.location(EXAMPLE).getFileName().toString())
        .isEqualTo("online-retail.demo.yaml");
    assertThat(DemoScript.location(dir.resolve("shop/lakeml.yaml")))
        .isEqualTo(dir.resolve("shop/lakeml.demo.yaml").toAbsolutePath());
    DemoScript script = DemoScript.forProject(EXAMPLE);
    assertThat(script.runs())
        .containsExactly(
            new DemoScript.Run("bootstrap", LocalDate.parse("2011-09-29")),
            new DemoScript.Run("nightly", LocalDate.parse("2011-09-30")));
    assertThat(script.afterIngest())
        .extracting(DemoScript.Query::title)
        .containsExactly("Why rows were quarantined", "A sample query");
    assertThat(script.trainingSet())
        .hasValueSatisfying(
            t -> {
              assertThat(t.label()).isEqualTo("churn_90d");
              assertThat(t.from()).isEqualTo(LocalDate.parse("2011-01-01"));
              assertThat(t.everyDays()).isEqualTo(30);
            });
    assertThat(script.lookups())
        .extracting(DemoScript.Lookup::view)
        .containsExactly("customer_activity", "predictions.customer_churn");
    assertThat(script.afterTraining()).hasSize(1);
    assertThat(script.requests())
        .extracting(DemoScript.Request::path)
        .containsExactly(
            "/v1/predictions/customer_churn/12347",
            "/v1/features/customer_activity/12347?at=2011-10-01T00:00:00Z",
            "/v1/predictions/product_recs/12347",
            "/v1/score/line_cancellation");
    assertThat(script.requests().get(3).body()).get().asString().contains("\"stock_code\"");
    assertThat(script.requests().get(0).body()).isEmpty();
  }

  @Test
  void aProjectWithoutAScriptHasNothingToRun() {
    assertThat(DemoScript.forProject(dir.resolve("shop"))).isEqualTo(DemoScript.NONE);
  }

  @Test
  void refusesAMisspeltKeyOrAPartialDayNamingFileAndKey() throws IOException {
    Path file = dir.resolve("shop.demo.yaml");
    Files.writeString(file, "lookups:\n  - {title: t, view: v, keys: [\"1\"]}\n");
    assertThatThrownBy(() -> DemoScript.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file + ":2")
        .hasMessageContaining("at 'lookups[0]'");
    Files.writeString(
        file,
        "training_set: {name: s, label: l, from: 2011-01-01, to: 2011-02-01, every: 12h,"
            + " sql: x}\n");
    assertThatThrownBy(() -> DemoScript.read(file))
        .hasMessageContaining("at 'training_set.every': expected whole days, e.g. 30d");
    Files.writeString(file, "requests:\n  - {title: t, path: predictions/m/1}\n");
    assertThatThrownBy(() -> DemoScript.read(file))
        .hasMessageContaining(file + ":2")
        .hasMessageContaining(
            "expected a path of the serving API, /v1/..., found 'predictions/m/1'");
  }
}
