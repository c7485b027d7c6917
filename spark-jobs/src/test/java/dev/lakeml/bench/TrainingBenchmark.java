package dev.lakeml.bench;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.ModelInputs;
import dev.lakeml.ml.TrainJob;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Training benchmarks (a program, not a test), on a lakehouse that {@code ./lakeml demo} filled:
 *
 * <ul>
 *   <li>{@code models [runs]}: {@code lakeml train} of each bundled spec (and the MLP variant),
 *       total time with its grid size, and the validation metrics;
 *   <li>{@code compare [runs]}: XGBoost4J-Spark vs MLlib GBT on the customer_churn training set
 *       with the same trees (100 of depth 5, learning rate 0.1, seed 42), alternating, fit time
 *       from {@code ml.run_metrics} and AUCs.
 * </ul>
 *
 * Runs train under the names {@code <model>_bench}, so the bundled models' registry is untouched.
 */
public final class TrainingBenchmark {
  private TrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "models";
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path repo = Path.of(System.getProperty("lakeml.repo.root", ".")).toAbsolutePath().normalize();
    Project project = ProjectLoader.load(repo.resolve("examples/online-retail"));
    String lake =
        System.getenv().getOrDefault("LAKEML_LAKEHOUSE", repo.resolve("lakehouse").toString());
    if (!Files.isDirectory(Path.of(lake, "features"))) {
      System.err.println(
          "no feature tables under "
              + lake
              + ": run ./lakeml demo first (or set LAKEML_LAKEHOUSE)");
      System.exit(2);
    }
    Map<String, String> conf = new LinkedHashMap<>(project.spark().conf());
    conf.remove("spark.driver.memory");
    conf.put("spark.sql.warehouse.dir", Files.createTempDirectory("lakeml-train-bench").toString());
    SparkSession spark = SparkSessions.create("lakeml-bench", project.spark().master(), conf);
    spark.sparkContext().setLogLevel("ERROR");
    System.out.printf(
        "machine: %d cores, java %s, max heap %d MB, spark %s; lakehouse %s; runs %d%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20,
        spark.version(),
        lake,
        runs);
    Lakehouse lakehouse = new Lakehouse(spark, lake, project.lakehouse().schemaEvolution());
    TrainJob job = new TrainJob(project, lakehouse, Clock.systemUTC(), m -> {});
    if (mode.equals("compare")) {
      compare(spark, lake, project, job, runs);
    } else if (mode.equals("predict")) {
      predict(spark, lakehouse, runs);
    } else {
      models(project, job, runs);
    }
    spark.stop();
  }

  private static void models(Project project, TrainJob job, int runs) {
    List<ModelSpec> specs = new ArrayList<>();
    for (ModelSpec s : project.models()) {
      specs.add(renamed(s, s.name() + "_bench", s.algorithm(), s.grid()));
      for (String v : s.variants().keySet()) {
        ModelSpec variant = s.withVariant(v);
        specs.add(renamed(variant, s.name() + "_bench", variant.algorithm(), variant.grid()));
      }
    }
    for (ModelSpec spec : specs) {
      List<Double> totals = new ArrayList<>();
      TrainJob.Result last = null;
      for (int i = 0; i < runs; i++) {
        last = job.run(spec);
        totals.add(last.seconds());
        System.out.printf(
            "%s (%s, grid %d) run %d: %.1f s; %,d train / %,d validation rows; %s%n",
            spec.name(),
            spec.algorithm().yamlName(),
            last.candidates(),
            i + 1,
            last.seconds(),
            last.trainRows(),
            last.validationRows(),
            rounded(last.metrics()));
      }
      System.out.printf(
          "median: %s (%s, grid %d) %.1f s over %d runs%n",
          spec.name(), spec.algorithm().yamlName(), last.candidates(), median(totals), runs);
    }
  }

  private static void compare(
      SparkSession spark, String lake, Project project, TrainJob job, int runs) {
    ModelSpec churn = project.model("customer_churn").orElseThrow();
    ModelSpec xgb =
        renamed(
            churn,
            "churn_xgb_bench",
            Algorithm.XGBOOST,
            Map.of("max_depth", List.of(5L), "num_round", List.of(100L), "eta", List.of(0.1)));
    ModelSpec gbt =
        renamed(
            churn,
            "churn_gbt_bench",
            Algorithm.GBT,
            Map.of("max_depth", List.of(5L), "max_iter", List.of(100L), "step_size", List.of(0.1)));
    Map<String, List<Double>> fit = new LinkedHashMap<>();
    Map<String, List<Double>> total = new LinkedHashMap<>();
    Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
    for (int i = 0; i < runs; i++) {
      for (ModelSpec spec : List.of(xgb, gbt)) {
        TrainJob.Result r = job.run(spec);
        Row f =
            spark
                .read()
                .format("delta")
                .load(lake + "/ml/run_metrics")
                .where("run_id = '" + r.runId() + "' AND chosen")
                .selectExpr("max(fit_seconds)")
                .first();
        fit.computeIfAbsent(spec.name(), k -> new ArrayList<>()).add(f.getDouble(0));
        total.computeIfAbsent(spec.name(), k -> new ArrayList<>()).add(r.seconds());
        metrics.put(spec.name(), r.metrics());
        System.out.printf(
            "%s run %d: fit %.2f s, total %.1f s, %,d train / %,d validation rows, %s%n",
            spec.name(),
            i + 1,
            f.getDouble(0),
            r.seconds(),
            r.trainRows(),
            r.validationRows(),
            rounded(r.metrics()));
      }
    }
    double x = median(fit.get(xgb.name()));
    double g = median(fit.get(gbt.name()));
    System.out.printf(
        "median fit: XGBoost %.2f s, GBT %.2f s, GBT/XGBoost %.1fx; median total: %.1f s vs %.1f s;"
            + " AUC-ROC %.4f vs %.4f, AUC-PR %.4f vs %.4f (runs %d)%n",
        x,
        g,
        g / x,
        median(total.get(xgb.name())),
        median(total.get(gbt.name())),
        metrics.get(xgb.name()).get("auc_roc"),
        metrics.get(gbt.name()).get("auc_roc"),
        metrics.get(xgb.name()).get("auc_pr"),
        metrics.get(gbt.name()).get("auc_pr"),
        runs);
  }

  /**
   * Batch scoring throughput: the customer_churn champion (XGBoost) over every row of
   * features.customer_activity, in Spark (the pipeline {@code lakeml predict} uses) and in a bare
   * xgboost4j loop over the same rows held in memory (batches of 10,000, all cores).
   */
  private static void predict(SparkSession spark, Lakehouse lakehouse, int runs) throws Exception {
    dev.lakeml.ml.ModelRegistry.Version v =
        new dev.lakeml.ml.ModelRegistry(lakehouse, Clock.systemUTC())
            .resolve("customer_churn", "champion");
    List<String> inputs = v.inputs().stream().map(dev.lakeml.ml.ModelRegistry.Input::name).toList();
    Dataset<Row> rows =
        ModelInputs.modelInput(
                spark.read().format("delta").load(lakehouse.root() + "/features/customer_activity"),
                inputs,
                null,
                Algorithm.XGBOOST,
                List.of("customer_id"))
            .localCheckpoint(true);
    long n = rows.count();
    int width = inputs.size();
    // The same rows as one float matrix for the bare loop (prepared once, outside the timing).
    List<Row> collected =
        rows.select(
                inputs.stream()
                    .map(org.apache.spark.sql.functions::col)
                    .toArray(org.apache.spark.sql.Column[]::new))
            .collectAsList();
    float[] matrix = new float[collected.size() * width];
    for (int i = 0; i < collected.size(); i++) {
      for (int j = 0; j < width; j++) {
        matrix[i * width + j] =
            collected.get(i).isNullAt(j) ? Float.NaN : (float) collected.get(i).getDouble(j);
      }
    }
    ml.dmlc.xgboost4j.java.Booster booster =
        ml.dmlc.xgboost4j.java.XGBoost.loadModel(v.artifact() + "/xgboost-model.ubj");
    int cores = Runtime.getRuntime().availableProcessors();
    booster.setParam("nthread", String.valueOf(cores));
    System.out.printf(
        "customer_churn version %d (%s), %,d rows x %d inputs of features.customer_activity%n",
        v.version(), v.format(), n, width);
    List<Double> sparkRates = new ArrayList<>();
    List<Double> bareRates = new ArrayList<>();
    double sparkSum = 0;
    double bareSum = 0;
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      Row agg = scoreInSpark(v, rows);
      double sparkSeconds = (System.nanoTime() - t0) / 1e9;
      sparkSum = agg.getDouble(0);
      long t1 = System.nanoTime();
      double sum = 0;
      int batch = 10_000;
      for (int start = 0; start < collected.size(); start += batch) {
        int m = Math.min(batch, collected.size() - start);
        float[] part = java.util.Arrays.copyOfRange(matrix, start * width, (start + m) * width);
        ml.dmlc.xgboost4j.java.DMatrix d =
            new ml.dmlc.xgboost4j.java.DMatrix(part, m, width, Float.NaN);
        float[][] p = booster.predict(d);
        d.dispose();
        for (float[] x : p) {
          sum += x[0];
        }
      }
      double bareSeconds = (System.nanoTime() - t1) / 1e9;
      bareSum = sum;
      sparkRates.add(n / sparkSeconds);
      bareRates.add(n / bareSeconds);
      System.out.printf(
          "run %d: Spark %.2f s (%,.0f rows/s), bare xgboost4j %.2f s (%,.0f rows/s)%n",
          r + 1, sparkSeconds, n / sparkSeconds, bareSeconds, n / bareSeconds);
    }
    System.out.printf(
        "median: Spark %,.0f rows/s, bare %,.0f rows/s, Spark/bare %.0f%%; sum of scores %.3f vs"
            + " %.3f (runs %d)%n",
        median(sparkRates),
        median(bareRates),
        100 * median(sparkRates) / median(bareRates),
        sparkSum,
        bareSum,
        runs);
  }

  private static Row scoreInSpark(dev.lakeml.ml.ModelRegistry.Version v, Dataset<Row> rows) {
    return dev.lakeml.ml.BatchScoring.withP1(v, rows).selectExpr("sum(_p1)").first();
  }

  static ModelSpec renamed(
      ModelSpec s, String name, Algorithm algorithm, Map<String, List<Number>> grid) {
    return new ModelSpec(
        name,
        s.task(),
        s.trainingSet(),
        s.interactions(),
        s.features(),
        algorithm,
        grid,
        s.validateFrom(),
        s.metric(),
        s.topK(),
        s.minImprovement(),
        s.seed(),
        s.description(),
        Map.of(),
        null);
  }

  private static Map<String, String> rounded(Map<String, Double> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, String.format("%.4f", v)));
    return out;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
