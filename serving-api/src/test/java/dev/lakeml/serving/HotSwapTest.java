package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.online.RocksDbSnapshotStore;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot and model swaps while serving; refusals of damaged data; rollback; shedding. */
class HotSwapTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private static void awaitVersion(ServingServer s, long v) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (s.snapshots().versionOrZero() != v && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(s.snapshots().versionOrZero()).isEqualTo(v);
  }

  @Test
  void swapsSnapshotsUnderConcurrentRequestsWithoutAFailedRequest() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publish(0);
      ServingServer s = f.start("--poll-interval", "50ms");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ok = new AtomicLong();
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      Set<Long> seen = ConcurrentHashMap.newKeySet();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread th =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    try {
                      HttpResponse<String> r =
                          f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
                      if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                      } else {
                        seen.add(JSON.readTree(r.body()).at("/features/invoices_7d").asLong());
                        ok.incrementAndGet();
                      }
                    } catch (Exception e) {
                      failures.add(e.toString());
                    }
                  }
                });
        th.start();
        threads.add(th);
      }
      for (int g = 1; g <= 3; g++) {
        long v = f.publish(g);
        awaitVersion(s, v);
        Thread.sleep(100);
      }
      stop.set(true);
      for (Thread th : threads) {
        th.join();
      }
      assertThat(failures).isEmpty();
      assertThat(ok.get()).isGreaterThan(100);
      assertThat(seen).contains(6L).hasSizeGreaterThan(1);
      assertThat(f.get("/metrics", Fixture.READ_KEY).body())
          .contains("lakeml_snapshot_swaps_total 4.0");
    }
  }

  private static Path largestSst(Path db) throws IOException {
    try (Stream<Path> files = Files.list(db)) {
      return files
          .filter(p -> p.toString().endsWith(".sst"))
          .max(Comparator.comparingLong(p -> p.toFile().length()))
          .orElseThrow();
    }
  }

  @Test
  void refusesCorruptAndHalfWrittenSnapshotsAndRollsBack() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publish(0);
      ServingServer s = f.start("--poll-interval", "10m");
      // v2 is damaged on disk after it was committed.
      f.publish(1);
      Path sst = largestSst(new RocksDbSnapshotStore(f.online).snapshotDir(2).resolve("db"));
      byte[] bytes = Files.readAllBytes(sst);
      bytes[bytes.length / 2] ^= 0x01;
      Files.write(sst, bytes);
      s.refresh();
      assertThat(s.snapshots().versionOrZero()).isEqualTo(1);
      assertThat(s.snapshots().lastError()).contains("snapshot v2 refused").contains("SHA-256");
      assertThat(f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY).statusCode())
          .isEqualTo(200);
      // v3 is half written: CURRENT names it, but it has no manifest.
      new RocksDbSnapshotStore(f.online).stagingDir(3);
      Files.writeString(f.online.resolve("CURRENT"), "3\n");
      s.refresh();
      assertThat(s.snapshots().versionOrZero()).isEqualTo(1);
      assertThat(f.get("/metrics", Fixture.READ_KEY).body())
          .contains("lakeml_snapshot_refused_total 2.0");
      // v4 is good.
      long v4 = f.publish(2);
      s.refresh();
      assertThat(s.snapshots().versionOrZero()).isEqualTo(v4);
      assertThat(
              JSON.readTree(f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY).body())
                  .at("/features/invoices_7d")
                  .asLong())
          .isEqualTo(5);
      // Rollback to v1 (the previous one served); the poller does not reload v4.
      HttpResponse<String> r = f.send("POST", "/admin/rollback", Fixture.ADMIN_KEY, "");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("snapshot_version").asLong()).isEqualTo(1);
      s.refresh();
      JsonNode after =
          JSON.readTree(f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY).body());
      assertThat(after.get("snapshot_version").asLong()).isEqualTo(1);
      assertThat(after.at("/features/invoices_7d").asLong()).isEqualTo(3);
    }
  }

  @Test
  void swapsAChampionAndRefusesACorruptOne() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publish(0);
      Path v1 = f.trainModel("customer_churn", "r1", Fixture.CHURN_INPUTS, 5);
      f.aliases("customer_churn", Fixture.alias("champion", 1, "xgboost", v1), null);
      ServingServer s = f.start("--poll-interval", "10m", "--models", "customer_churn");
      String body = "{\"entities\": {\"customer_id\": 12347}}";
      assertThat(
              JSON.readTree(
                      f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, body).body())
                  .get("version")
                  .asLong())
          .isEqualTo(1);

      Path v2 = f.trainModel("customer_churn", "r2", Fixture.CHURN_INPUTS, 20);
      f.aliases("customer_churn", Fixture.alias("champion", 2, "xgboost", v2), null);
      s.refresh();
      assertThat(
              JSON.readTree(
                      f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, body).body())
                  .get("version")
                  .asLong())
          .isEqualTo(2);

      Path v3 = f.trainModel("customer_churn", "r3", Fixture.CHURN_INPUTS, 20);
      Path booster = v3.resolve("xgboost-model.ubj");
      byte[] bytes = Files.readAllBytes(booster);
      bytes[bytes.length / 2] ^= 0x01;
      Files.write(booster, bytes);
      f.aliases("customer_churn", Fixture.alias("champion", 3, "xgboost", v3), null);
      s.refresh();
      HttpResponse<String> r = f.send("POST", "/v1/score/customer_churn", Fixture.READ_KEY, body);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("version").asLong()).isEqualTo(2);
      assertThat(s.models().summary().toString())
          .contains("champion v3 refused")
          .contains(v3.toString());
      assertThat(f.get("/metrics", Fixture.READ_KEY).body())
          .contains("lakeml_model_refused_total{model=\"customer_churn\"} 1.0");
    }
  }

  @Test
  void notReadyWithoutSnapshotOrModel() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.start("--models", "customer_churn");
      HttpResponse<String> r = f.get("/health/ready", null);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body())
          .contains("online snapshot: nothing published")
          .contains("model customer_churn: no aliases.yaml");
      assertThat(f.get("/v1/features/customer_activity/1", Fixture.READ_KEY).statusCode())
          .isEqualTo(503);
    }
  }

  @Test
  void shedsRequestsOverTheInFlightLimitWith503() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publish(0);
      f.start("--max-concurrent", "1");
      // 8 clients at once against a limit of 1: some requests find the slot taken.
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(8);
      List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 400; i++) {
        answers.add(
            pool.submit(() -> f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY)));
      }
      int shed = 0;
      for (java.util.concurrent.Future<HttpResponse<String>> a : answers) {
        HttpResponse<String> r = a.get();
        if (r.statusCode() == 503) {
          shed++;
          assertThat(r.headers().firstValue("Retry-After")).contains("1");
          assertThat(r.body()).contains("overloaded");
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
      }
      pool.shutdown();
      assertThat(shed).as("requests shed of 400").isPositive();
      assertThat(f.get("/metrics", Fixture.READ_KEY).body()).contains("lakeml_shed_total");
    }
  }

  @Test
  void aBodyHeldBackTakesNoInFlightSlot() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publish(0);
      f.start("--max-concurrent", "1");
      // A raw client that sends its headers, then holds the body back. Before the request gate it
      // held the only slot while the handler waited on its body, and every other request got 503.
      java.net.Socket socket = new java.net.Socket("127.0.0.1", f.port);
      String body = "{\"keys\": [12347]}";
      java.io.OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/predictions/customer_churn HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: "
                  + Fixture.READ_KEY
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(500);
      HttpResponse<String> other = f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
      assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
      out.write(body.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      String answer =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      socket.close();
      assertThat(answer).startsWith("HTTP/1.1 200").contains("\"score\"");
    }
  }
}
