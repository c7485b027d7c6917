package dev.lakeml.cli;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.features.FeatureViewSpec;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Declared;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.spark.SparkSessions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What a command needs, built once from the global options: the project, the Spark session and the
 * lakehouse, with the existing tables registered by name.
 *
 * <p>Precedence of settings: command line, then environment ({@code LAKEML_PROJECT}, {@code
 * LAKEML_LAKEHOUSE}, {@code LAKEML_SPARK_MASTER}), then the project file, then defaults.
 */
final class LakemlContext implements AutoCloseable {
  final Project project;
  final SparkSession spark;
  final Lakehouse lakehouse;
  final PrintStream out;
  final PrintStream err;

  /** Spark's loggers that print a failed task's stack trace (the job then fails with it). */
  static final java.util.List<String> TASK_FAILURE_LOGGERS =
      java.util.List.of(
          "org.apache.spark.executor.Executor",
          "org.apache.spark.scheduler.TaskSetManager",
          "org.apache.spark.sql.execution.datasources.FileFormatWriter");

  final boolean quiet;
  private final ProgressReporter progress;
  private final boolean ownsSession;

  private LakemlContext(
      Project project,
      SparkSession spark,
      Lakehouse lakehouse,
      PrintStream out,
      PrintStream err,
      boolean quiet,
      ProgressReporter progress,
      boolean ownsSession) {
    this.ownsSession = ownsSession;
    this.project = project;
    this.spark = spark;
    this.lakehouse = lakehouse;
    this.out = out;
    this.err = err;
    this.quiet = quiet;
    this.progress = progress;
  }

  /** The project file or folder: --project, then LAKEML_PROJECT, then the bundled example. */
  static Path projectPath(LakemlCli.GlobalOptions options) {
    return Path.of(
        firstNonBlank(options.project, System.getenv("LAKEML_PROJECT"), "examples/online-retail"));
  }

  static Project loadProject(LakemlCli.GlobalOptions options) {
    return ProjectLoader.load(projectPath(options));
  }

  /** The lakehouse root: --lakehouse, then LAKEML_LAKEHOUSE, then the project's. */
  static String lakehouseRoot(LakemlCli.GlobalOptions options, Project project) {
    return project.resolve(
        firstNonBlank(
            options.lakehouse, System.getenv("LAKEML_LAKEHOUSE"), project.lakehouse().root()));
  }

  static LakemlContext open(LakemlCli.GlobalOptions options, PrintStream out, PrintStream err) {
    Project project = loadProject(options);
    String root = lakehouseRoot(options, project);
    String master =
        firstNonBlank(
            options.master, System.getenv("LAKEML_SPARK_MASTER"), project.spark().master());
    Map<String, String> conf = new LinkedHashMap<>(project.spark().conf());
    conf.putAll(options.conf);
    conf.putIfAbsent("spark.sql.warehouse.dir", root + "/_warehouse");
    // An object-store root without its connector: one message, before Spark starts.
    org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
    conf.forEach(
        (k, v) -> {
          if (k.startsWith("spark.hadoop.")) {
            hadoop.set(k.substring("spark.hadoop.".length()), v);
          }
        });
    Lakehouse.checkFileSystem(root, hadoop);
    // A session that already runs (tests, notebooks) is used and left running.
    boolean ownsSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.create("lakeml", master, conf);
    if (ownsSession && !options.verbose) {
      // lakeml reports progress and errors itself; Spark's warnings only with --verbose.
      spark.sparkContext().setLogLevel("ERROR");
      // A failed task reaches lakeml as the job's exception, which it reports in one message
      // naming the file; the executor's and scheduler's own log of it (with a stack trace of
      // 30-odd frames) only with --verbose.
      for (String logger : TASK_FAILURE_LOGGERS) {
        org.apache.logging.log4j.core.config.Configurator.setLevel(
            logger, org.apache.logging.log4j.Level.OFF);
      }
    }
    ProgressReporter progress = null;
    if (!options.quiet) {
      progress = new ProgressReporter(err);
      spark.sparkContext().addSparkListener(progress);
    }
    Lakehouse lakehouse = new Lakehouse(spark, root, project.lakehouse().schemaEvolution());
    lakehouse.registerExisting(IngestTables.all(project));
    lakehouse.registerLayer(Layer.FEATURES);
    lakehouse.registerLayer(Layer.TRAINING_SETS);
    lakehouse.registerLayer(Layer.ML);
    lakehouse.registerLayer(Layer.SERVING);
    lakehouse.registerLayer(Layer.MONITORING);
    for (String model : lakehouse.registerLayer(Layer.PREDICTIONS)) {
      dev.lakeml.ml.PredictJob.registerLatestView(spark, model);
    }
    return new LakemlContext(
        project, spark, lakehouse, out, err, options.quiet, progress, ownsSession);
  }

  /** A model spec of the project, or a usage error listing the declared ones. */
  ModelSpec model(String name) {
    return Declared.find("model", name, project.models(), ModelSpec::name);
  }

  /** A source of the project, or a usage error listing the declared ones. */
  SourceSpec source(String name) {
    return Declared.find("source", name, project.sources(), SourceSpec::name);
  }

  /** A feature view of the project, or a usage error listing the declared ones. */
  FeatureViewSpec view(String name) {
    return Declared.find("feature view", name, project.features().views(), FeatureViewSpec::name);
  }

  /** A progress message on standard error, unless --quiet. */
  void info(String message) {
    if (!quiet) {
      if (progress != null) {
        progress.finish();
      }
      err.println(message);
    }
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  @Override
  public void close() {
    if (progress != null) {
      progress.finish();
      spark.sparkContext().removeSparkListener(progress);
    }
    if (ownsSession) {
      spark.stop();
    }
  }
}
