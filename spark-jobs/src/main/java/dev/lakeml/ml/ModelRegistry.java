package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.artifact.ServingPointer;
import dev.lakeml.schemas.tables.MlTables;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The model registry in Delta: {@code ml.model_versions} (one row per registered version, with its
 * artifact and signature), {@code ml.model_aliases} (where {@code champion}, {@code challenger} and
 * free aliases point) and {@code ml.model_alias_history} (every alias change, who made it and why).
 *
 * <p>After every alias change the model's aliases are also written to {@code
 * <lakehouse>/ml/serving/<model>/aliases.yaml} (temp file + atomic rename): the serving API reads
 * that file, not Delta, so it needs no Spark.
 */
public final class ModelRegistry {
  public static final String CHAMPION = ServingPointer.CHAMPION;
  public static final String CHALLENGER = ServingPointer.CHALLENGER;
  public static final String PREVIOUS_CHAMPION = ServingPointer.PREVIOUS_CHAMPION;

  /** One input of a model's signature: a name and its encoding (double, boolean, days_before). */
  public record Input(String name, String type) {}

  /** A registered version. */
  public record Version(
      String model,
      int version,
      String runId,
      String algorithm,
      String task,
      String format,
      String artifact,
      String sparkPipeline,
      List<Input> inputs,
      String output,
      String metric,
      Map<String, Double> metrics,
      String label,
      String trainingSetBuild,
      Long trainingSetVersion,
      Map<String, Long> inputTables,
      LocalDate validateFrom,
      LocalDate validateTo,
      String specHash,
      String report) {

    /** A builder with a named setter per component. */
    public static Builder builder() {
      return new Builder();
    }

    /**
     * Builds a {@link Version} by name; algorithm, artifact, format, inputs, metric, metrics,
     * model, output, runId, specHash, task, validateFrom, validateTo must be set.
     */
    public static final class Builder {
      private String model;
      private int version;
      private String runId;
      private String algorithm;
      private String task;
      private String format;
      private String artifact;
      private String sparkPipeline;
      private List<Input> inputs;
      private String output;
      private String metric;
      private Map<String, Double> metrics;
      private String label;
      private String trainingSetBuild;
      private Long trainingSetVersion;
      private Map<String, Long> inputTables;
      private LocalDate validateFrom;
      private LocalDate validateTo;
      private String specHash;
      private String report;

      private Builder() {}

      public Builder model(String model) {
        this.model = model;
        return this;
      }

      public Builder version(int version) {
        this.version = version;
        return this;
      }

      public Builder runId(String runId) {
        this.runId = runId;
        return this;
      }

      public Builder algorithm(String algorithm) {
        this.algorithm = algorithm;
        return this;
      }

      public Builder task(String task) {
        this.task = task;
        return this;
      }

      public Builder format(String format) {
        this.format = format;
        return this;
      }

      public Builder artifact(String artifact) {
        this.artifact = artifact;
        return this;
      }

      public Builder sparkPipeline(String sparkPipeline) {
        this.sparkPipeline = sparkPipeline;
        return this;
      }

      public Builder inputs(List<Input> inputs) {
        this.inputs = inputs;
        return this;
      }

      public Builder output(String output) {
        this.output = output;
        return this;
      }

      public Builder metric(String metric) {
        this.metric = metric;
        return this;
      }

      public Builder metrics(Map<String, Double> metrics) {
        this.metrics = metrics;
        return this;
      }

      public Builder label(String label) {
        this.label = label;
        return this;
      }

      public Builder trainingSetBuild(String trainingSetBuild) {
        this.trainingSetBuild = trainingSetBuild;
        return this;
      }

      public Builder trainingSetVersion(Long trainingSetVersion) {
        this.trainingSetVersion = trainingSetVersion;
        return this;
      }

      public Builder inputTables(Map<String, Long> inputTables) {
        this.inputTables = inputTables;
        return this;
      }

      public Builder validateFrom(LocalDate validateFrom) {
        this.validateFrom = validateFrom;
        return this;
      }

      public Builder validateTo(LocalDate validateTo) {
        this.validateTo = validateTo;
        return this;
      }

      public Builder specHash(String specHash) {
        this.specHash = specHash;
        return this;
      }

      public Builder report(String report) {
        this.report = report;
        return this;
      }

      public Version build() {
        java.util.Objects.requireNonNull(algorithm, "Version.algorithm is not set");
        java.util.Objects.requireNonNull(artifact, "Version.artifact is not set");
        java.util.Objects.requireNonNull(format, "Version.format is not set");
        java.util.Objects.requireNonNull(inputs, "Version.inputs is not set");
        java.util.Objects.requireNonNull(metric, "Version.metric is not set");
        java.util.Objects.requireNonNull(metrics, "Version.metrics is not set");
        java.util.Objects.requireNonNull(model, "Version.model is not set");
        java.util.Objects.requireNonNull(output, "Version.output is not set");
        java.util.Objects.requireNonNull(runId, "Version.runId is not set");
        java.util.Objects.requireNonNull(specHash, "Version.specHash is not set");
        java.util.Objects.requireNonNull(task, "Version.task is not set");
        java.util.Objects.requireNonNull(validateFrom, "Version.validateFrom is not set");
        java.util.Objects.requireNonNull(validateTo, "Version.validateTo is not set");
        return new Version(
            model,
            version,
            runId,
            algorithm,
            task,
            format,
            artifact,
            sparkPipeline,
            inputs,
            output,
            metric,
            metrics,
            label,
            trainingSetBuild,
            trainingSetVersion,
            inputTables,
            validateFrom,
            validateTo,
            specHash,
            report);
      }
    }
  }

  /** An alias and where it points. */
  public record Alias(String alias, int version, Timestamp assignedAt, String by, String reason) {}

  private final Lakehouse lakehouse;
  private final Clock clock;

  public ModelRegistry(Lakehouse lakehouse, Clock clock) {
    this.lakehouse = lakehouse;
    this.clock = clock;
  }

  private void ensure() {
    lakehouse.ensure(
        List.of(MlTables.MODEL_VERSIONS, MlTables.MODEL_ALIASES, MlTables.MODEL_ALIAS_HISTORY));
  }

  /**
   * Registers {@code v} under the next free version number of its model and returns that number.
   * The insert is a MERGE on (model, version): two registrations racing for the same number make
   * one of them fail with Delta's concurrent-append conflict instead of both succeeding.
   */
  public int register(Version v) {
    ensure();
    Row max =
        lakehouse
            .read(MlTables.MODEL_VERSIONS)
            .where(col("model").equalTo(v.model()))
            .agg(org.apache.spark.sql.functions.max("version"))
            .first();
    int next = max.isNullAt(0) ? 1 : max.getInt(0) + 1;
    List<Row> inputs = new ArrayList<>();
    for (Input i : v.inputs()) {
      inputs.add(RowFactory.create(i.name(), i.type()));
    }
    Row row =
        TableRow.of(MlTables.MODEL_VERSIONS)
            .set("model", v.model())
            .set("version", next)
            .set("run_id", v.runId())
            .set("registered_at", Timestamp.from(clock.instant()))
            .set("algorithm", v.algorithm())
            .set("task", v.task())
            .set("format", v.format())
            .set("artifact", lakehouse.relative(v.artifact()))
            .set("spark_pipeline", lakehouse.relative(v.sparkPipeline()))
            .set("inputs", inputs)
            .set("output", v.output())
            .set("metric", v.metric())
            .set("metrics", v.metrics())
            .set("label", v.label())
            .set("training_set_build", v.trainingSetBuild())
            .set("training_set_version", v.trainingSetVersion())
            .set("input_tables", v.inputTables())
            .set("validate_from", Date.valueOf(v.validateFrom()))
            .set("validate_to", Date.valueOf(v.validateTo()))
            .set("spec_hash", v.specHash())
            .set("report", lakehouse.relative(v.report()))
            .build();
    Dataset<Row> source = lakehouse.rows(MlTables.MODEL_VERSIONS, List.of(row));
    String view = "_lakeml_new_version";
    source.createOrReplaceTempView(view);
    try {
      lakehouse
          .spark()
          .sql(
              "MERGE INTO delta.`"
                  + lakehouse.location(MlTables.MODEL_VERSIONS)
                  + "` t USING "
                  + view
                  + " s ON t.model = s.model AND t.version = s.version"
                  + " WHEN NOT MATCHED THEN INSERT *");
    } finally {
      lakehouse.spark().catalog().dropTempView(view);
    }
    return next;
  }

  /** Sets the report location of a registered version (written after registration). */
  public void setReport(String model, int version, String report) {
    lakehouse
        .spark()
        .sql(
            "UPDATE delta.`"
                + lakehouse.location(MlTables.MODEL_VERSIONS)
                + "` SET report = '"
                + lakehouse.relative(report).replace("\\", "\\\\").replace("'", "\\'")
                + "' WHERE model = '"
                + model
                + "' AND version = "
                + version);
  }

  /** Every version of the model, oldest first. */
  public List<Version> versions(String model) {
    if (!lakehouse.exists(MlTables.MODEL_VERSIONS)) {
      return List.of();
    }
    List<Version> out = new ArrayList<>();
    for (Row r :
        lakehouse
            .read(MlTables.MODEL_VERSIONS)
            .where(col("model").equalTo(model))
            .orderBy("version")
            .collectAsList()) {
      out.add(version(r, lakehouse));
    }
    return out;
  }

  public Optional<Version> version(String model, int version) {
    return versions(model).stream().filter(v -> v.version() == version).findFirst();
  }

  /**
   * A version by number ({@code 3}), alias ({@code champion}, {@code @champion}) or, with no
   * reference, the champion; refused with what exists when nothing matches.
   */
  public Version resolve(String model, String reference) {
    List<Version> all = versions(model);
    if (all.isEmpty()) {
      throw new ModelException(
          "model " + model + " has no registered versions; train it first: lakeml train " + model);
    }
    String ref = reference == null || reference.isBlank() ? CHAMPION : reference.trim();
    if (ref.startsWith("@")) {
      ref = ref.substring(1);
    }
    if (ref.matches("[0-9]+")) {
      int n = Integer.parseInt(ref);
      return all.stream()
          .filter(v -> v.version() == n)
          .findFirst()
          .orElseThrow(
              () ->
                  new ModelException(
                      "model "
                          + model
                          + " has no version "
                          + n
                          + "; it has "
                          + all.stream().map(Version::version).toList()));
    }
    Map<String, Alias> aliases = aliases(model);
    Alias a = aliases.get(ref);
    if (a == null) {
      throw new ModelException(
          "model " + model + " has no alias '" + ref + "'; it has " + aliases.keySet());
    }
    return all.stream().filter(v -> v.version() == a.version()).findFirst().orElseThrow();
  }

  /** The model's aliases, by name. */
  public Map<String, Alias> aliases(String model) {
    Map<String, Alias> out = new TreeMap<>();
    if (!lakehouse.exists(MlTables.MODEL_ALIASES)) {
      return out;
    }
    for (Row r :
        lakehouse.read(MlTables.MODEL_ALIASES).where(col("model").equalTo(model)).collectAsList()) {
      out.put(
          r.getAs("alias"),
          new Alias(
              r.getAs("alias"),
              r.<Integer>getAs("version"),
              r.getAs("assigned_at"),
              r.getAs("assigned_by"),
              r.getAs("reason")));
    }
    return out;
  }

  /** The alias change history of a model, oldest first. */
  public Dataset<Row> history(String model) {
    ensure();
    return lakehouse
        .read(MlTables.MODEL_ALIAS_HISTORY)
        .where(col("model").equalTo(model))
        .orderBy("changed_at");
  }

  /**
   * Points {@code alias} at {@code version} (or removes it when {@code version} is null), records
   * the change in the history and rewrites the serving pointer file.
   */
  public void setAlias(
      String model,
      String alias,
      Integer version,
      String actor,
      String action,
      String reason,
      Map<String, Double> evidence) {
    ensure();
    if (!alias.matches("[a-z][a-z0-9_]{0,62}")) {
      throw new ModelException(
          "alias '" + alias + "' must be lower_snake_case (letters, digits, _), at most 63 chars");
    }
    if (version != null && version(model, version).isEmpty()) {
      throw new ModelException(
          "model "
              + model
              + " has no version "
              + version
              + "; it has "
              + versions(model).stream().map(Version::version).toList());
    }
    Alias before = aliases(model).get(alias);
    Timestamp now = Timestamp.from(clock.instant());
    String table = "delta.`" + lakehouse.location(MlTables.MODEL_ALIASES) + "`";
    if (version == null) {
      lakehouse
          .spark()
          .sql(
              "DELETE FROM "
                  + table
                  + " WHERE model = '"
                  + model
                  + "' AND alias = '"
                  + alias
                  + "'");
    } else {
      Dataset<Row> source =
          lakehouse.rows(
              MlTables.MODEL_ALIASES,
              List.of(
                  TableRow.of(MlTables.MODEL_ALIASES)
                      .set("model", model)
                      .set("alias", alias)
                      .set("version", version)
                      .set("assigned_at", now)
                      .set("assigned_by", actor)
                      .set("reason", reason)
                      .build()));
      String view = "_lakeml_alias";
      source.createOrReplaceTempView(view);
      try {
        lakehouse
            .spark()
            .sql(
                "MERGE INTO "
                    + table
                    + " t USING "
                    + view
                    + " s ON t.model = s.model AND t.alias = s.alias"
                    + " WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
      } finally {
        lakehouse.spark().catalog().dropTempView(view);
      }
    }
    lakehouse.append(
        MlTables.MODEL_ALIAS_HISTORY,
        List.of(
            TableRow.of(MlTables.MODEL_ALIAS_HISTORY)
                .set("model", model)
                .set("alias", alias)
                .set("version", version)
                .set("previous_version", before == null ? null : before.version())
                .set("changed_at", now)
                .set("actor", actor)
                .set("action", action)
                .set("reason", reason)
                .set("evidence", evidence == null ? null : new LinkedHashMap<>(evidence))
                .build()));
    writeServingPointer(model);
  }

  /** Where the serving pointer of a model lives. */
  public Path servingPointer(String model) {
    return ServingPointer.location(lakehouse.localRoot(), model);
  }

  /**
   * Writes the model's aliases with each target's format and artifact ({@link ServingPointer}),
   * atomically, so the serving API sees the old pointer or the new, never half of one.
   */
  void writeServingPointer(String model) {
    Map<String, ServingPointer.Target> targets = new LinkedHashMap<>();
    for (Alias a : aliases(model).values()) {
      Version v = version(model, a.version()).orElseThrow();
      targets.put(
          a.alias(),
          new ServingPointer.Target(
              v.version(),
              v.format(),
              lakehouse.relative(v.artifact()),
              v.runId(),
              artifactManifestSha(v.artifact())));
    }
    Path file = servingPointer(model);
    try {
      new ServingPointer(model, clock.instant(), targets).write(file);
    } catch (IOException e) {
      throw new ModelException("could not write the serving pointer " + file + ": " + e, e);
    }
  }

  /**
   * The SHA-256 of a version's {@code model.yaml}, recorded in the serving pointer so the API
   * refuses a manifest edited afterwards; empty for an artifact without one (batch-only formats).
   */
  private static String artifactManifestSha(String localArtifact) {
    return dev.lakeml.schemas.artifact.ModelArtifact.manifestSha256(Path.of(localArtifact))
        .orElse("");
  }

  /** A registry row as a version, its stored locations resolved against this lakehouse's root. */
  private static Version version(Row r, Lakehouse lakehouse) {
    List<Input> inputs = new ArrayList<>();
    List<Row> in = r.getList(r.fieldIndex("inputs"));
    if (in != null) {
      for (Row i : in) {
        inputs.add(new Input(i.getString(0), i.getString(1)));
      }
    }
    return Version.builder()
        .model(r.getAs("model"))
        .version(r.<Integer>getAs("version"))
        .runId(r.getAs("run_id"))
        .algorithm(r.getAs("algorithm"))
        .task(r.getAs("task"))
        .format(r.getAs("format"))
        .artifact(lakehouse.localPath(r.getAs("artifact")))
        .sparkPipeline(lakehouse.localPath(r.getAs("spark_pipeline")))
        .inputs(inputs)
        .output(r.getAs("output"))
        .metric(r.getAs("metric"))
        .metrics(
            r.isNullAt(r.fieldIndex("metrics"))
                ? Map.of()
                : new LinkedHashMap<>(r.<String, Double>getJavaMap(r.fieldIndex("metrics"))))
        .label(r.getAs("label"))
        .trainingSetBuild(r.getAs("training_set_build"))
        .trainingSetVersion(r.getAs("training_set_version"))
        .inputTables(
            r.isNullAt(r.fieldIndex("input_tables"))
                ? Map.of()
                : new LinkedHashMap<>(r.<String, Long>getJavaMap(r.fieldIndex("input_tables"))))
        .validateFrom(r.<Date>getAs("validate_from").toLocalDate())
        .validateTo(r.<Date>getAs("validate_to").toLocalDate())
        .specHash(r.getAs("spec_hash"))
        .report(lakehouse.localPath(r.getAs("report")))
        .build();
  }
}
