package dev.lakeml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.testing.TestProject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar runs under spark-submit with only Spark's own jars beside it: Delta, the
 * project model and the CLI come from the jar (its service files included).
 */
class AppJarIT {
  @TempDir Path dir;

  /** Jars a Spark distribution would not have, so they must come from the application jar. */
  private static final List<String> NOT_IN_SPARK =
      List.of(
          "/io/delta/",
          "/info/picocli/",
          "/org/yaml/",
          "/dev/lakeml/",
          "spark-sql-kafka",
          "kafka-clients",
          "spark-token-provider-kafka",
          "/org/junit/",
          "/org/assertj/",
          "/org/opentest4j/",
          "/org/apiguardian/",
          "target/classes",
          "target/test-classes",
          "/spark-jobs/target/",
          "/lakehouse-schemas/target/");

  @Test
  void theAppJarIngestsUnderSparkSubmit() throws Exception {
    Path target = Path.of("target");
    Path appJar;
    try (Stream<Path> files = Files.list(target)) {
      appJar =
          files
              .filter(p -> p.getFileName().toString().endsWith("-app.jar"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "no -app.jar in "
                              + target.toAbsolutePath()
                              + ": failsafe runs after package"));
    }
    String sparkOnly =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> NOT_IN_SPARK.stream().noneMatch(e::contains))
            .collect(Collectors.joining(File.pathSeparator));
    TestProject p = TestProject.create(dir, "none");
    p.csv("2011-01-10", List.of("O1,1,1,10.00,2011-01-10 09:00:00,NEW"));

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.addAll(dev.lakeml.testing.JavaFlags.SPARK_MODULE_FLAGS);
    command.addAll(
        List.of(
            "-cp",
            sparkOnly,
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--class",
            "dev.lakeml.cli.LakemlCli",
            appJar.toAbsolutePath().toString(),
            "ingest",
            "--project",
            dir.resolve("lakeml.yaml").toString(),
            "--date",
            "2011-01-10",
            "--quiet"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    Path log = dir.resolve("submit.log");
    pb.redirectOutput(log.toFile());
    Process process = pb.start();
    assertThat(process.waitFor(240, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(log);
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output)
        .contains(
            "orders 2011-01-10..2011-01-10: read 1 = accepted 1 + quarantined 0 + duplicate 0");
    assertThat(dir.resolve("lake/silver/orders/_delta_log")).isDirectory();
  }
}
