package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over real HTTP: operations, auth, every error rule, lookups and scoring. */
class ServingApiTest {
  @TempDir static Path tmp;
  static Fixture f;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    f = new Fixture(tmp);
    f.publishWithChampions();
    f.start("--max-body-bytes", "2048", "--max-batch", "3");
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  static void assertProblem(HttpResponse<String> r, int status, String detailPart)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(c -> assertThat(c).startsWith("application/problem+json"));
    JsonNode p = json(r);
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("type").asText()).startsWith("https://lakeml.dev/problems/");
    assertThat(p.get("title").asText()).isNotBlank();
    assertThat(p.get("instance").asText()).startsWith("/");
    assertThat(p.get("detail").asText()).contains(detailPart);
  }

  @Test
  void livenessIsOpen() throws Exception {
    HttpResponse<String> r = f.get("/health/live", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("status").asText()).isEqualTo("live");
  }

  @Test
  void readyOnceSnapshotAndModelsAreLoaded() throws Exception {
    HttpResponse<String> r = f.get("/health/ready", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = json(r);
    assertThat(b.get("snapshot_version").asLong()).isEqualTo(1);
    assertThat(b.at("/models/customer_churn/champion/version").asLong()).isEqualTo(1);
    assertThat(b.at("/models/line_cancellation/champion/version").asLong()).isEqualTo(3);
  }

  @Test
  void metricsArePrometheusText() throws Exception {
    f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
    HttpResponse<String> r = f.get("/metrics", Fixture.READ_KEY);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains(
            "lakeml_http_requests_seconds_count{method=\"GET\",route=\"/v1/features/{view}/{key}\",status=\"200\"}")
        .contains("lakeml_http_requests_seconds_bucket")
        .contains("lakeml_snapshot_version 1.0")
        .contains("lakeml_snapshot_age_seconds");
  }

  @Test
  void missingKeyIs401() throws Exception {
    assertProblem(f.get("/v1/features/customer_activity/12347", null), 401, "API key is required");
  }

  @Test
  void unknownKeyIs401() throws Exception {
    assertProblem(
        f.get("/v1/features/customer_activity/12347", "not-a-key-0123456789"), 401, "not known");
  }

  @Test
  void bearerTokenIsAccepted() throws Exception {
    HttpResponse<String> r =
        f.http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + f.port + "/v1/features/customer_activity/12347"))
                .header("Authorization", "Bearer " + Fixture.READ_KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void readKeyOnAdminEndpointIs403() throws Exception {
    assertProblem(
        f.send("POST", "/admin/rollback", Fixture.READ_KEY, ""), 403, "needs an admin key");
  }

  @Test
  void accessLogNamesTheKeyNeverTheKey() throws Exception {
    f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
    String log = f.accessLog();
    assertThat(log)
        .contains("\"key_name\":\"app\"")
        .contains("\"request_id\":")
        .contains("\"latency_ms\":");
    assertThat(log).doesNotContain(Fixture.READ_KEY).doesNotContain(Fixture.ADMIN_KEY);
    for (String line : log.split("\n")) {
      assertThat(JSON.readTree(line).get("status")).isNotNull();
    }
  }

  @Test
  void malformedJsonIs400() throws Exception {
    assertProblem(
        f.send("POST", "/v1/predictions/customer_churn", Fixture.READ_KEY, "{\"keys\": [1,"),
        400,
        "not valid JSON");
  }

  @Test
  void wrongTypeIs400NamingTheField() throws Exception {
    HttpResponse<String> r =
        f.send("POST", "/v1/predictions/customer_churn", Fixture.READ_KEY, "{\"keys\": [\"abc\"]}");
    assertProblem(r, 400, "customer_id");
    assertThat(json(r).get("title").asText()).contains("keys[0]");
  }

  @Test
  void unknownFieldIs400NamingTheField() throws Exception {
    HttpResponse<String> r =
        f.send(
            "POST",
            "/v1/predictions/customer_churn",
            Fixture.READ_KEY,
            "{\"keys\": [12347], \"limit\": 3}");
    assertProblem(r, 400, "'limit'");
  }

  @Test
  void unknownRouteIs404() throws Exception {
    assertProblem(f.get("/v2/nothing", Fixture.READ_KEY), 404, "no route GET /v2/nothing");
  }

  @Test
  void unknownViewModelAndKeyAre404() throws Exception {
    assertProblem(f.get("/v1/features/nope/1", Fixture.READ_KEY), 404, "no feature view 'nope'");
    assertProblem(
        f.get("/v1/predictions/nope/1", Fixture.READ_KEY),
        404,
        "no nightly predictions for model 'nope'");
    assertProblem(
        f.get("/v1/features/customer_activity/5", Fixture.READ_KEY),
        404,
        "no row for {customer_id=5}");
    assertProblem(
        f.send("POST", "/v1/score/nope", Fixture.READ_KEY, "{\"entities\":{}}"),
        404,
        "no model 'nope'");
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    String big = "{\"keys\": [" + "1,".repeat(2000) + "1]}";
    assertProblem(
        f.send("POST", "/v1/predictions/customer_churn", Fixture.READ_KEY, big), 413, "2048 bytes");
  }

  @Test
  void batchOverTheLimitIs422() throws Exception {
    assertProblem(
        f.send("POST", "/v1/predictions/customer_churn", Fixture.READ_KEY, "{\"keys\": [1,2,3,4]}"),
        422,
        "limit is 3");
  }

  @Test
  void featuresWithFreshness() throws Exception {
    HttpResponse<String> r = f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode b = json(r);
    assertThat(b.get("status").asText()).isEqualTo("FOUND");
    assertThat(b.at("/features/invoices_7d").asLong()).isEqualTo(3);
    assertThat(b.at("/features/last_purchase_ts").asText()).isEqualTo("2011-11-20T10:00:00Z");
    assertThat(b.get("event_time").asText()).isEqualTo("2011-11-29T00:00:00Z");
    assertThat(b.get("age_seconds").asDouble()).isEqualTo(2 * 86400.0);
    assertThat(b.get("snapshot_version").asLong()).isEqualTo(1);
  }

  @Test
  void expiredRowIsServedAsExpired() throws Exception {
    JsonNode b = json(f.get("/v1/features/customer_activity/99999", Fixture.READ_KEY));
    assertThat(b.get("status").asText()).isEqualTo("EXPIRED");
    assertThat(b.at("/features/invoices_7d").isNull()).isTrue();
  }

  @Test
  void compositeKeysAreCommaJoinedWithBackslashEscapes() throws Exception {
    JsonNode b = json(f.get("/v1/features/customer_product/12347,85123A", Fixture.READ_KEY));
    assertThat(b.at("/features/bought_90d").asLong()).isEqualTo(4);
    assertThat(b.at("/key/stock_code").asText()).isEqualTo("85123A");
    JsonNode escaped = json(f.get("/v1/features/customer_product/12347,A%5C,B", Fixture.READ_KEY));
    assertThat(escaped.at("/features/bought_90d").asLong()).isEqualTo(1);
  }

  @Test
  void badKeyIs400NamingColumnAndType() throws Exception {
    assertProblem(
        f.get("/v1/features/customer_activity/abc", Fixture.READ_KEY),
        400,
        "key column 'customer_id' of 'customer_activity' is long");
    assertProblem(
        f.get("/v1/features/customer_product/12347", Fixture.READ_KEY),
        400,
        "customer_id (long), stock_code (string)");
  }

  @Test
  void nightlyPredictionByKeyAndBatch() throws Exception {
    JsonNode one = json(f.get("/v1/predictions/customer_churn/12347", Fixture.READ_KEY));
    assertThat(one.get("score").asDouble()).isEqualTo(0.25);
    assertThat(one.get("model_version").asLong()).isEqualTo(1);
    assertThat(one.get("prediction_date").asText()).isEqualTo("2011-11-30");
    HttpResponse<String> r =
        f.send(
            "POST",
            "/v1/predictions/customer_churn",
            Fixture.READ_KEY,
            "{\"keys\": [12348, {\"customer_id\": 5}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode batch = json(r);
    assertThat(batch.at("/results/0/score").asDouble()).isEqualTo(0.75);
    assertThat(batch.at("/results/1/status").asText()).isEqualTo("MISSING");
  }

  @Test
  void scoresWithOnlineAndRequestFeatures() throws Exception {
    String body =
        "{\"request_id\": \"req-1\", \"entities\": {\"customer_id\": 12347, \"stock_code\": \"85123A\"},"
            + " \"request\": {\"unit_price\": 2.55, \"quantity\": 6, \"invoice_ts\": \"2011-11-25T10:00:00Z\"}}";
    HttpResponse<String> r = f.send("POST", "/v1/score/line_cancellation", Fixture.READ_KEY, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = json(r);
    assertThat(b.get("request_id").asText()).isEqualTo("req-1");
    assertThat(b.get("variant").asText()).isEqualTo("champion");
    assertThat(b.get("version").asLong()).isEqualTo(3);
    assertThat(b.get("score").asDouble()).isBetween(0.0, 1.0);
    assertThat(b.get("reference_time").asText()).isEqualTo("2011-11-25T10:00:00Z");
    assertThat(b.at("/freshness/product_stats/status").asText()).isEqualTo("FOUND");
    assertThat(b.at("/freshness/customer_activity/age_seconds").asDouble()).isEqualTo(2 * 86400.0);
  }

  @Test
  void missingOnlineFeaturesAre422ListingThem() throws Exception {
    String body = "{\"entities\": {\"customer_id\": 5}}";
    HttpResponse<String> r = f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, body);
    assertProblem(r, 422, "customer_activity [5]: MISSING");
    assertThat(json(r).get("missing")).hasSize(1);
  }

  @Test
  void missingEntityKeyIs400() throws Exception {
    assertProblem(
        f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, "{\"entities\": {}}"),
        400,
        "entities.customer_id is required");
  }

  @Test
  void traversalInModelNamesIs400() throws Exception {
    assertProblem(
        f.get("/admin/models/..%2F..%2Fetc/rollout", Fixture.ADMIN_KEY), 400, "not a model name");
    assertProblem(
        f.get("/admin/models/%2e%2e/rollout", Fixture.ADMIN_KEY), 400, "not a model name");
  }
}
