package dev.lakeml.schemas.artifact;

import dev.lakeml.schemas.yaml.ConfigException;
import dev.lakeml.schemas.yaml.ConfigNode;
import dev.lakeml.schemas.yaml.YamlFiles;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * What a model artifact holds, written as {@code model.yaml}: the format, the inputs in the order
 * the model reads them, the preprocessing of an MLP, the hyperparameters, and the size and SHA-256
 * of every other file in the folder. It is written last (see {@link ModelArtifact#seal}), so a
 * folder without it is incomplete.
 *
 * @param format {@value #XGBOOST} or {@value #DJL_MLP}
 * @param model the model spec name
 * @param runId the training run that produced the model
 * @param task {@value #BINARY_CLASSIFICATION}, the only task so far
 * @param inputs in the order of the row the model reads
 * @param preprocessing per input name, for {@value #DJL_MLP} (every input); empty for {@value
 *     #XGBOOST}, which takes NaN for missing and needs none
 * @param params the hyperparameters as text (for {@value #DJL_MLP}, {@code hidden} fixes the block)
 * @param files per file path (relative, '/' separators), filled in by {@link ModelArtifact#seal}
 */
public record ModelManifest(
    String format,
    String model,
    String runId,
    String task,
    Instant createdAt,
    List<ModelInput> inputs,
    Output output,
    Map<String, Preprocessing> preprocessing,
    Map<String, String> params,
    long seed,
    Map<String, FileEntry> files) {

  /** The manifest's file name inside the artifact folder. */
  public static final String FILE_NAME = "model.yaml";

  /** XGBoost's native booster, in its UBJSON format, as {@value #XGBOOST_MODEL_FILE}. */
  public static final String XGBOOST = "xgboost";

  /** A DJL multilayer perceptron (lakeml's MlpTrainer), as {@value #MLP_PARAMS_FILE}. */
  public static final String DJL_MLP = "djl-mlp";

  public static final String XGBOOST_MODEL_FILE = "xgboost-model.ubj";

  /** DJL's parameter file of the model named {@value #MLP_MODEL_NAME} at epoch 0. */
  public static final String MLP_PARAMS_FILE = "mlp-0000.params";

  public static final String MLP_MODEL_NAME = "mlp";

  public static final String BINARY_CLASSIFICATION = "binary_classification";

  /** The formats this code reads, for messages. */
  public static final List<String> FORMATS = List.of(XGBOOST, DJL_MLP);

  public ModelManifest {
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "format '" + format + "' is unknown; expected one of " + String.join(", ", FORMATS));
    }
    requireText(model, "model");
    requireText(runId, "run_id");
    if (!BINARY_CLASSIFICATION.equals(task)) {
      throw new IllegalArgumentException(
          "task '" + task + "' is not supported; expected " + BINARY_CLASSIFICATION);
    }
    Objects.requireNonNull(createdAt, "created_at is required");
    inputs = ModelInput.requireValid(inputs);
    Objects.requireNonNull(output, "output is required");
    preprocessing = Collections.unmodifiableMap(new LinkedHashMap<>(preprocessing));
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    files = Collections.unmodifiableMap(new TreeMap<>(files));
    files.keySet().forEach(ModelManifest::requireRelativePath);
    if (format.equals(DJL_MLP)) {
      List<String> names = inputs.stream().map(ModelInput::name).toList();
      if (!new ArrayList<>(preprocessing.keySet()).equals(names)) {
        throw new IllegalArgumentException(
            "preprocessing must list every input in input order "
                + names
                + "; found "
                + preprocessing.keySet());
      }
      hiddenWidth(params);
    } else if (!preprocessing.isEmpty()) {
      throw new IllegalArgumentException(
          "format " + format + " takes no preprocessing (NaN marks a missing value)");
    }
  }

  /** A manifest of an XGBoost booster; {@link ModelArtifact#seal} fills in the files. */
  public static ModelManifest xgboost(
      String model,
      String runId,
      Instant createdAt,
      List<ModelInput> inputs,
      Map<String, String> params,
      long seed) {
    return new ModelManifest(
        XGBOOST,
        model,
        runId,
        BINARY_CLASSIFICATION,
        createdAt,
        inputs,
        Output.PROBABILITY,
        Map.of(),
        params,
        seed,
        Map.of());
  }

  /** The names of the inputs, in order. */
  public List<String> inputNames() {
    return inputs.stream().map(ModelInput::name).toList();
  }

  public ModelManifest withFiles(Map<String, FileEntry> files) {
    return new ModelManifest(
        format, model, runId, task, createdAt, inputs, output, preprocessing, params, seed, files);
  }

  /** The width of the MLP's hidden layers, from {@code params.hidden}. */
  public static int hiddenWidth(Map<String, String> params) {
    String text = params.get("hidden");
    if (text == null) {
      throw new IllegalArgumentException(
          "format " + DJL_MLP + " needs params.hidden (the width of the hidden layers)");
    }
    try {
      int width = Integer.parseInt(text.trim());
      if (width > 0) {
        return width;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "params.hidden must be a whole number above 0, found '" + text + "'");
  }

  private static void requireRelativePath(String path) {
    if (path.isEmpty()
        || path.startsWith("/")
        || path.contains("\\")
        || List.of(path.split("/", -1)).stream()
            .anyMatch(p -> p.isEmpty() || p.equals("..") || p.equals("."))
        || path.equals(FILE_NAME)) {
      throw new IllegalArgumentException(
          "file path '"
              + path
              + "' must be relative to the artifact folder, with '/' separators, no '.' or '..'"
              + " parts, and not "
              + FILE_NAME);
    }
  }

  private static void requireText(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + " must be non-blank text");
    }
  }

  /**
   * What the model outputs.
   *
   * @param meaning in words, for people reading the manifest
   */
  public record Output(String name, String meaning) {
    /** The output of a binary classifier: P(label = 1). */
    public static final Output PROBABILITY = new Output("score", "probability of label 1");

    public Output {
      requireText(name, "output.name");
      requireText(meaning, "output.meaning");
    }
  }

  /**
   * How an MLP input is prepared: a missing value becomes {@code fill} (the training median), then
   * the value is standardised as {@code (value - mean) / std}.
   */
  public record Preprocessing(double fill, double mean, double std) {
    public Preprocessing {
      if (!Double.isFinite(fill)
          || !Double.isFinite(mean)
          || !(std > 0)
          || Double.isInfinite(std)) {
        throw new IllegalArgumentException(
            "preprocessing needs finite fill and mean and a finite std above 0; found fill="
                + fill
                + ", mean="
                + mean
                + ", std="
                + std);
      }
    }

    /** The value the network reads for {@code raw} (NaN = missing). */
    public double apply(double raw) {
      double filled = Double.isNaN(raw) ? fill : raw;
      return (filled - mean) / std;
    }
  }

  /**
   * One file of the artifact.
   *
   * @param size in bytes
   * @param sha256 64 lower-case hex digits
   */
  public record FileEntry(long size, String sha256) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public FileEntry {
      if (size < 0) {
        throw new IllegalArgumentException("size must be 0 or more, found " + size);
      }
      if (sha256 == null || !SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException(
            "sha256 must be 64 lower-case hex digits, found '" + sha256 + "'");
      }
    }
  }

  /** The manifest as YAML; {@link #read} reads it back to an equal manifest. */
  public String toYaml() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", format);
    root.put("model", model);
    root.put("run_id", runId);
    root.put("task", task);
    root.put("created_at", createdAt.toString());
    List<Object> inputList = new ArrayList<>();
    for (ModelInput in : inputs) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", in.name());
      m.put("type", in.type().yamlName());
      inputList.add(m);
    }
    root.put("inputs", inputList);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", output.name());
    out.put("meaning", output.meaning());
    root.put("output", out);
    if (format.equals(DJL_MLP)) {
      Map<String, Object> pre = new LinkedHashMap<>();
      preprocessing.forEach(
          (name, p) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fill", p.fill());
            m.put("mean", p.mean());
            m.put("std", p.std());
            pre.put(name, m);
          });
      root.put("preprocessing", pre);
    }
    root.put("params", new LinkedHashMap<>(params));
    root.put("seed", seed);
    Map<String, Object> fileMap = new LinkedHashMap<>();
    files.forEach(
        (path, f) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("size", f.size());
          m.put("sha256", f.sha256());
          fileMap.put(path, m);
        });
    root.put("files", fileMap);
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setSplitLines(false);
    return "# lakeml model artifact; written last, so a folder without it is incomplete\n"
        + new Yaml(options).dump(root);
  }

  /**
   * Reads a manifest strictly: a missing key, an unknown key or a value of the wrong type is a
   * {@link ModelArtifactException} naming the file, the line and the key.
   */
  public static ModelManifest read(Path file) {
    try {
      return read(YamlFiles.read(file));
    } catch (ConfigException e) {
      throw new ModelArtifactException(e.getMessage(), e);
    }
  }

  private static ModelManifest read(ConfigNode root) {
    ConfigNode formatNode = root.required("format", "the model format");
    String format = formatNode.string("the model format");
    if (!FORMATS.contains(format)) {
      throw formatNode.error(
          "format '"
              + format
              + "' is unknown; this lakeml reads "
              + String.join(", ", FORMATS)
              + " (was the model written by a newer lakeml?)");
    }
    String model = root.requiredString("model", "the model spec name");
    String runId = root.requiredString("run_id", "the training run id");
    String task = root.requiredString("task", BINARY_CLASSIFICATION);
    Instant createdAt = instant(root.required("created_at", "an ISO-8601 instant"));
    List<ModelInput> inputs = new ArrayList<>();
    for (ConfigNode in : root.required("inputs", "a list of inputs").list("inputs")) {
      String name = in.requiredString("name", "the input name");
      ConfigNode typeNode = in.required("type", InputType.ACCEPTED);
      InputType type = build(typeNode, () -> InputType.parse(typeNode.string(InputType.ACCEPTED)));
      in.finish();
      inputs.add(build(in, () -> new ModelInput(name, type)));
    }
    ConfigNode out = root.required("output", "a mapping with name and meaning");
    String outName = out.requiredString("name", "the output name");
    String meaning = out.requiredString("meaning", "what the output means");
    out.finish();
    Output output = build(out, () -> new Output(outName, meaning));
    Map<String, Preprocessing> preprocessing = new LinkedHashMap<>();
    Optional<ConfigNode> pre = root.optional("preprocessing");
    if (pre.isPresent()) {
      for (String name : pre.get().keys()) {
        ConfigNode p = pre.get().required(name, "fill, mean and std");
        double fill = finite(p.required("fill", "a finite number"));
        double mean = finite(p.required("mean", "a finite number"));
        double std = finite(p.required("std", "a finite number"));
        p.finish();
        preprocessing.put(name, build(p, () -> new Preprocessing(fill, mean, std)));
      }
    }
    Map<String, String> params =
        root.optional("params").map(n -> n.stringMap("a hyperparameter value")).orElse(Map.of());
    long seed = whole(root.required("seed", "a whole number"));
    Map<String, FileEntry> files = new LinkedHashMap<>();
    ConfigNode fileNode = root.required("files", "a mapping of file paths to size and sha256");
    for (String path : fileNode.keys()) {
      ConfigNode f = fileNode.required(path, "size and sha256");
      long size = whole(f.required("size", "a whole number of bytes"));
      String sha = f.requiredString("sha256", "64 lower-case hex digits");
      f.finish();
      files.put(path, build(f, () -> new FileEntry(size, sha)));
    }
    root.finish();
    return build(
        root,
        () ->
            new ModelManifest(
                format,
                model,
                runId,
                task,
                createdAt,
                inputs,
                output,
                preprocessing,
                params,
                seed,
                files));
  }

  private static Instant instant(ConfigNode n) {
    String text = n.string("an ISO-8601 instant");
    try {
      return Instant.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw n.error(
          "expected an ISO-8601 instant such as 2024-05-01T00:00:00Z, found '" + text + "'");
    }
  }

  private static long whole(ConfigNode n) {
    String text = n.string("a whole number");
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw n.error("expected a whole number, found '" + text + "'");
    }
  }

  private static double finite(ConfigNode n) {
    String text = n.string("a finite number");
    try {
      double value = Double.parseDouble(text.trim());
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw n.error("expected a finite number, found '" + text + "'");
  }

  /** Runs a constructor, turning its refusal into an error at this node. */
  private static <T> T build(ConfigNode n, Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw n.error(e.getMessage());
    }
  }
}
