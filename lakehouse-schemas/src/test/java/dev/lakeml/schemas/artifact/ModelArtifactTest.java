package dev.lakeml.schemas.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.sealed.SealedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifact's commit and verification rules, on a folder with a stand-in model file. */
class ModelArtifactTest {
  static final Instant CREATED = Instant.parse("2024-05-01T00:00:00Z");
  static final List<ModelInput> INPUTS =
      List.of(
          new ModelInput("amount", InputType.DOUBLE),
          new ModelInput("last_order", InputType.DAYS_BEFORE));

  @TempDir Path tmp;

  static ModelManifest xgboostManifest() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("max_depth", "4");
    params.put("eta", "0.1");
    return ModelManifest.xgboost("customer_churn", "run-7", CREATED, INPUTS, params, 42);
  }

  Path sealedFolder() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.write(dir.resolve(ModelManifest.XGBOOST_MODEL_FILE), new byte[] {1, 2, 3, 4, 5});
    Files.createDirectories(dir.resolve("extra"));
    Files.writeString(dir.resolve("extra/feature_importance.csv"), "amount,0.7\n");
    ModelArtifact.seal(dir, xgboostManifest());
    return dir;
  }

  @Test
  void sealListsEveryFileAndOpenReadsTheSameManifest() throws IOException {
    Path dir = sealedFolder();
    ModelArtifact artifact = ModelArtifact.open(dir);
    assertThat(artifact.manifest().files())
        .extracting(SealedFile::path)
        .containsExactly("extra/feature_importance.csv", ModelManifest.XGBOOST_MODEL_FILE);
    assertThat(artifact.manifest().file(ModelManifest.XGBOOST_MODEL_FILE))
        .map(SealedFile::bytes)
        .contains(5L);
    assertThat(artifact.manifest().withFiles(List.of())).isEqualTo(xgboostManifest());
    assertThat(Files.readString(dir.resolve("model.yaml")))
        .contains(
            "format: xgboost",
            "task: binary_classification",
            "type: days_before",
            "meaning: probability of label 1",
            "seed: 42",
            "  - path: xgboost-model.ubj\n    bytes: 5\n    sha256: 74f81fe167d99b4cb41d6d0ccda82278caee9f3e2f25d5e5a3936ff3dcec60d0");
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
  }

  @Test
  void mlpManifestRoundTripsThroughYaml() throws IOException {
    Map<String, ModelManifest.Preprocessing> pre = new LinkedHashMap<>();
    pre.put("amount", new ModelManifest.Preprocessing(12.5, 14.123456789012345, 3.0e-7));
    pre.put("last_order", new ModelManifest.Preprocessing(-1, 0, 1));
    ModelManifest m =
        new ModelManifest(
            ModelManifest.DJL_MLP,
            "customer_churn",
            "run-8",
            ModelManifest.BINARY_CLASSIFICATION,
            CREATED,
            INPUTS,
            ModelManifest.Output.PROBABILITY,
            pre,
            Map.of("hidden", "16", "learning_rate", "0.001"),
            -3,
            List.of(new SealedFile(ModelManifest.MLP_PARAMS_FILE, 9, "ab".repeat(32))));
    Path yaml = Files.writeString(tmp.resolve("model.yaml"), m.toYaml());
    assertThat(ModelManifest.read(yaml)).isEqualTo(m);
  }

  @Test
  void refusesAFlippedByteNamingTheFileAndBothChecksums() throws IOException {
    Path dir = sealedFolder();
    Path model = dir.resolve(ModelManifest.XGBOOST_MODEL_FILE);
    Files.write(model, new byte[] {1, 2, 3, 4, 6});
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .isInstanceOf(ModelArtifactException.class)
        .hasMessageStartingWith(model + ": SHA-256 is ")
        .hasMessageContaining(
            ", manifest says 74f81fe167d99b4cb41d6d0ccda82278caee9f3e2f25d5e5a3936ff3dcec60d0")
        .hasMessageEndingWith(": the artifact is corrupt");
  }

  @Test
  void refusesATruncatedFile() throws IOException {
    Path dir = sealedFolder();
    Path model = dir.resolve(ModelManifest.XGBOOST_MODEL_FILE);
    Files.write(model, new byte[] {1, 2});
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .hasMessage(
            model + ": size is 2 bytes, manifest says 5: the artifact is truncated or corrupt");
  }

  @Test
  void refusesAMissingFile() throws IOException {
    Path dir = sealedFolder();
    Path extra = dir.resolve("extra/feature_importance.csv");
    Files.delete(extra);
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .hasMessage(
            extra + ": missing; model.yaml lists it with 11 bytes: the artifact is incomplete");
  }

  @Test
  void refusesAFolderWithoutManifestAsHalfWritten() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("half"));
    Files.write(dir.resolve(ModelManifest.XGBOOST_MODEL_FILE), new byte[] {1});
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .hasMessage(
            dir
                + ": has no model.yaml: the artifact is incomplete (the manifest is written last)"
                + " or this is not a model folder");
    assertThatThrownBy(() -> ModelArtifact.open(tmp.resolve("nope")))
        .hasMessage(tmp.resolve("nope") + ": no such model folder");
  }

  @Test
  void refusesAnUnlistedFileButIgnoresDotFiles() throws IOException {
    Path dir = sealedFolder();
    Files.writeString(dir.resolve(".xgboost-model.ubj.crc"), "crc");
    Files.createDirectories(dir.resolve(".cache"));
    Files.writeString(dir.resolve(".cache/x"), "x");
    assertThat(ModelArtifact.open(dir).manifest().files()).hasSize(2);
    Path stray = dir.resolve("extra/notes.txt");
    Files.writeString(stray, "added later");
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .hasMessage(
            stray
                + ": not listed in model.yaml; an artifact holds only the files its manifest lists"
                + " (was it added after sealing?)");
  }

  @Test
  void refusesAnUnknownKeyNamingIt() throws IOException {
    Path dir = sealedFolder();
    Path yaml = dir.resolve("model.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("seed: 42", "seed: 42\nlabel: churned"));
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .isInstanceOf(ModelArtifactException.class)
        .hasMessageStartingWith(yaml + ":")
        .hasMessageContaining("at 'label': unknown key 'label'; expected one of: format, model");
  }

  @Test
  void refusesAnUnknownFormat() throws IOException {
    Path dir = sealedFolder();
    Path yaml = dir.resolve("model.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("format: xgboost", "format: onnx"));
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .hasMessage(
            yaml
                + ":2: at 'format': format 'onnx' is unknown; this lakeml reads xgboost, djl-mlp"
                + " (was the model written by a newer lakeml?)");
  }

  @Test
  void refusesAManifestWithoutInputs() throws IOException {
    Path dir = sealedFolder();
    Path yaml = dir.resolve("model.yaml");
    String text =
        Files.readString(yaml).replaceAll("(?s)inputs:\n.*?output:", "inputs: []\noutput:");
    Files.writeString(yaml, text);
    assertThatThrownBy(() -> ModelArtifact.open(dir))
        .hasMessageStartingWith(yaml + ":")
        .hasMessageEndingWith(": a model needs at least one input");
  }

  @Test
  void sealsOnceAndOnlyWithTheModelFile() throws IOException {
    Path dir = sealedFolder();
    assertThatThrownBy(() -> ModelArtifact.seal(dir, xgboostManifest()))
        .hasMessage(
            dir.resolve("model.yaml")
                + ": already exists; an artifact is sealed once (write a new folder instead)");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> ModelArtifact.seal(empty, xgboostManifest()))
        .hasMessage(
            empty.resolve(ModelManifest.XGBOOST_MODEL_FILE)
                + ": missing; format xgboost needs it before the artifact can be sealed");
  }
}
