package dev.lakeml.schemas.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.monitoring.AlertPolicy;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.monitoring.MonitoringSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ModelLoaderTest {
  @TempDir Path dir;

  public static final String PROJECT =
      """
      name: shop
      sources:
        - name: orders
          format: csv
          location: raw/{date}.csv
          columns:
            - {name: order_id, type: string, nullable: false}
            - {name: customer_id, type: long}
            - {name: amount, type: "decimal(10,2)"}
            - {name: ordered_at, type: timestamp}
          key: [order_id]
      entities:
        - name: customer
          keys: [{name: customer_id, type: long}]
      feature_views:
        - name: spend
          entity: customer
          source: orders
          event_time: ordered_at
          ttl: 30d
          owner: team-a
          features:
            - {name: orders_7d, agg: count, window: 7d}
            - {name: amount_7d, agg: sum, of: amount, window: 7d}
      labels:
        - {name: churn, entity: customer, source: orders, event_time: ordered_at, kind: no_event_within, window: 30d}
      models:
        - name: churn_model
          task: binary_classification
          training_set: {label: churn, from: 2011-01-01, to: 2011-06-01, every: 14d, views: [spend]}
          features: [orders_7d, amount_7d]
          algorithm: xgboost
          params: {max_depth: [3, 5], eta: 0.1, num_round: [50, 100]}
          split: {validate_from: 2011-05-01}
          metric: auc_roc
          promotion: {min_improvement: 0.01}
          seed: 7
      """;

  private Project load(String yaml) throws IOException {
    Path file = dir.resolve("lakeml.yaml");
    Files.writeString(file, yaml);
    return ProjectLoader.load(file);
  }

  @Test
  void readsASpecWithItsGridSplitAndPromotionRule() throws IOException {
    ModelSpec m = load(PROJECT).model("churn_model").orElseThrow();
    assertThat(m.algorithm()).isEqualTo(Algorithm.XGBOOST);
    assertThat(m.trainingSet())
        .isEqualTo(
            new ModelSpec.TrainingSetSpec(
                "churn",
                LocalDate.parse("2011-01-01"),
                LocalDate.parse("2011-06-01"),
                14,
                List.of("spend"),
                false));
    assertThat(m.grid())
        .containsEntry("max_depth", List.of(3L, 5L))
        .containsEntry("eta", List.of(0.1))
        .containsEntry("num_round", List.of(50L, 100L));
    // Sorted by parameter name, the first varying slowest: the same order on every run.
    assertThat(Algorithm.combinations(m.grid()))
        .hasSize(4)
        .first()
        .isEqualTo(Map.of("eta", 0.1, "max_depth", 3L, "num_round", 50L));
    assertThat(m.validateFrom()).isEqualTo(LocalDate.parse("2011-05-01"));
    assertThat(m.metric()).isEqualTo(ModelSpec.Metric.AUC_ROC);
    assertThat(m.metric().beats(0.80, 0.79, 0.01)).isTrue();
    assertThat(m.metric().beats(0.795, 0.79, 0.01)).isFalse();
    assertThat(ModelSpec.Metric.LOG_LOSS.beats(0.30, 0.35, 0.01)).isTrue();
    assertThat(m.seed()).isEqualTo(7);
  }

  @Test
  void readsDriftThresholdsForTheModelAndPerColumn() throws IOException {
    String monitored =
        PROJECT.replace(
            "    seed: 7\n",
            "    seed: 7\n"
                + "    monitoring:\n"
                + "      drift:\n"
                + "        thresholds: {psi: 0.25, ks_d: off}\n"
                + "        columns:\n"
                + "          amount_7d: {psi: 0.4, null_share: 0.2}\n"
                + "          score: {ks_d: 0.05}\n"
                + "      alerts:\n"
                + "        drift: {statistics: [psi, ks_d], columns: 2, days: 4}\n"
                + "        performance: {metric: log_loss, max_drop: 0.02}\n"
                + "        cooldown: 14d\n");
    assertThat(monitored).isNotEqualTo(PROJECT);
    MonitoringSpec m = load(monitored).model("churn_model").orElseThrow().monitoring();
    assertThat(m.threshold("orders_7d", DriftStatistic.PSI)).hasValue(0.25);
    assertThat(m.threshold("amount_7d", DriftStatistic.PSI)).hasValue(0.4);
    assertThat(m.threshold("orders_7d", DriftStatistic.KS_D)).isEmpty();
    assertThat(m.threshold("score", DriftStatistic.KS_D)).hasValue(0.05);
    assertThat(m.threshold("orders_7d", DriftStatistic.JS_DISTANCE)).hasValue(0.1);
    AlertPolicy alerts = load(monitored).model("churn_model").orElseThrow().monitoring().alerts();
    assertThat(alerts.driftStatistics()).containsExactly(DriftStatistic.PSI, DriftStatistic.KS_D);
    assertThat(alerts.driftColumns()).isEqualTo(2);
    assertThat(alerts.driftDays()).isEqualTo(4);
    assertThat(alerts.performanceMetric()).hasValue("log_loss");
    assertThat(alerts.maxDrop()).isEqualTo(0.02);
    assertThat(alerts.cooldown()).isEqualTo(java.time.Duration.ofDays(14));
    assertThatThrownBy(() -> load(monitored.replace("metric: log_loss", "metric: accuracy")))
        .hasMessageContaining("models[0].monitoring.alerts.performance.metric")
        .hasMessageContaining("'accuracy' is not a metric an alert can watch");
    assertThatThrownBy(() -> load(monitored.replace("days: 4", "days: 0")))
        .hasMessageContaining("'days' must be at least 1, not 0");
    // A model without monitoring: every default.
    assertThat(load(PROJECT).model("churn_model").orElseThrow().monitoring())
        .isEqualTo(MonitoringSpec.DEFAULTS);

    assertThatThrownBy(() -> load(monitored.replace("{psi: 0.25,", "{pis: 0.25,")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("models[0].monitoring.drift.thresholds.pis")
        .hasMessageContaining("'pis' is not a drift statistic; expected one of psi, ks_d,");
    assertThatThrownBy(() -> load(monitored.replace("amount_7d: {psi", "amount_30d: {psi")))
        .hasMessageContaining("models[0].monitoring.drift.columns.amount_30d")
        .hasMessageContaining("'amount_30d' is not an input of this model; monitored columns are");
    assertThatThrownBy(() -> load(monitored.replace("{psi: 0.25,", "{psi: high,")))
        .hasMessageContaining("expected a number, or off, found 'high'");
  }

  @Test
  void loadsTheBundledModels() {
    Path example = Path.of(System.getProperty("user.dir")).resolveSibling("examples/online-retail");
    assertThat(ProjectLoader.load(example).models())
        .extracting(ModelSpec::name)
        .contains("customer_churn", "line_cancellation", "product_recs");
  }

  @Test
  void refusesUnknownLabelsFeaturesAndAlgorithms() {
    assertThatThrownBy(() -> load(PROJECT.replace("{label: churn,", "{label: churned,")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("models[0].training_set.label")
        .hasMessageContaining("unknown label 'churned'; the project declares [churn]");
    assertThatThrownBy(
            () -> load(PROJECT.replace("[orders_7d, amount_7d]", "[orders_7d, amount_30d]")))
        .hasMessageContaining("models[0].features[1]")
        .hasMessageContaining("unknown feature 'amount_30d'");
    assertThatThrownBy(() -> load(PROJECT.replace("algorithm: xgboost", "algorithm: xgb")))
        .hasMessageContaining("'xgb' is not an algorithm; expected xgboost, gbt");
    assertThatThrownBy(() -> load(PROJECT.replace("algorithm: xgboost", "algorithm: als")))
        .hasMessageContaining("als learns recommendation, not binary_classification");
  }

  @Test
  void refusesParametersOutsideTheirDomain() {
    assertThatThrownBy(() -> load(PROJECT.replace("eta: 0.1", "eta: 1.5")))
        .hasMessageContaining("models[0].params.eta")
        .hasMessageContaining("'1.5' is outside a number in (0.0, 1.0]");
    assertThatThrownBy(() -> load(PROJECT.replace("max_depth: [3, 5]", "max_depth: [3, 2.5]")))
        .hasMessageContaining("'2.5' is not a whole number");
    assertThatThrownBy(() -> load(PROJECT.replace("max_depth: [3, 5]", "depth: [3, 5]")))
        .hasMessageContaining("'depth' is not a parameter of xgboost; expected one of [alpha,");
  }

  @Test
  void refusesAValidationWindowOutsideTheTrainingSet() {
    assertThatThrownBy(
            () -> load(PROJECT.replace("validate_from: 2011-05-01", "validate_from: 2010-05-01")))
        .hasMessageContaining("models[0].split.validate_from")
        .hasMessageContaining("must be after 'from' (2011-01-01)");
    assertThatThrownBy(() -> load(PROJECT.replace("metric: auc_roc", "metric: map_at_k")))
        .hasMessageContaining("map_at_k does not measure binary_classification");
  }

  static final String RECS =
      """
        - name: recs
          task: recommendation
          interactions:
            source: orders
            user: customer_id
            item: order_id
            time: ordered_at
            weight: amount
            where: "amount > 0"
            from: 2011-01-01
            to: 2011-06-01
          algorithm: als
          params: {rank: [8, 16], reg_param: 0.1}
          split: {validate_from: 2011-05-01}
          top_k: 5
      """;

  @Test
  void readsARecommenderFromInteractions() throws IOException {
    ModelSpec m = load(PROJECT + RECS).model("recs").orElseThrow();
    assertThat(m.trainingSet()).isNull();
    assertThat(m.interactions())
        .isEqualTo(
            new ModelSpec.Interactions(
                "orders",
                "customer_id",
                "order_id",
                "ordered_at",
                "amount",
                "amount > 0",
                LocalDate.parse("2011-01-01"),
                LocalDate.parse("2011-06-01")));
    assertThat(m.topK()).isEqualTo(5);
    assertThat(m.metric()).isEqualTo(ModelSpec.Metric.MAP_AT_K);
    assertThat(m.metric().key(m.topK())).isEqualTo("map_at_5");
    assertThat(Algorithm.combinations(m.grid())).hasSize(2);

    assertThatThrownBy(() -> load(PROJECT + RECS.replace("source: orders", "source: order")))
        .hasMessageContaining("models[1].interactions.source")
        .hasMessageContaining("unknown source 'order'; the project declares [orders]");
    assertThatThrownBy(() -> load(PROJECT + RECS.replace("top_k: 5", "top_k: 0")))
        .hasMessageContaining("top_k must be from 1 to 1000, not 0");
    assertThatThrownBy(
            () -> load(PROJECT + RECS.replace("user: customer_id", "users: customer_id")))
        .hasMessageContaining("models[1].interactions")
        .hasMessageContaining("user");
    assertThatThrownBy(() -> load(PROJECT.replace("seed: 7", "seed: 7\n    top_k: 3")))
        .hasMessageContaining("top_k applies to recommenders only");
  }

  @Test
  void readsVariantsThatTrainUnderTheSameName() throws IOException {
    String withVariant =
        PROJECT.replace(
            "seed: 7",
            "seed: 7\n    variants:\n      mlp: {algorithm: mlp, params: {hidden: [16, 32]}}");
    ModelSpec m = load(withVariant).model("churn_model").orElseThrow();
    ModelSpec mlp = m.withVariant("mlp");
    assertThat(mlp.name()).isEqualTo("churn_model");
    assertThat(mlp.algorithm()).isEqualTo(Algorithm.MLP);
    assertThat(mlp.grid()).containsExactly(Map.entry("hidden", List.of(16L, 32L)));
    assertThat(mlp.trainingSet()).isEqualTo(m.trainingSet());
    assertThat(mlp.validateFrom()).isEqualTo(m.validateFrom());
    assertThatThrownBy(() -> m.withVariant("gbt"))
        .hasMessageContaining("model churn_model has no variant 'gbt'; it declares [mlp]");
    assertThatThrownBy(() -> load(withVariant.replace("hidden: [16, 32]", "hidden: [0]")))
        .hasMessageContaining("models[0].variants.mlp.params.hidden");
    assertThatThrownBy(() -> load(withVariant.replace("algorithm: mlp", "algorithm: als")))
        .hasMessageContaining("als learns recommendation, not binary_classification");
  }
}
