package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.online.RedisServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas behind a load balancer: two servers (their own stores, ports, prediction logs) over
 * one published location, under a steady load of lookups on both. A new snapshot is published; both
 * switch to it within a few polls, no request fails, and no replica goes back to the old one. Once
 * over a shared folder of RocksDB snapshots, once over one Redis.
 */
class ReplicasTest {
  @TempDir Path dir;
  private final ObjectMapper mapper = new ObjectMapper();

  /** What each load thread saw: the snapshot version of every answer, in order, or a failure. */
  private record Seen(List<Long> versions, List<String> failures) {}

  @Test
  void twoReplicasOverOneSnapshotFolderSwitchTogetherWithNoFailedRequest() throws Exception {
    try (Fixture a = new Fixture(dir);
        Fixture b = new Fixture(dir)) {
      a.publish(0);
      a.start();
      b.start("--log-dir", dir.resolve("log-b").toString());
      assertSwitchTogether(a, b, () -> a.publish(1));
    }
  }

  @Test
  void twoReplicasOverOneRedisSwitchTogetherWithNoFailedRequest() throws Exception {
    try (RedisServer redis = RedisServer.start();
        Fixture a = new Fixture(dir);
        Fixture b = new Fixture(dir)) {
      String[] backend = {
        "--backend", "redis", "--redis", redis.host() + ":" + redis.port(), "--redis-prefix", "t"
      };
      Fixture.publishRedis(redis.host(), redis.port(), "t", 0);
      a.start(backend);
      List<String> withLog = new ArrayList<>(List.of(backend));
      withLog.addAll(List.of("--log-dir", dir.resolve("log-b").toString()));
      b.start(withLog.toArray(String[]::new));
      assertSwitchTogether(a, b, () -> Fixture.publishRedis(redis.host(), redis.port(), "t", 1));
    }
  }

  @Test
  void aLostRedisIsA503NamingTheStore() throws Exception {
    try (Fixture f = new Fixture(dir)) {
      RedisServer redis = RedisServer.start();
      String address = redis.host() + ":" + redis.port();
      Fixture.publishRedis(redis.host(), redis.port(), "t", 0);
      f.start("--backend", "redis", "--redis", address, "--redis-prefix", "t");
      assertThat(f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY).statusCode())
          .isEqualTo(200);
      redis.close();
      HttpResponse<String> down = f.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith(Http.PROBLEM_JSON));
      assertThat(down.body()).contains("the online store failed").contains(address);
    }
  }

  private void assertSwitchTogether(Fixture a, Fixture b, LongSupplier publish) throws Exception {
    long before = a.server.snapshots().versionOrZero();
    assertThat(before).isPositive();
    assertThat(b.server.snapshots().versionOrZero()).isEqualTo(before);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Seen>> load = new ArrayList<>();
    for (Fixture replica : List.of(a, b, a, b)) {
      load.add(pool.submit(() -> lookups(replica, stop)));
    }
    try {
      Thread.sleep(500); // answers from the old snapshot first
      long published = publish.getAsLong();
      assertThat(published).isEqualTo(before + 1);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((a.server.snapshots().versionOrZero() != published
              || b.server.snapshots().versionOrZero() != published)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(500); // and from the new one after
    } finally {
      stop.set(true);
      pool.shutdown();
    }
    long after = before + 1;
    int answers = 0;
    for (Future<Seen> f : load) {
      Seen seen = f.get();
      assertThat(seen.failures()).as("failed requests").isEmpty();
      assertThat(seen.versions())
          .as("answered from the old, then the new snapshot")
          .contains(before, after)
          .containsOnly(before, after);
      // Never back: once a thread saw the new snapshot, it sees nothing older.
      int firstNew = seen.versions().indexOf(after);
      assertThat(seen.versions().subList(firstNew, seen.versions().size())).containsOnly(after);
      answers += seen.versions().size();
    }
    assertThat(answers).as("answers in about a second of load").isGreaterThan(40);
  }

  /** GET /v1/features/customer_activity/12347 in a loop until {@code stop}. */
  private Seen lookups(Fixture replica, AtomicBoolean stop) throws Exception {
    Seen seen = new Seen(new ArrayList<>(), new ArrayList<>());
    while (!stop.get()) {
      HttpResponse<String> r =
          replica.get("/v1/features/customer_activity/12347", Fixture.READ_KEY);
      if (r.statusCode() != 200) {
        seen.failures().add(r.statusCode() + " " + r.body());
        continue;
      }
      JsonNode body = mapper.readTree(r.body());
      long version = body.get("snapshot_version").asLong();
      // The values are the snapshot's own: generation g has invoices_7d = 3 + g.
      long invoices = body.get("features").get("invoices_7d").asLong();
      if (invoices != 3 + (version - 1)) {
        seen.failures().add("v" + version + " answered invoices_7d " + invoices);
      }
      seen.versions().add(version);
    }
    return seen;
  }
}
