package dev.lakeml.orchestration.airflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  static final RetryPolicy POLICY =
      new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(60));
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  @Test
  void theBackoffCeilingDoublesUpToTheMaximum() {
    assertThat(POLICY.ceiling(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(POLICY.ceiling(2)).isEqualTo(Duration.ofSeconds(1));
    assertThat(POLICY.ceiling(3)).isEqualTo(Duration.ofSeconds(2));
    assertThat(POLICY.ceiling(4)).isEqualTo(Duration.ofSeconds(3));
    assertThat(POLICY.ceiling(60)).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void theWaitIsAFullJitterOfTheCeiling() {
    assertThat(POLICY.delay(3, Optional.empty(), 0.0)).isEqualTo(Duration.ZERO);
    assertThat(POLICY.delay(3, Optional.empty(), 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(POLICY.delay(3, Optional.empty(), 0.999))
        .isBetween(Duration.ofMillis(1990), Duration.ofSeconds(2));
  }

  @Test
  void retryAfterWinsOverTheBackoffButIsCapped() {
    assertThat(POLICY.delay(1, Optional.of(Duration.ofSeconds(7)), 0.9))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(POLICY.delay(1, Optional.of(Duration.ofHours(1)), 0.9))
        .isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void retryAfterIsSecondsOrAnHttpDate() {
    assertThat(RetryPolicy.parseRetryAfter("120", NOW)).hasValue(Duration.ofSeconds(120));
    assertThat(RetryPolicy.parseRetryAfter(" 0 ", NOW)).hasValue(Duration.ZERO);
    String in90s =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
    assertThat(RetryPolicy.parseRetryAfter(in90s, NOW)).hasValue(Duration.ofSeconds(90));
    assertThat(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", NOW))
        .hasValue(Duration.ZERO);
    assertThat(RetryPolicy.parseRetryAfter("soon", NOW)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter("-3", NOW)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter("99999999999999999999999", NOW)).isEmpty();
    assertThat(RetryPolicy.parseRetryAfter(null, NOW)).isEmpty();
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("maxAttempts must be at least 1");
    assertThatThrownBy(
            () -> new RetryPolicy(1, Duration.ofSeconds(-1), Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("baseDelay");
  }
}
