package dev.lakeml.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.schemas.monitoring.AlertPolicy;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlertRulesTest {
  private static final LocalDate D = LocalDate.parse("2011-09-10");
  private static final AlertPolicy POLICY =
      new AlertPolicy(Set.of(DriftStatistic.PSI), 2, 3, Optional.empty(), 0.05, Duration.ofDays(7));

  @Test
  void driftNeedsEnoughColumnsOnEnoughConsecutiveDays() {
    Map<LocalDate, Set<String>> breached =
        Map.of(
            D,
            Set.of("a", "b"),
            D.minusDays(1),
            Set.of("a", "c"),
            D.minusDays(2),
            Set.of("b", "c", "d"),
            D.minusDays(3),
            Set.of("a"), // one column: breaks the streak
            D.minusDays(4),
            Set.of("a", "b"));
    AlertRules.Evidence e = AlertRules.drift(POLICY, D, breached).orElseThrow();
    assertThat(e.start()).isEqualTo(D.minusDays(2));
    assertThat(e.episode("m")).isEqualTo("m:drift:2011-09-08");
    assertThat(e.text())
        .contains("psi breached by at least 2 column(s) on 3 consecutive day(s)")
        .contains("2011-09-08 to 2011-09-10")
        .endsWith(": a, b");
    // Two days are not enough; a gap in the days is not a streak.
    assertThat(AlertRules.drift(POLICY, D.minusDays(1), breached)).isEmpty();
    assertThat(
            AlertRules.drift(
                POLICY, D, Map.of(D, Set.of("a", "b"), D.minusDays(2), Set.of("a", "b"))))
        .isEmpty();
  }

  @Test
  void performanceFallsBeyondTheAllowedDropOfTheValidationValue() {
    List<AlertRules.Point> points =
        List.of(
            new AlertRules.Point(D.minusDays(3), 0.70, 0.72),
            new AlertRules.Point(D.minusDays(2), 0.60, 0.72),
            new AlertRules.Point(D.minusDays(1), 0.61, 0.72));
    AlertRules.Evidence e = AlertRules.performance(POLICY, "auc_pr", true, points).orElseThrow();
    assertThat(e.start()).isEqualTo(D.minusDays(2));
    assertThat(e.text())
        .isEqualTo(
            "auc_pr 0.6100 on 2011-09-09 against 0.7200 on validation (allowed drop: 0.0500)");
    // 0.70 against 0.72 is within 0.05: no alert.
    assertThat(AlertRules.performance(POLICY, "auc_pr", true, points.subList(0, 1))).isEmpty();
    // Log loss is worse when higher.
    assertThat(
            AlertRules.performance(
                POLICY, "log_loss", false, List.of(new AlertRules.Point(D, 0.70, 0.60))))
        .isPresent();
    assertThat(
            AlertRules.performance(
                POLICY, "log_loss", false, List.of(new AlertRules.Point(D, 0.50, 0.60))))
        .isEmpty();
    // No validation value: nothing to compare with.
    assertThat(
            AlertRules.performance(
                POLICY, "auc_pr", true, List.of(new AlertRules.Point(D, 0.1, null))))
        .isEmpty();
  }

  @Test
  void oneRetrainPerEpisodeAndNoneWithinTheCooldown() {
    String episode = "m:drift:2011-09-08";
    assertThat(AlertRules.decide(episode, D, POLICY, List.of()).retrain())
        .isEqualTo(AlertRules.Retrain.TRIGGERED);
    List<AlertRules.Past> triggered =
        List.of(new AlertRules.Past(D.minusDays(1), episode, "triggered"));
    AlertRules.Decision same = AlertRules.decide(episode, D, POLICY, triggered);
    assertThat(same.retrain()).isEqualTo(AlertRules.Retrain.ALREADY_TRIGGERED);
    assertThat(same.message()).isEqualTo("this episode's retrain was triggered on 2011-09-09");
    AlertRules.Decision other = AlertRules.decide("m:performance:2011-09-10", D, POLICY, triggered);
    assertThat(other.retrain()).isEqualTo(AlertRules.Retrain.COOLDOWN);
    assertThat(other.message()).endsWith("the cooldown ends on 2011-09-16");
    assertThat(AlertRules.decide("m:drift:2011-09-20", D.plusDays(6), POLICY, triggered).retrain())
        .isEqualTo(AlertRules.Retrain.TRIGGERED);
    // A failed attempt does not count: the next day asks again.
    assertThat(
            AlertRules.decide(
                    episode,
                    D,
                    POLICY,
                    List.of(new AlertRules.Past(D.minusDays(1), episode, "failed")))
                .retrain())
        .isEqualTo(AlertRules.Retrain.TRIGGERED);
  }
}
