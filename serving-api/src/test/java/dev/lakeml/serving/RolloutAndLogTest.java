package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Champion/challenger rollouts, the automatic rollback, and the prediction log files. */
class RolloutAndLogTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static Fixture withChallenger(Path tmp, String... extra) throws Exception {
    Fixture f = new Fixture(tmp);
    f.publish(0);
    Path champion = f.trainModel("customer_churn", "r1", Fixture.CHURN_INPUTS, 5);
    Path challenger = f.trainModel("customer_churn", "r2", Fixture.CHURN_INPUTS, 15);
    f.aliases(
        "customer_churn",
        Fixture.alias("champion", 1, "xgboost", champion),
        Fixture.alias("challenger", 2, "xgboost", challenger));
    f.start(extra);
    return f;
  }

  private static JsonNode score(Fixture f, long customer) throws Exception {
    HttpResponse<String> r =
        f.send(
            "POST",
            "/v1/score/customer_churn",
            Fixture.READ_KEY,
            "{\"entities\": {\"customer_id\": " + customer + "}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static HttpResponse<String> rollout(Fixture f, String body) throws Exception {
    return f.send("PUT", "/admin/models/customer_churn/rollout", Fixture.ADMIN_KEY, body);
  }

  @Test
  void canaryShadowAndStickyAb() throws Exception {
    try (Fixture f = withChallenger(tmp, "--models", "customer_churn")) {
      assertThat(score(f, 12347).get("variant").asText()).isEqualTo("champion");
      assertThat(rollout(f, "{\"mode\": \"canary\", \"percent\": 100}").statusCode())
          .isEqualTo(200);
      JsonNode c = score(f, 12347);
      assertThat(c.get("variant").asText()).isEqualTo("challenger");
      assertThat(c.get("version").asLong()).isEqualTo(2);

      assertThat(rollout(f, "{\"mode\": \"shadow\"}").statusCode()).isEqualTo(200);
      assertThat(score(f, 12347).get("variant").asText()).isEqualTo("champion");
      assertThat(f.get("/metrics", Fixture.READ_KEY).body())
          .contains(
              "lakeml_score_seconds_count{model=\"customer_churn\",outcome=\"ok\",variant=\"shadow\"}")
          .contains("lakeml_rollout_shadow{model=\"customer_churn\"} 1.0");

      assertThat(rollout(f, "{\"mode\": \"ab\", \"percent\": 50}").statusCode()).isEqualTo(200);
      Set<String> variants = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        variants.add(score(f, 12347).get("variant").asText());
      }
      assertThat(variants).hasSize(1);

      HttpResponse<String> bad = rollout(f, "{\"mode\": \"canary\", \"percent\": 101}");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("percent");
      assertThat(rollout(f, "{\"mode\": \"blue\"}").statusCode()).isEqualTo(400);
    }
  }

  @Test
  void rollsBackToChampionWhenTheChallengerIsTooSlow() throws Exception {
    try (Fixture f =
        withChallenger(
            tmp,
            "--models",
            "customer_churn",
            "--rollout-min-requests",
            "5",
            "--rollout-max-p99-ms",
            "0.000001")) {
      rollout(f, "{\"mode\": \"canary\", \"percent\": 100}");
      for (int i = 0; i < 5; i++) {
        score(f, 12347);
      }
      assertThat(score(f, 12347).get("variant").asText()).isEqualTo("champion");
      JsonNode state =
          JSON.readTree(f.get("/admin/models/customer_churn/rollout", Fixture.ADMIN_KEY).body());
      assertThat(state.get("mode").asText()).isEqualTo("champion");
      assertThat(state.get("auto_rollbacks").asInt()).isEqualTo(1);
      assertThat(state.get("auto_rollback_reason").asText())
          .contains("p99 latency")
          .contains("over the last 5 calls");
      assertThat(f.get("/metrics", Fixture.READ_KEY).body())
          .contains("lakeml_rollout_auto_rollbacks_total{model=\"customer_churn\"} 1.0");
    }
  }

  @Test
  void predictionLogRotatesIntoClosedJsonLinesFiles() throws Exception {
    Fixture f = withChallenger(tmp, "--models", "customer_churn", "--log-rotate-bytes", "1024");
    try (f) {
      rollout(f, "{\"mode\": \"shadow\"}");
      for (int i = 0; i < 10; i++) {
        score(f, 12347);
      }
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(f.logDir)) {
      files = s.sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(1).allMatch(p -> p.toString().endsWith(".jsonl"));
    long lines = 0;
    Set<String> variants = new HashSet<>();
    for (Path p : files) {
      for (String line : Files.readAllLines(p)) {
        JsonNode r = JSON.readTree(line);
        assertThat(r.get("model").asText()).isEqualTo("customer_churn");
        assertThat(r.get("features").has("last_purchase_ts")).isTrue();
        assertThat(r.get("request_id").asText()).isNotBlank();
        variants.add(r.get("variant").asText());
        lines++;
      }
    }
    assertThat(lines).isEqualTo(20); // 10 answers + 10 shadow scores
    assertThat(variants).containsExactlyInAnyOrder("champion", "shadow");
  }
}
