package dev.lakeml.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.monitoring.MonitoringSpec;
import dev.lakeml.testing.SharedSpark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lakeml's drift statistics against SciPy's on the same generated samples: exact where lakeml is
 * exact (PSI given its edges, chi-squared, Jensen–Shannon, shares, the KS p-value given D), within
 * the stated bound where it reads quantile sketches (KS D, Wasserstein).
 */
class DriftScipyTest {
  @TempDir static Path dir;

  private static final Map<String, List<DriftMeasure>> LAKEML = new LinkedHashMap<>();
  private static JsonNode scipy;

  @BeforeAll
  static void computeBothSides() throws Exception {
    Random random = new Random(20261202L);
    Map<String, Case> cases = new LinkedHashMap<>();
    cases.put(
        "normal_shift",
        Case.numeric(
            sample(20_000, 0.02, random, () -> random.nextGaussian()),
            sample(12_000, 0.05, random, () -> 0.5 + 1.1 * random.nextGaussian())));
    cases.put(
        "no_drift",
        Case.numeric(
            sample(20_000, 0, random, () -> 5 + 2 * random.nextGaussian()),
            sample(10_000, 0, random, () -> 5 + 2 * random.nextGaussian())));
    cases.put(
        "poisson_ties",
        Case.numeric(
            sample(20_000, 0, random, () -> poisson(random, 1.0)),
            sample(15_000, 0, random, () -> poisson(random, 1.4))));
    cases.put(
        "lognormal_tail",
        Case.numeric(
            sample(20_000, 0.01, random, () -> Math.exp(3 + 1.2 * random.nextGaussian())),
            sample(8_000, 0, random, () -> Math.exp(3.2 + 1.2 * random.nextGaussian()))));
    cases.put(
        "categories",
        Case.categorical(
            words(20_000, random, new String[] {"A", "B", "C", "D"}, new double[] {.4, .3, .2, .1}),
            words(
                9_000,
                random,
                new String[] {"A", "B", "C", "D", "E", null},
                new double[] {.3, .3, .2, .1, .05, .05})));

    SparkSession spark = SharedSpark.session();
    ObjectMapper json = new ObjectMapper();
    ObjectNode described = json.createObjectNode();
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      String name = e.getKey();
      Case c = e.getValue();
      DriftColumn column =
          c.numeric()
              ? DriftColumn.numeric("x", DriftColumn.Role.INPUT)
              : DriftColumn.categorical("x", DriftColumn.Role.INPUT);
      DriftProfiler.Reference reference =
          DriftProfiler.reference(c.frame(spark, c.reference()), List.of(column));
      List<DriftMeasure> measures =
          DriftProfiler.compare(
              reference, c.frame(spark, c.current()), List.of(column), MonitoringSpec.DEFAULTS);
      LAKEML.put(name, measures);
      c.write(dir.resolve(name + ".reference.txt"), c.reference());
      c.write(dir.resolve(name + ".current.txt"), c.current());
      ObjectNode d = described.putObject(name);
      d.put("kind", c.numeric() ? "numeric" : "categorical");
      if (c.numeric()) {
        d.set("edges", json.readTree(measure(name, DriftStatistic.PSI).detail().get("edges")));
        d.put("ks_d", measure(name, DriftStatistic.KS_D).value());
      }
    }
    Files.writeString(dir.resolve("cases.json"), described.toString());
    scipy = json.readTree(runScipy(dir));
  }

  @Test
  void exactStatisticsEqualScipys() {
    for (String name : List.of("normal_shift", "no_drift", "poisson_ties", "lognormal_tail")) {
      JsonNode s = scipy.get(name);
      assertThat(value(name, DriftStatistic.PSI))
          .as(name + " psi")
          .isCloseTo(s.get("psi").asDouble(), within(1e-9));
      assertThat(value(name, DriftStatistic.NULL_SHARE))
          .as(name + " null share")
          .isCloseTo(s.get("null_share").asDouble(), within(1e-12));
      assertThat(value(name, DriftStatistic.OUT_OF_RANGE_SHARE))
          .as(name + " out of range")
          .isCloseTo(s.get("out_of_range_share").asDouble(), within(1e-12));
      // The same D gives the same p-value: lakeml's Kolmogorov distribution is SciPy's kstwo.
      assertThat(value(name, DriftStatistic.KS_P_VALUE))
          .as(name + " ks p-value for lakeml's D")
          .isCloseTo(s.get("ks_p_value_lakeml_d").asDouble(), within(1e-6));
    }
    JsonNode s = scipy.get("categories");
    assertThat(value("categories", DriftStatistic.CHI_SQUARED))
        .isCloseTo(s.get("chi_squared").asDouble(), within(1e-9 * s.get("chi_squared").asDouble()));
    assertThat(value("categories", DriftStatistic.CHI_SQUARED_P_VALUE))
        .isCloseTo(s.get("chi_squared_p_value").asDouble(), within(1e-12));
    assertThat(value("categories", DriftStatistic.JS_DISTANCE))
        .isCloseTo(s.get("js_distance").asDouble(), within(1e-12));
    assertThat(value("categories", DriftStatistic.NEW_CATEGORY_SHARE))
        .isCloseTo(s.get("new_category_share").asDouble(), within(1e-12));
    assertThat(value("categories", DriftStatistic.NULL_SHARE))
        .isCloseTo(s.get("null_share").asDouble(), within(1e-12));
  }

  @Test
  void sketchedStatisticsAreWithinTheirStatedBoundOfScipys() {
    for (String name : List.of("normal_shift", "no_drift", "poisson_ties", "lognormal_tail")) {
      JsonNode s = scipy.get(name);
      DriftMeasure d = measure(name, DriftStatistic.KS_D);
      assertThat(d.errorBound()).isLessThan(0.005);
      assertThat(d.value())
          .as(name + " KS D (bound " + d.errorBound() + ")")
          .isCloseTo(s.get("ks_d").asDouble(), within(d.errorBound()));
      DriftMeasure w = measure(name, DriftStatistic.WASSERSTEIN);
      assertThat(w.value())
          .as(name + " Wasserstein (bound " + w.errorBound() + ")")
          .isCloseTo(s.get("wasserstein").asDouble(), within(w.errorBound()));
      // The PSI edges are the reference's deciles, each within the sketch's rank error.
      JsonNode ranks = s.get("edge_ranks");
      assertThat(ranks.size()).isPositive();
      System.out.printf(
          "%s: KS D %.5f vs SciPy %.5f (bound %.4f); W %.5f vs %.5f (bound %.4f)%n",
          name,
          d.value(),
          s.get("ks_d").asDouble(),
          d.errorBound(),
          w.value(),
          s.get("wasserstein").asDouble(),
          w.errorBound());
    }
    // Deciles of a continuous sample: each edge's rank is its decile, within the rank error plus
    // the one value it may sit on.
    JsonNode ranks = scipy.get("normal_shift").get("edge_ranks");
    for (int i = 0; i < ranks.size(); i++) {
      assertThat(ranks.get(i).asDouble()).isCloseTo((i + 1) / 10.0, within(2e-4));
    }
  }

  @Test
  void breachesFollowTheDefaultThresholds() {
    assertThat(measure("no_drift", DriftStatistic.PSI).breached()).isFalse();
    assertThat(measure("no_drift", DriftStatistic.KS_D).breached()).isFalse();
    assertThat(measure("normal_shift", DriftStatistic.KS_D).breached()).isTrue();
    assertThat(measure("normal_shift", DriftStatistic.PSI).breached()).isTrue();
    // 5% of the drawn values are NULL and 5% a new category: 5.3% of the values, over 5%.
    assertThat(measure("categories", DriftStatistic.NEW_CATEGORY_SHARE).breached()).isTrue();
    // The threshold of NULL share is the reference's share (none) plus the allowed 0.05.
    assertThat(measure("categories", DriftStatistic.NULL_SHARE).threshold()).hasValue(0.05);
    // No default for p-values: reported, never breached unless a threshold is set.
    assertThat(measure("normal_shift", DriftStatistic.KS_P_VALUE).threshold()).isEmpty();
    assertThat(measure("normal_shift", DriftStatistic.KS_P_VALUE).breached()).isFalse();
  }

  private static DriftMeasure measure(String name, DriftStatistic statistic) {
    return LAKEML.get(name).stream()
        .filter(m -> m.statistic() == statistic)
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " has no " + statistic));
  }

  private static double value(String name, DriftStatistic statistic) {
    DriftMeasure m = measure(name, statistic);
    assertThat(m.status()).as(name + " " + statistic).isEqualTo(DriftMeasure.OK);
    return m.value();
  }

  private static String runScipy(Path folder) throws IOException, InterruptedException {
    Path script = Path.of("src/test/resources/monitoring/drift_scipy.py").toAbsolutePath();
    Process p =
        new ProcessBuilder("python3", script.toString(), folder.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("python3 ends").isTrue();
    assertThat(p.exitValue())
        .as("python3 with SciPy (Debian: apt-get install python3-scipy) exit code")
        .isZero();
    return out;
  }

  private static Object[] sample(int n, double missing, Random random, DoubleSupplier draw) {
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      // Missing values alternate between NULL and NaN: both count as missing.
      Object missingValue = i % 2 == 0 ? null : (Object) Double.NaN;
      out[i] = random.nextDouble() < missing ? missingValue : (Object) draw.getAsDouble();
    }
    return out;
  }

  private static double poisson(Random random, double lambda) {
    double l = Math.exp(-lambda);
    int k = 0;
    double p = 1;
    do {
      k++;
      p *= random.nextDouble();
    } while (p > l);
    return k - 1;
  }

  private static Object[] words(int n, Random random, String[] categories, double[] weights) {
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      double u = random.nextDouble();
      int k = 0;
      while (k < weights.length - 1 && u >= weights[k]) {
        u -= weights[k];
        k++;
      }
      out[i] = categories[k];
    }
    return out;
  }

  /** One generated reference and current sample of a column named x. */
  private record Case(boolean numeric, Object[] reference, Object[] current) {
    static Case numeric(Object[] reference, Object[] current) {
      return new Case(true, reference, current);
    }

    static Case categorical(Object[] reference, Object[] current) {
      return new Case(false, reference, current);
    }

    Dataset<Row> frame(SparkSession spark, Object[] values) {
      List<Row> rows = new ArrayList<>();
      for (Object v : values) {
        rows.add(RowFactory.create(v));
      }
      return spark.createDataFrame(
          rows,
          new StructType().add("x", numeric ? DataTypes.DoubleType : DataTypes.StringType, true));
    }

    void write(Path file, Object[] values) throws IOException {
      StringBuilder text = new StringBuilder();
      for (Object v : values) {
        Supplier<String> missing = () -> numeric ? "nan" : "";
        text.append(v == null ? missing.get() : v.toString()).append('\n');
      }
      Files.writeString(file, text.toString());
    }
  }
}
