package dev.lakeml.schemas.artifact;

import dev.lakeml.schemas.sealed.SealedFolder;
import dev.lakeml.schemas.yaml.ConfigNode;
import dev.lakeml.schemas.yaml.YamlFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The serving pointer of one model ({@code <lakehouse>/ml/serving/<model>/aliases.yaml}): which
 * version each alias names, with its format and sealed artifact. The model registry (Spark) writes
 * it whenever an alias moves; the serving API (no Spark, no Delta) reads it to find its champion
 * and challenger. Both sides use this class, so the format is defined once.
 *
 * @param model the model spec name
 * @param writtenAt when the registry wrote it
 * @param aliases per alias name, in the registry's order
 */
public record ServingPointer(String model, Instant writtenAt, Map<String, Target> aliases) {
  public static final String FILE_NAME = "aliases.yaml";

  /** The version the serving API answers with. */
  public static final String CHAMPION = "champion";

  /** A version that a rollout (canary, shadow, A/B) can send traffic to. */
  public static final String CHALLENGER = "challenger";

  /** The champion before the last promotion: where a rollback goes. */
  public static final String PREVIOUS_CHAMPION = "previous_champion";

  /** The aliases the registry manages, in the order they are shown. */
  public static final List<String> ALIASES = List.of(CHAMPION, CHALLENGER, PREVIOUS_CHAMPION);

  /**
   * What an alias names.
   *
   * @param version the registry version number
   * @param format the artifact format ({@link ModelManifest#FORMATS}) or a batch-only format
   * @param artifact the artifact folder, relative to the lakehouse root (so that a copied or moved
   *     lakehouse serves its own files); an absolute path, as pointers written before 2026-12-02
   *     hold, is read as it is
   * @param runId the training run that produced the version
   * @param manifestSha256 the SHA-256 of the artifact's {@code model.yaml} when the pointer was
   *     written (64 lower-case hex digits), so that a manifest changed afterwards is refused; empty
   *     for an artifact without one (a batch-only format) and in pointers written before 2026-12-02
   */
  public record Target(
      long version, String format, String artifact, String runId, String manifestSha256) {
    public Target {
      if (version < 1) {
        throw new IllegalArgumentException("version must be 1 or more, found " + version);
      }
      requireText(format, "format");
      requireText(artifact, "artifact");
      runId = runId == null ? "" : runId;
      manifestSha256 = manifestSha256 == null ? "" : manifestSha256;
      if (!manifestSha256.isEmpty() && !manifestSha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "manifest_sha256 must be 64 lower-case hex digits, found '" + manifestSha256 + "'");
      }
    }

    /** The artifact folder under the lakehouse at {@code lakehouseRoot}. */
    public Path artifactIn(Path lakehouseRoot) {
      return lakehouseRoot.resolve(artifact);
    }
  }

  public ServingPointer {
    requireText(model, "model");
    Objects.requireNonNull(writtenAt, "written_at is required");
    aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
  }

  /** Where the pointer of {@code model} lives under a lakehouse root. */
  public static Path location(Path lakehouseRoot, String model) {
    return lakehouseRoot.resolve("ml").resolve("serving").resolve(model).resolve(FILE_NAME);
  }

  /** The target of an alias, if the alias is set. */
  public Optional<Target> target(String alias) {
    return Optional.ofNullable(aliases.get(alias));
  }

  /** The pointer as YAML; {@link #read} reads it back to an equal pointer. */
  public String toYaml() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("model", model);
    root.put("written_at", writtenAt.toString());
    Map<String, Object> out = new LinkedHashMap<>();
    aliases.forEach(
        (alias, t) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("version", t.version());
          m.put("format", t.format());
          m.put("artifact", t.artifact());
          m.put("run_id", t.runId());
          if (!t.manifestSha256().isEmpty()) {
            m.put("manifest_sha256", t.manifestSha256());
          }
          out.put(alias, m);
        });
    root.put("aliases", out);
    return YamlFiles.write("Written by the lakeml model registry; read by the serving API.", root);
  }

  /** Writes the pointer atomically: a reader sees the old file or the new, never half of one. */
  public void write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    SealedFolder.writeAtomically(file, toYaml());
  }

  /**
   * Reads a pointer strictly.
   *
   * @throws dev.lakeml.schemas.yaml.ConfigException naming the file, line and key of a problem
   */
  public static ServingPointer read(Path file) {
    ConfigNode root = YamlFiles.read(file);
    String model = root.requiredString("model", "the model name");
    Instant writtenAt = root.required("written_at", "an ISO-8601 instant").instant();
    Map<String, Target> aliases = new LinkedHashMap<>();
    ConfigNode map = root.required("aliases", "a mapping of alias names to versions");
    List<String> names = new ArrayList<>(map.keys());
    for (String alias : names) {
      ConfigNode a = map.required(alias, "the version the alias names");
      long version = a.required("version", "a whole number").longValue("a whole number");
      String format = a.requiredString("format", "the artifact format");
      String artifact = a.requiredString("artifact", "the artifact folder");
      String runId = a.optionalString("run_id", "the training run id").orElse("");
      String sha =
          a.optionalString("manifest_sha256", "the SHA-256 of the artifact's model.yaml")
              .orElse("");
      a.finish();
      aliases.put(alias, a.build(() -> new Target(version, format, artifact, runId, sha)));
    }
    map.finish();
    root.finish();
    return root.build(() -> new ServingPointer(model, writtenAt, aliases));
  }

  private static void requireText(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + " must be non-blank text");
    }
  }
}
