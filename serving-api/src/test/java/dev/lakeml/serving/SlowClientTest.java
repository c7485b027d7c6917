package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 slow-head and 200 slow-body connections for 10 s (each dropped one reconnects at once, as an
 * attacker would) while a fair client keeps asking for predictions: the fair client gets every
 * answer, within its latency budget, and the server stays ready.
 */
class SlowClientTest {
  private static final int SLOW_HEADS = 200;
  private static final int SLOW_BODIES = 200;
  private static final long ATTACK_NANOS = 10_000_000_000L;

  /** The fair client's budget on this 2-core machine, with 400 slow connections open. */
  private static final long P99_BUDGET_MS = 50;

  @TempDir Path tmp;

  @Test
  void slowClientsCannotStarveAFairOne() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      f.publishWithChampions();
      f.start("--head-timeout", "2s", "--body-timeout", "2s");
      long end = System.nanoTime() + ATTACK_NANOS;
      AtomicInteger dropped = new AtomicInteger();
      CountDownLatch connected = new CountDownLatch(SLOW_HEADS + SLOW_BODIES);
      List<Thread> attackers = new ArrayList<>();
      for (int i = 0; i < SLOW_HEADS + SLOW_BODIES; i++) {
        boolean head = i < SLOW_HEADS;
        Thread t = new Thread(() -> attack(f.port, head, end, connected, dropped), "slow-" + i);
        t.setDaemon(true);
        attackers.add(t);
        t.start();
      }
      connected.await();
      assertThat(f.get("/health/ready", null).statusCode()).isEqualTo(200);

      List<Long> micros = new ArrayList<>();
      int failed = 0;
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = f.get("/v1/predictions/customer_churn/12347", Fixture.READ_KEY);
        micros.add((System.nanoTime() - t0) / 1000);
        if (r.statusCode() != 200) {
          failed++;
        }
        Thread.sleep(5);
      }
      for (Thread t : attackers) {
        t.join(5000);
      }
      Collections.sort(micros);
      double p50 = micros.get(micros.size() / 2) / 1000.0;
      double p99 = micros.get((int) (micros.size() * 0.99)) / 1000.0;
      double max = micros.get(micros.size() - 1) / 1000.0;
      System.out.printf(
          Locale.ROOT,
          "slow clients: fair client %d requests, %d failed, p50 %.2f ms, p99 %.2f ms, max %.1f"
              + " ms; slow connections dropped or refused %d times%n",
          micros.size(),
          failed,
          p50,
          p99,
          max,
          dropped.get());
      assertThat(failed).isZero();
      assertThat(micros.size()).isGreaterThan(500);
      assertThat(p99).isLessThan(P99_BUDGET_MS);
      // Each slow connection was cut at its deadline (2 s) and came back: ~5 times in 10 s.
      assertThat(dropped.get()).isGreaterThan(SLOW_HEADS + SLOW_BODIES);
      String metrics = f.get("/metrics", Fixture.READ_KEY).body();
      assertThat(metrics)
          .contains("lakeml_slow_requests_total{part=\"head\"}")
          .contains("lakeml_slow_requests_total{part=\"body\"}");
      assertThat(f.get("/health/ready", null).statusCode()).isEqualTo(200);
    }
  }

  /** One slow connection after another until {@code end}: a byte every 200 ms. */
  private static void attack(
      int port, boolean head, long end, CountDownLatch connected, AtomicInteger dropped) {
    boolean first = true;
    while (System.nanoTime() < end) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(200);
        OutputStream out = s.getOutputStream();
        String start =
            head
                ? "GET /v1/predictions/customer_churn/12347 HTTP/1.1\r\nHost: x\r\n"
                : "POST /v1/predictions/customer_churn HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                    + Fixture.READ_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (first) {
          connected.countDown();
          first = false;
        }
        while (System.nanoTime() < end) {
          out.write(head ? 'a' : ' ');
          out.flush();
          try {
            s.getInputStream().read(); // waits up to 200 ms: the pace of the trickle
          } catch (java.net.SocketTimeoutException stillOpen) {
            continue;
          }
          if (System.getProperty("debugSlow") != null && dropped.get() < 5) {
            System.out.println(
                "DEBUG head=" + head + " " + new String(s.getInputStream().readNBytes(200)));
          }
          dropped.incrementAndGet(); // an answer (408) or the close: cut off
          break;
        }
      } catch (IOException cut) {
        dropped.incrementAndGet();
      }
      if (first) {
        connected.countDown();
        first = false;
      }
    }
  }
}
