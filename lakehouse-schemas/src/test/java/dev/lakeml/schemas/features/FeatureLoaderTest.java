package dev.lakeml.schemas.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.schemas.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureLoaderTest {
  @TempDir Path dir;

  static final String SOURCES =
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
            - {name: day, type: date}
          key: [order_id]
      entities:
        - name: customer
          keys: [{name: customer_id, type: long}]
      """;

  static final String VIEW =
      """
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
            - {name: avg_order_7d, ratio: [amount_7d, orders_7d]}
      """;

  private Project load(String yaml) throws IOException {
    Path file = dir.resolve("lakeml.yaml");
    Files.writeString(file, yaml);
    return ProjectLoader.load(file);
  }

  @Test
  void loadsTheBundledExampleDeclarations() {
    Path example = Path.of(System.getProperty("user.dir")).resolveSibling("examples/online-retail");
    FeatureCatalog f = ProjectLoader.load(example).features();
    assertThat(f.entities())
        .extracting(EntitySpec::name)
        .containsExactly("customer", "product", "invoice_line");
    FeatureViewSpec customers = f.view("customer_activity").orElseThrow();
    assertThat(customers.ttl()).isEqualTo(Duration.ofDays(180));
    assertThat(customers.features())
        .extracting(FeatureSpec::name)
        .contains(
            "invoices_7d", "spend_30d", "basket_value_90d", "cancel_rate_90d", "last_purchase_ts");
    assertThat(f.labels())
        .extracting(LabelSpec::name)
        .containsExactly("churn_90d", "repurchase_30d", "line_cancelled_30d");
    assertThat(f.labels().get(2).match()).containsExactly("customer_id", "stock_code");
    assertThat(f.requestFeatures())
        .extracting(RequestFeatureSpec::name)
        .containsExactly("price_vs_product_avg", "days_since_last_purchase");
  }

  @Test
  void readsAViewWithWindowsTtlAndRatios() throws IOException {
    FeatureViewSpec v = load(SOURCES + VIEW).features().view("spend").orElseThrow();
    assertThat(v.feature("amount_7d").orElseThrow())
        .isEqualTo(
            new FeatureSpec.Aggregate(
                "amount_7d",
                FeatureSpec.Function.SUM,
                Optional.of("amount"),
                Optional.empty(),
                Duration.ofDays(7),
                ""));
    assertThat(v.feature("avg_order_7d").orElseThrow())
        .isEqualTo(new FeatureSpec.Ratio("avg_order_7d", "amount_7d", "orders_7d", ""));
    assertThat(v.ttl()).isEqualTo(Duration.ofDays(30));
  }

  @Test
  void theDefinitionHashFollowsWhatChangesValuesOnly() throws IOException {
    String hash = load(SOURCES + VIEW).features().view("spend").orElseThrow().definitionHash();
    assertThat(hash).hasSize(16);
    assertThat(
            load(SOURCES + VIEW.replace("owner: team-a", "owner: team-b"))
                .features()
                .view("spend")
                .orElseThrow()
                .definitionHash())
        .isEqualTo(hash);
    assertThat(
            load(SOURCES + VIEW.replace("of: amount, window: 7d", "of: amount, window: 8d"))
                .features()
                .view("spend")
                .orElseThrow()
                .definitionHash())
        .isNotEqualTo(hash);
  }

  @Test
  void refusesAnUnknownEntityOrColumn() throws IOException {
    assertThatThrownBy(() -> load(SOURCES + VIEW.replace("entity: customer", "entity: client")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "at 'feature_views[0].entity': unknown entity 'client'; expected one of [customer]");
    assertThatThrownBy(() -> load(SOURCES + VIEW.replace("of: amount", "of: amuont")))
        .hasMessageContaining(
            "at 'feature_views[0].features[1].of': unknown column 'amuont' of source 'orders'");
    assertThatThrownBy(
            () -> load(SOURCES + VIEW.replace("event_time: ordered_at", "event_time: day")))
        .hasMessageContaining("'day' is date; an event time must be a timestamp column");
  }

  @Test
  void refusesAWindowThatIsNotADuration() throws IOException {
    assertThatThrownBy(
            () ->
                load(
                    SOURCES + VIEW.replace("agg: count, window: 7d", "agg: count, window: a week")))
        .hasMessageContaining(
            "at 'feature_views[0].features[0].window': 'a week' is not a duration such as 7d, 12h, 30m or 45s");
    // Views are computed once per logical day: a window must be whole days.
    assertThatThrownBy(
            () -> load(SOURCES + VIEW.replace("agg: count, window: 7d", "agg: count, window: 36h")))
        .hasMessageContaining("at 'feature_views[0].features[0].window'")
        .hasMessageContaining("window '36h' is not whole days");
  }

  @Test
  void refusesDuplicateAndCircularFeatures() throws IOException {
    String second =
        VIEW.replace("feature_views:\n", "").replace("name: spend", "name: spend_again");
    assertThatThrownBy(() -> load(SOURCES + VIEW + second))
        .hasMessageContaining(
            "feature 'orders_7d' of view 'spend_again' is also a feature of view 'spend'");
    String circular =
        VIEW.replace(
            "{name: orders_7d, agg: count, window: 7d}",
            "{name: orders_7d, ratio: [avg_order_7d, amount_7d]}");
    assertThatThrownBy(() -> load(SOURCES + circular))
        .hasMessageContaining(
            "depend on each other in a circle: orders_7d -> avg_order_7d -> orders_7d");
    assertThatThrownBy(
            () ->
                load(
                    SOURCES
                        + VIEW.replace(
                            "ratio: [amount_7d, orders_7d]", "ratio: [amount_7d, orders_8d]")))
        .hasMessageContaining("refers to 'orders_8d', which is not a feature of the view");
  }

  @Test
  void checksRequestFeaturesAgainstTransformsAndViews() throws IOException {
    String ok =
        "request_features:\n  - {name: vs_avg, transform: ratio, inputs: {numerator: request.amount, denominator: spend.avg_order_7d}}\n";
    assertThat(load(SOURCES + VIEW + ok).features().requestFeatures()).hasSize(1);
    assertThatThrownBy(
            () -> load(SOURCES + VIEW + ok.replace("transform: ratio", "transform: quotient")))
        .hasMessageContaining("unknown transform 'quotient'; expected one of");
    assertThatThrownBy(
            () -> load(SOURCES + VIEW + ok.replace("spend.avg_order_7d", "spend.avg_order_30d")))
        .hasMessageContaining(
            "'spend.avg_order_30d' is neither request.<field> nor <view>.<feature>");
    assertThatThrownBy(() -> load(SOURCES + VIEW + ok.replace("numerator:", "top:")))
        .hasMessageContaining("transform 'ratio' takes exactly [numerator, denominator]");
  }

  @Test
  void theBuiltInTransformsGiveNoValueRatherThanNonsense() {
    RequestTransform ratio = RequestTransform.builtIns().get("ratio");
    Map<String, Double> in = new HashMap<>(Map.of("numerator", 3.0, "denominator", 2.0));
    assertThat(ratio.apply(in)).contains(1.5);
    in.put("denominator", 0.0);
    assertThat(ratio.apply(in)).isEmpty();
    in.remove("denominator");
    assertThat(ratio.apply(in)).isEmpty();
    assertThat(
            RequestTransform.builtIns()
                .get("days_between")
                .apply(Map.of("later", 172_800.0, "earlier", 0.0)))
        .contains(2.0);
  }

  @Test
  void refusesALabelWithoutItsMatchColumns() throws IOException {
    String label =
        "labels:\n  - {name: cancelled, entity: customer, source: orders, event_time: ordered_at, kind: matching_event_within, window: 30d}\n";
    assertThatThrownBy(() -> load(SOURCES + label))
        .hasMessageContaining("matching_event_within needs 'match'");
    assertThatThrownBy(
            () -> load(SOURCES + label.replace("kind: matching_event_within", "kind: churn")))
        .hasMessageContaining(
            "'churn' is not a label kind; expected no_event_within, event_within or matching_event_within");
  }
}
