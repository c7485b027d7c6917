package dev.lakeml.schemas.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingPointerTest {
  @TempDir Path lakehouse;

  static ServingPointer pointer() {
    Map<String, ServingPointer.Target> aliases = new LinkedHashMap<>();
    aliases.put(
        ServingPointer.CHAMPION,
        new ServingPointer.Target(
            3, "xgboost", "/lake/ml/artifacts/m/r3/model \"q\"", "r3", "ab".repeat(32)));
    aliases.put(
        ServingPointer.PREVIOUS_CHAMPION,
        new ServingPointer.Target(2, "djl-mlp", "/lake/ml/artifacts/m/r2/model", "r2", ""));
    return new ServingPointer("customer_churn", Instant.parse("2026-12-01T03:00:00Z"), aliases);
  }

  @Test
  void roundTripsThroughTheFileTheRegistryWritesAndTheApiReads() throws IOException {
    Path file = ServingPointer.location(lakehouse, "customer_churn");
    assertThat(file).isEqualTo(lakehouse.resolve("ml/serving/customer_churn/aliases.yaml"));
    pointer().write(file);
    ServingPointer read = ServingPointer.read(file);
    assertThat(read).isEqualTo(pointer());
    assertThat(read.target(ServingPointer.CHAMPION))
        .map(ServingPointer.Target::version)
        .contains(3L);
    assertThat(read.target(ServingPointer.CHALLENGER)).isEmpty();
    new ServingPointer("customer_churn", Instant.EPOCH, Map.of()).write(file);
    assertThat(ServingPointer.read(file).aliases()).isEmpty();
  }

  @Test
  void refusesAPointerWithAMisspeltOrMissingKeyNamingFileAndKey() throws IOException {
    Path file = ServingPointer.location(lakehouse, "m");
    pointer().write(file);
    String yaml = Files.readString(file);
    Files.writeString(file, yaml.replaceFirst("run_id: r3", "run: r3"));
    assertThatThrownBy(() -> ServingPointer.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("at 'aliases.champion.run'")
        .hasMessageContaining("unknown key 'run'");
    Files.writeString(file, yaml.replaceFirst("    version: 3\n", ""));
    assertThatThrownBy(() -> ServingPointer.read(file))
        .hasMessageContaining("at 'aliases.champion'")
        .hasMessageContaining("missing required key 'version'");
    Files.writeString(file, yaml.replaceFirst("version: 3", "version: 0"));
    assertThatThrownBy(() -> ServingPointer.read(file))
        .hasMessageContaining("version must be 1 or more, found 0");
  }
}
