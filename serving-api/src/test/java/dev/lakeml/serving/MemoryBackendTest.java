package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --backend memory} answers every endpoint as {@code rocksdb} does, and swaps snapshots. */
class MemoryBackendTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static final String SCORE =
      "{\"request_id\": \"req-1\", \"entities\": {\"customer_id\": 12347, \"stock_code\":"
          + " \"85123A\"}, \"request\": {\"unit_price\": 2.55, \"quantity\": 6, \"invoice_ts\":"
          + " \"2011-11-25T10:00:00Z\"}}";

  private static List<String> answers(Fixture f) throws Exception {
    List<String> out = new ArrayList<>();
    for (String path :
        List.of(
            "/v1/features/customer_activity/12347",
            "/v1/features/customer_activity/12347?at=2030-01-01T00:00:00Z",
            "/v1/features/customer_activity/5",
            "/v1/features/customer_product/12347,85123A",
            "/v1/predictions/customer_churn/12347",
            "/v1/predictions/customer_churn/5")) {
      out.add(answer(f.get(path, Fixture.READ_KEY)));
    }
    out.add(
        answer(
            f.send(
                "POST",
                "/v1/predictions/customer_churn",
                Fixture.READ_KEY,
                "{\"keys\": [12347, 5]}")));
    out.add(answer(f.send("POST", "/v1/score/line_cancellation", Fixture.READ_KEY, SCORE)));
    out.add(
        answer(
            f.send(
                "POST",
                "/v1/score/customer_churn",
                Fixture.READ_KEY,
                "{\"entities\": {\"customer_id\": 5}}")));
    return out;
  }

  /** Status and body, without what differs per request. */
  private static String answer(HttpResponse<String> r) throws Exception {
    JsonNode b = JSON.readTree(r.body());
    if (b instanceof ObjectNode o) {
      o.remove("request_id");
    }
    return r.statusCode() + " " + b;
  }

  @Test
  void memoryAnswersAsRocksDbAndFollowsNewSnapshots() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publish(0);
      Path cancel = f.trainModel("line_cancellation", "c1", Fixture.CANCEL_INPUTS, 5);
      f.aliases("line_cancellation", Fixture.alias("champion", 3, "xgboost", cancel), null);
      Path churn = f.trainModel("customer_churn", "r1", Fixture.CHURN_INPUTS, 5);
      f.aliases("customer_churn", Fixture.alias("champion", 1, "xgboost", churn), null);

      f.start();
      List<String> rocks = answers(f);
      f.close();
      ServingServer s = f.start("--backend", "memory", "--poll-interval", "50ms");
      assertThat(answers(f)).containsExactlyElementsOf(rocks);
      assertThat(rocks.get(0)).startsWith("200 ");
      assertThat(rocks.get(2)).startsWith("404 ");
      assertThat(rocks.get(7)).startsWith("200 ");

      long v = f.publish(1);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (s.snapshots().versionOrZero() != v && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(s.snapshots().versionOrZero()).isEqualTo(v);
      JsonNode after =
          JSON.readTree(f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY).body());
      assertThat(after.get("snapshot_version").asLong()).isEqualTo(v);
    }
  }
}
