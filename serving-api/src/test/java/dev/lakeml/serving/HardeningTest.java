package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.online.RocksDbSnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults a hostile or careless client, or a damaged file, found in the serving API (issue 14),
 * each over real HTTP against a real server: slow heads and bodies, an unverified rollback,
 * manifests outside the checksum, non-finite scores, client errors answered 500, loose JSON,
 * encodings, Jetty's own refusals, method handling.
 */
class HardeningTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static Fixture served(Path tmp, String... extra) throws Exception {
    Fixture f = new Fixture(tmp);
    f.publishWithChampions();
    f.start(extra);
    return f;
  }

  static void assertProblem(HttpResponse<String> r, int status, String... detailParts)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains(Http.PROBLEM_JSON);
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("detail").asText()).contains(detailParts);
  }

  /** Sends raw bytes, then reads the answer until the server closes (or 5 s pass). */
  static String raw(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  // 1. Slow clients.

  @Test
  void aHeadTrickledByteByByteIsDroppedAtItsDeadline() throws Exception {
    try (Fixture f = served(tmp, "--head-timeout", "1s")) {
      try (Socket s = new Socket("127.0.0.1", f.port)) {
        s.setSoTimeout(200);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write("GET /health/live HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        long start = System.nanoTime();
        boolean closed = false;
        // One header byte every 100 ms keeps any idle timeout from firing (slowloris).
        while (!closed && System.nanoTime() - start < 6_000_000_000L) {
          try {
            out.write('a');
            out.flush();
            closed = in.read() == -1;
          } catch (SocketTimeoutException stillOpen) {
            // nothing to read yet
          } catch (IOException reset) {
            closed = true;
          }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(closed).as("closed by the server").isTrue();
        assertThat(ms).isBetween(800L, 3_000L);
      }
      assertThat(f.get("/metrics", Fixture.READ_KEY).body())
          .contains("lakeml_slow_requests_total{part=\"head\"} 1.0");
    }
  }

  @Test
  void aBodyNotInByItsDeadlineIs408() throws Exception {
    try (Fixture f = served(tmp, "--body-timeout", "1s")) {
      long start = System.nanoTime();
      String answer =
          raw(
              f.port,
              "POST /v1/predictions/customer_churn HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                  + Fixture.READ_KEY
                  + "\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"ke");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(answer)
          .startsWith("HTTP/1.1 408")
          .contains("Content-Type: application/problem+json")
          .contains("did not arrive within 1000 ms")
          .contains("4 bytes arrived");
      assertThat(ms).isBetween(800L, 3_000L);
      assertThat(f.get("/health/ready", null).statusCode()).isEqualTo(200);
    }
  }

  // 2. Rollback verifies what it switches to.

  @Test
  void rollbackToADamagedSnapshotIsRefusedAndTheCurrentKeepsServing() throws Exception {
    try (Fixture f = served(tmp)) {
      long v2 = f.publish(1);
      f.server.refresh();
      assertThat(f.server.snapshots().versionOrZero()).isEqualTo(v2);
      Path db = new RocksDbSnapshotStore(f.online).snapshotDir(1).resolve("db");
      Path sst;
      try (Stream<Path> s = Files.list(db)) {
        sst =
            s.filter(p -> p.toString().endsWith(".sst"))
                .max(Comparator.comparingLong(p -> p.toFile().length()))
                .orElseThrow();
      }
      byte[] bytes = Files.readAllBytes(sst);
      bytes[bytes.length / 2] ^= 0x01;
      Files.write(sst, bytes);

      HttpResponse<String> r = f.send("POST", "/admin/rollback", Fixture.ADMIN_KEY, "");
      assertProblem(r, 409, "cannot roll back to snapshot v1", "SHA-256", "still serving v2");
      assertThat(f.server.snapshots().versionOrZero()).isEqualTo(v2);
      assertThat(f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY).statusCode())
          .isEqualTo(200);
      assertThat(f.get("/health/ready", null).statusCode()).isEqualTo(200);
      // Repaired, the same rollback goes through.
      bytes[bytes.length / 2] ^= 0x01;
      Files.write(sst, bytes);
      HttpResponse<String> ok = f.send("POST", "/admin/rollback", Fixture.ADMIN_KEY, "");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(f.server.snapshots().versionOrZero()).isEqualTo(1);
    }
  }

  // 3. Manifests inside the checksum.

  @Test
  void aSnapshotManifestEditedAfterTheCommitIsRefused() throws Exception {
    try (Fixture f = served(tmp)) {
      long v2 = f.publish(1);
      Path manifest = new RocksDbSnapshotStore(f.online).snapshotDir(v2).resolve("manifest.yaml");
      String text = Files.readString(manifest);
      assertThat(text).contains("name: invoices_7d");
      Files.writeString(manifest, text.replace("name: invoices_7d", "name: invoices_8d"));
      f.server.refresh();
      assertThat(f.server.snapshots().versionOrZero()).isEqualTo(1);
      assertThat(f.server.snapshots().lastError())
          .contains("snapshot v2 refused")
          .contains("the manifest was changed after the commit");
    }
  }

  @Test
  void aModelManifestEditedAfterRegistrationIsRefused() throws Exception {
    try (Fixture f = served(tmp)) {
      Path v2 = f.trainModel("customer_churn", "r2", Fixture.CHURN_INPUTS, 10);
      var alias = Fixture.alias("champion", 2, "xgboost", v2);
      Path manifest = v2.resolve("model.yaml");
      String text = Files.readString(manifest);
      assertThat(text).contains("name: spend_30d");
      // After the registry digested it, one input is renamed: the scores would change.
      Files.writeString(manifest, text.replace("name: spend_30d", "name: spend_31d"));
      f.aliases("customer_churn", alias, null);
      f.server.refresh();
      assertThat(f.server.models().summary().toString())
          .contains("champion v2 refused")
          .contains("the manifest was changed after the version was registered");
      HttpResponse<String> r =
          f.send(
              "POST",
              "/v1/score/customer_churn",
              Fixture.READ_KEY,
              "{\"entities\": {\"customer_id\": 12347}}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("version").asLong()).isEqualTo(1);
    }
  }

  // 4. Non-finite inputs and scores.

  @Test
  void extremeInputsAreNever200AndNeverLogged() throws Exception {
    Fixture f = served(tmp);
    try {
      String[] bad = {
        "\"unit_price\": 1e308, \"quantity\": 6, \"invoice_ts\": \"2011-11-25T10:00:00Z\"",
        "\"unit_price\": 1e400, \"quantity\": 6, \"invoice_ts\": \"2011-11-25T10:00:00Z\"",
        "\"unit_price\": 2.5, \"quantity\": 6, \"invoice_ts\": 1e300",
        "\"unit_price\": 2.5, \"quantity\": 6, \"invoice_ts\": -1e300",
        "\"unit_price\": 2.5, \"quantity\": -1e39, \"invoice_ts\": \"2011-11-25T10:00:00Z\""
      };
      for (int i = 0; i < bad.length; i++) {
        HttpResponse<String> r = score(f, "bad-" + i, bad[i]);
        assertThat(r.statusCode()).as(bad[i] + " -> " + r.body()).isBetween(400, 499);
        assertThat(r.body()).doesNotContain("\"score\"");
        assertThat(r.headers().firstValue("Content-Type")).contains(Http.PROBLEM_JSON);
      }
      HttpResponse<String> ok =
          score(
              f,
              "good-1",
              "\"unit_price\": 2.55, \"quantity\": 6, \"invoice_ts\": \"2011-11-25T10:00:00Z\"");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    } finally {
      f.close();
    }
    StringBuilder logged = new StringBuilder();
    try (Stream<Path> files = Files.walk(f.logDir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        logged.append(Files.readString(p));
      }
    }
    assertThat(logged.toString()).contains("good-1").doesNotContain("bad-").doesNotContain("NaN");
  }

  private static HttpResponse<String> score(Fixture f, String id, String request) throws Exception {
    return f.send(
        "POST",
        "/v1/score/line_cancellation",
        Fixture.READ_KEY,
        "{\"request_id\": \""
            + id
            + "\", \"entities\": {\"customer_id\": 12347, \"stock_code\": \"85123A\"},"
            + " \"request\": {"
            + request
            + "}}");
  }

  // 5. Client errors are 4xx, not 500.

  @Test
  void nulInsideAKeyIs400() throws Exception {
    try (Fixture f = served(tmp)) {
      assertProblem(
          f.send(
              "POST",
              "/v1/score/line_cancellation",
              Fixture.READ_KEY,
              "{\"entities\": {\"customer_id\": 12347, \"stock_code\": \"85\\u0000123A\"},"
                  + " \"request\": {\"unit_price\": 2.55, \"quantity\": 6,"
                  + " \"invoice_ts\": \"2011-11-25T10:00:00Z\"}}"),
          400,
          "entities.stock_code",
          "U+0000");
      // In a path, Jetty refuses an encoded NUL before any route: a 400 problem all the same.
      assertProblem(f.get("/v1/features/product_stats/85%00123A", Fixture.READ_KEY), 400, "");
      assertProblem(
          f.send(
              "POST",
              "/v1/predictions/customer_churn",
              Fixture.READ_KEY,
              "{\"keys\": [12347, \"1\\u0000\"]}"),
          400,
          "expected a whole number");
    }
  }

  @Test
  void anInstantOutsideYears1To9999Is400() throws Exception {
    try (Fixture f = served(tmp)) {
      assertProblem(
          f.send(
              "POST",
              "/v1/score/customer_churn",
              Fixture.READ_KEY,
              "{\"entities\": {\"customer_id\": 12347}, \"at\": \"+999999999-12-31T23:59:59Z\"}"),
          400,
          "years 0001 to 9999");
      assertProblem(
          f.get(
              "/v1/features/customer_activity/12347?at=%2B999999999-12-31T23:59:59Z",
              Fixture.READ_KEY),
          400,
          "years 0001 to 9999");
      assertProblem(
          f.get(
              "/v1/features/customer_activity/12347?at=-999999999-01-01T00:00:00Z",
              Fixture.READ_KEY),
          400,
          "years 0001 to 9999");
    }
  }

  // 6. Strict JSON, UTF-8, problem+json everywhere, methods.

  @Test
  void jsonIsStrict() throws Exception {
    try (Fixture f = served(tmp)) {
      String path = "/v1/score/line_cancellation";
      String entities = "\"entities\": {\"customer_id\": 12347, \"stock_code\": \"85123A\"}";
      String request =
          "\"request\": {\"unit_price\": 2.55, \"quantity\": 6,"
              + " \"invoice_ts\": \"2011-11-25T10:00:00Z\"}";
      assertThat(f.send("POST", path, Fixture.READ_KEY, "{" + entities + ", " + request + "}"))
          .extracting(HttpResponse::statusCode)
          .isEqualTo(200);
      assertProblem(
          f.send("POST", path, Fixture.READ_KEY, "{" + entities + ", " + request + "}}}"),
          400,
          "not valid JSON");
      assertProblem(
          f.send("POST", path, Fixture.READ_KEY, "{" + entities + ", " + request + "} {}"),
          400,
          "Trailing token");
      assertProblem(
          f.send(
              "POST",
              path,
              Fixture.READ_KEY,
              "{\"entities\": {\"customer_id\": 12347, \"stock_code\": \"85123A\", \"shop\": 1}, "
                  + request
                  + "}"),
          400,
          "'entities.shop' is not accepted");
      assertProblem(
          f.send(
              "POST",
              path,
              Fixture.READ_KEY,
              "{"
                  + entities
                  + ", \"request\": {\"unit_price\": 2.55, \"quantity\": 6, \"coupon\": \"x\","
                  + " \"invoice_ts\": \"2011-11-25T10:00:00Z\"}}"),
          400,
          "'request.coupon' is not accepted");
      assertProblem(
          f.send(
              "POST",
              path,
              Fixture.READ_KEY,
              "{"
                  + entities
                  + ", \"request\": {\"unit_price\": 2.55, \"quantity\": \"six\","
                  + " \"invoice_ts\": \"2011-11-25T10:00:00Z\"}}"),
          400,
          "request.quantity");
      assertProblem(
          f.send(
              "POST",
              path,
              Fixture.READ_KEY,
              "{"
                  + entities
                  + ", \"request\": {\"unit_price\": 2.55, \"unit_price\": 3, \"quantity\": 6,"
                  + " \"invoice_ts\": \"2011-11-25T10:00:00Z\"}}"),
          400,
          "Duplicate field 'unit_price'");
    }
  }

  @Test
  void errorBodiesAreUtf8() throws Exception {
    try (Fixture f = served(tmp)) {
      HttpResponse<byte[]> r =
          f.http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + f.port + "/v1/predictions/customer_churn"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"keys\": [12347], \"prénom\": \"Zoë\"}", StandardCharsets.UTF_8))
                  .header("X-API-Key", Fixture.READ_KEY)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("'prénom'");
    }
  }

  @Test
  void jettysOwnRefusalsAreProblemJson() throws Exception {
    try (Fixture f = served(tmp)) {
      String badUri = raw(f.port, "GET /v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(badUri).startsWith("HTTP/1.1 400").contains("application/problem+json");
      assertThat(badUri.substring(badUri.indexOf("\r\n\r\n"))).contains("\"status\":400");
      String huge =
          raw(
              f.port,
              "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: "
                  + "a".repeat(20_000)
                  + "\r\nConnection: close\r\n\r\n");
      assertThat(huge).startsWith("HTTP/1.1 431").contains("application/problem+json");
      String version = raw(f.port, "GET /health/live HTTP/7.1\r\nHost: x\r\n\r\n");
      assertThat(version).matches("(?s)HTTP/1.1 (400|505).*application/problem\\+json.*");
    }
  }

  @Test
  void aKnownPathWithTheWrongMethodIs405WithAllow() throws Exception {
    try (Fixture f = served(tmp)) {
      HttpResponse<String> r = f.send("DELETE", "/v1/score/customer_churn", Fixture.READ_KEY, "");
      assertProblem(r, 405, "/v1/score/customer_churn does not take DELETE", "it takes POST");
      assertThat(r.headers().firstValue("Allow")).contains("POST");
      HttpResponse<String> get = f.get("/admin/rollback", Fixture.ADMIN_KEY);
      assertProblem(get, 405, "it takes POST");
      HttpResponse<String> both =
          f.send("POST", "/v1/predictions/customer_churn/12347", Fixture.READ_KEY, "{}");
      assertThat(both.statusCode()).isEqualTo(405);
      assertThat(both.headers().firstValue("Allow")).contains("GET");
      assertProblem(f.get("/v1/nothing-here", Fixture.READ_KEY), 404, "no route GET");
    }
  }

  @Test
  void xHttpMethodOverrideIsIgnored() throws Exception {
    try (Fixture f = served(tmp)) {
      long v2 = f.publish(1);
      f.server.refresh();
      // A GET that asks to be a POST does not roll back: it is a GET of a POST-only route.
      HttpResponse<String> r =
          f.http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port + "/admin/rollback"))
                  .GET()
                  .header("X-API-Key", Fixture.ADMIN_KEY)
                  .header("X-HTTP-Method-Override", "POST")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(405);
      assertThat(f.server.snapshots().versionOrZero()).isEqualTo(v2);
      // And a POST that asks to be a GET is still a POST.
      HttpResponse<String> p =
          f.http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + f.port + "/v1/features/customer_activity/12347"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .header("X-API-Key", Fixture.READ_KEY)
                  .header("X-HTTP-Method-Override", "GET")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(p.statusCode()).as(p.body()).isEqualTo(405);
    }
  }

  @Test
  void requestFieldsAreThoseOfTheChampionOrALoadedChallenger() throws Exception {
    try (Fixture f = served(tmp)) {
      String body = "{\"entities\": {\"customer_id\": 12347}, \"request\": {\"basket_size\": 3}}";
      assertProblem(
          f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, body),
          400,
          "'request.basket_size' is not accepted");
      // A challenger that reads basket_size: the field is now part of the model's requests,
      // whatever the rollout mode (the champion answers and ignores it).
      java.util.List<dev.lakeml.schemas.artifact.ModelInput> inputs =
          new java.util.ArrayList<>(Fixture.CHURN_INPUTS);
      inputs.add(
          new dev.lakeml.schemas.artifact.ModelInput(
              "basket_size", dev.lakeml.schemas.artifact.InputType.DOUBLE));
      Path v2 = f.trainModel("customer_churn", "r2", inputs, 10);
      Path v1 = f.lakehouse.resolve("ml/artifacts/customer_churn/r1/model");
      f.aliases(
          "customer_churn",
          Fixture.alias("champion", 1, "xgboost", v1),
          Fixture.alias("challenger", 2, "xgboost", v2));
      f.server.refresh();
      HttpResponse<String> r = f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, body);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("variant").asText()).isEqualTo("champion");
      assertProblem(
          f.send(
              "POST",
              "/v1/score/customer_churn",
              Fixture.READ_KEY,
              "{\"entities\": {\"customer_id\": 12347}, \"request\": {\"basket\": 3}}"),
          400,
          "'request.basket' is not accepted",
          "basket_size");
    }
  }
}
