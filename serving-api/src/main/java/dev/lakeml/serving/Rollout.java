package dev.lakeml.serving;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How one model's requests are split between champion and challenger, and the guard that rolls back
 * to champion-only when the challenger misbehaves.
 *
 * <p>Modes: {@code champion} (challenger unused), {@code shadow} (challenger scored and logged,
 * never returned), {@code canary} ({@code percent} of requests, chosen at random, answered by the
 * challenger), {@code ab} (a sticky split: a hash of the entity key decides, so one entity always
 * gets the same variant). The guard keeps the last {@code window} challenger calls; once {@code
 * minRequests} are in, an error rate or p99 latency above the bounds switches the mode to {@code
 * champion} and records why.
 */
final class Rollout {
  enum Mode {
    CHAMPION,
    SHADOW,
    CANARY,
    AB;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final ServingMetrics metrics;
  private final String model;
  private final int minRequests;
  private final double maxErrorRate;
  private final double maxP99Millis;
  private final long[] nanos;
  private final boolean[] errors;
  private int next;
  private int count;
  private volatile Mode mode = Mode.CHAMPION;
  private volatile int percent;
  private volatile String autoRollbackReason;
  private volatile Instant autoRollbackAt;
  private volatile int autoRollbacks;

  Rollout(
      String model,
      ServingMetrics metrics,
      int window,
      int minRequests,
      double maxErrorRate,
      double maxP99Millis) {
    this.model = model;
    this.metrics = metrics;
    this.minRequests = minRequests;
    this.maxErrorRate = maxErrorRate;
    this.maxP99Millis = maxP99Millis;
    this.nanos = new long[window];
    this.errors = new boolean[window];
    metrics.gauge(
        "lakeml_rollout_challenger_percent",
        "share of requests answered by the challenger (shadow and champion: 0)",
        () -> mode == Mode.CANARY || mode == Mode.AB ? percent : 0,
        "model",
        model);
    metrics.gauge(
        "lakeml_rollout_shadow",
        "1 while the challenger runs in shadow",
        () -> mode == Mode.SHADOW ? 1 : 0,
        "model",
        model);
  }

  synchronized void set(Mode mode, int percent) {
    this.mode = mode;
    this.percent = percent;
    Arrays.fill(nanos, 0);
    Arrays.fill(errors, false);
    next = 0;
    count = 0;
    autoRollbackReason = null;
    autoRollbackAt = null;
  }

  Mode mode() {
    return mode;
  }

  boolean shadow() {
    return mode == Mode.SHADOW;
  }

  /** Whether the challenger answers this request. */
  boolean challengerAnswers(String stickyKey) {
    Mode m = mode;
    int p = percent;
    if (m == Mode.CANARY) {
      return ThreadLocalRandom.current().nextInt(100) < p;
    }
    if (m == Mode.AB) {
      return bucket(stickyKey) < p;
    }
    return false;
  }

  /** 0..99, stable across processes and restarts (String.hashCode is specified). */
  static int bucket(String key) {
    int h = key.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return Math.floorMod(h, 100);
  }

  /** Records one challenger call; may roll back to champion-only. */
  synchronized void record(boolean error, long elapsedNanos, Instant now) {
    if (mode == Mode.CHAMPION) {
      return;
    }
    nanos[next] = elapsedNanos;
    errors[next] = error;
    next = (next + 1) % nanos.length;
    count = Math.min(count + 1, nanos.length);
    if (count < minRequests) {
      return;
    }
    double errorRate = errorRate();
    double p99 = p99Millis();
    String reason = null;
    if (errorRate > maxErrorRate) {
      reason =
          String.format(
              Locale.ROOT,
              "challenger error rate %.3f over the last %d calls exceeds %.3f",
              errorRate,
              count,
              maxErrorRate);
    } else if (p99 > maxP99Millis) {
      reason =
          String.format(
              Locale.ROOT,
              "challenger p99 latency %.2f ms over the last %d calls exceeds %.2f ms",
              p99,
              count,
              maxP99Millis);
    }
    if (reason != null) {
      mode = Mode.CHAMPION;
      percent = 0;
      autoRollbackReason = reason;
      autoRollbackAt = now;
      autoRollbacks++;
      metrics.count(
          "lakeml_rollout_auto_rollbacks_total",
          "automatic rollbacks to champion-only",
          "model",
          model);
      org.slf4j.LoggerFactory.getLogger(Rollout.class)
          .warn("model {}: rolled back to champion only: {}", model, reason);
    }
  }

  private double errorRate() {
    int e = 0;
    for (int i = 0; i < count; i++) {
      if (errors[i]) {
        e++;
      }
    }
    return count == 0 ? 0 : (double) e / count;
  }

  private double p99Millis() {
    if (count == 0) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    int idx = (int) Math.ceil(0.99 * count) - 1;
    return sorted[Math.max(0, idx)] / 1e6;
  }

  synchronized Map<String, Object> state() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("mode", mode.wire());
    out.put("percent", percent);
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("challenger_calls", count);
    w.put("error_rate", errorRate());
    w.put("p99_ms", p99Millis());
    w.put("min_requests", minRequests);
    w.put("max_error_rate", maxErrorRate);
    w.put("max_p99_ms", maxP99Millis);
    out.put("window", w);
    out.put("auto_rollbacks", autoRollbacks);
    out.put("auto_rollback_reason", autoRollbackReason);
    out.put("auto_rollback_at", autoRollbackAt == null ? null : autoRollbackAt.toString());
    return out;
  }
}
