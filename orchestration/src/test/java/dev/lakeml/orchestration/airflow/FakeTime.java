package dev.lakeml.orchestration.airflow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A sleeper that does not sleep: it records each wait and moves its clock on by it. */
final class FakeTime implements AirflowClient.Sleeper {
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
  private volatile Instant now = Instant.parse("2026-01-01T12:00:00Z");

  @Override
  public void sleep(Duration d) {
    sleeps.add(d);
    now = now.plus(d);
  }

  List<Duration> sleeps() {
    synchronized (sleeps) {
      return List.copyOf(sleeps);
    }
  }

  Duration slept() {
    return sleeps().stream().reduce(Duration.ZERO, Duration::plus);
  }

  Instant now() {
    return now;
  }

  Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now;
      }
    };
  }
}
