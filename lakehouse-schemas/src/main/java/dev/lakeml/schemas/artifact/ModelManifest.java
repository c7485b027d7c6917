package dev.lakeml.schemas.artifact;

import dev.lakeml.schemas.sealed.SealedFile;
import dev.lakeml.schemas.yaml.ConfigException;
import dev.lakeml.schemas.yaml.ConfigNode;
import dev.lakeml.schemas.yaml.YamlFiles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
 * @param files every other file of the folder with its size and SHA-256, in path order (the same
 *     shape as an online snapshot's), filled in by {@link ModelArtifact#seal}
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
    List<SealedFile> files) {

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
    files = files.stream().sorted(java.util.Comparator.comparing(SealedFile::path)).toList();
    Set<String> paths = new HashSet<>();
    for (SealedFile f : files) {
      requireRelativePath(f.path());
      if (!paths.add(f.path())) {
        throw new IllegalArgumentException("file '" + f.path() + "' is listed twice");
      }
    }
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
        List.of());
  }

  /** The names of the inputs, in order. */
  public List<String> inputNames() {
    return inputs.stream().map(ModelInput::name).toList();
  }

  /** The listed file at a path, if any. */
  public Optional<SealedFile> file(String path) {
    return files.stream().filter(f -> f.path().equals(path)).findFirst();
  }

  public ModelManifest withFiles(List<SealedFile> files) {
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
    root.put("files", SealedFile.toYaml(files));
    return YamlFiles.write(
        "lakeml model artifact; written last, so a folder without it is incomplete", root);
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
    Instant createdAt = root.required("created_at", "an ISO-8601 instant").instant();
    List<ModelInput> inputs = new ArrayList<>();
    for (ConfigNode in : root.required("inputs", "a list of inputs").list("inputs")) {
      String name = in.requiredString("name", "the input name");
      ConfigNode typeNode = in.required("type", InputType.ACCEPTED);
      InputType type = typeNode.build(() -> InputType.parse(typeNode.string(InputType.ACCEPTED)));
      in.finish();
      inputs.add(in.build(() -> new ModelInput(name, type)));
    }
    ConfigNode out = root.required("output", "a mapping with name and meaning");
    String outName = out.requiredString("name", "the output name");
    String meaning = out.requiredString("meaning", "what the output means");
    out.finish();
    Output output = out.build(() -> new Output(outName, meaning));
    Map<String, Preprocessing> preprocessing = new LinkedHashMap<>();
    Optional<ConfigNode> pre = root.optional("preprocessing");
    if (pre.isPresent()) {
      for (String name : pre.get().keys()) {
        ConfigNode p = pre.get().required(name, "fill, mean and std");
        double fill = p.required("fill", "a finite number").finite("a finite number");
        double mean = p.required("mean", "a finite number").finite("a finite number");
        double std = p.required("std", "a finite number").finite("a finite number");
        p.finish();
        preprocessing.put(name, p.build(() -> new Preprocessing(fill, mean, std)));
      }
    }
    Map<String, String> params =
        root.optional("params").map(n -> n.stringMap("a hyperparameter value")).orElse(Map.of());
    long seed = root.required("seed", "a whole number").longValue("a whole number");
    List<SealedFile> files = SealedFile.read(root);
    root.finish();
    return root.build(
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
}
