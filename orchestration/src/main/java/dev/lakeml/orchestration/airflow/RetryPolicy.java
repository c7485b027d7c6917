package dev.lakeml.orchestration.airflow;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How often and how long the client retries a call that failed in a way worth retrying: Airflow
 * unreachable, no answer in time, a 5xx answer or 429 Too Many Requests. Other 4xx answers are
 * never retried.
 *
 * <p>Between attempts the client waits a random time between zero and {@code baseDelay * 2^(n-1)}
 * for the n-th retry, never more than {@code maxDelay} ("full jitter"). When Airflow (or the proxy
 * in front of it) sends {@code Retry-After}, the client waits that long instead, but never more
 * than {@code maxRetryAfter}.
 *
 * @param maxAttempts attempts in all, the first one included (1 means no retry)
 * @param baseDelay the backoff ceiling before the first retry
 * @param maxDelay the largest backoff ceiling
 * @param maxRetryAfter the longest {@code Retry-After} the client honours
 */
public record RetryPolicy(
    int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter) {

  /** Four attempts, backoff from 500ms up to 10s, {@code Retry-After} honoured up to 60s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(60));

  /** A single attempt. */
  public static final RetryPolicy NONE =
      new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    requireNotNegative("baseDelay", baseDelay);
    requireNotNegative("maxDelay", maxDelay);
    requireNotNegative("maxRetryAfter", maxRetryAfter);
  }

  /** This policy with another number of attempts. */
  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, baseDelay, maxDelay, maxRetryAfter);
  }

  /**
   * The backoff ceiling before retry number {@code retry} (1 for the first retry): {@code baseDelay
   * * 2^(retry-1)}, at most {@code maxDelay}.
   */
  public Duration ceiling(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry counts from 1, got " + retry);
    }
    Duration ceiling = baseDelay;
    for (int i = 1; i < retry && ceiling.compareTo(maxDelay) < 0; i++) {
      ceiling = ceiling.multipliedBy(2);
    }
    return ceiling.compareTo(maxDelay) > 0 ? maxDelay : ceiling;
  }

  /**
   * The wait before retry number {@code retry}: the server's {@code Retry-After} (capped at {@code
   * maxRetryAfter}) when it sent one, otherwise {@code random * ceiling(retry)} (full jitter).
   *
   * @param random a number in [0, 1)
   */
  public Duration delay(int retry, Optional<Duration> retryAfter, double random) {
    if (retryAfter.isPresent()) {
      Duration wanted = retryAfter.get();
      return wanted.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : wanted;
    }
    long ceilingNanos = ceiling(retry).toNanos();
    return Duration.ofNanos((long) (Math.max(0, Math.min(random, 1)) * ceilingNanos));
  }

  /**
   * A {@code Retry-After} header value as a wait from {@code now}: either seconds ({@code 120}) or
   * an HTTP date ({@code Wed, 21 Oct 2015 07:28:00 GMT}); a date in the past is no wait. Empty when
   * the value is absent or neither form.
   */
  public static Optional<Duration> parseRetryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.trim();
    if (v.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
      } catch (NumberFormatException e) {
        return Optional.empty(); // more digits than a long: not a usable wait
      }
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(now, at);
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static void requireNotNegative(String name, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be zero or more, got " + d);
    }
  }
}
