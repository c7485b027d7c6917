package dev.lakeml.monitoring;

import dev.lakeml.schemas.monitoring.AlertPolicy;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * When an alert is raised and whether it may ask for a retrain: pure rules over what monitoring
 * measured (no Spark), so that every case is tested on plain values.
 */
final class AlertRules {
  static final String DRIFT = "drift";
  static final String PERFORMANCE = "performance";

  private AlertRules() {}

  /** Why an alert is raised: its kind, the first day of its streak, and the evidence. */
  record Evidence(String kind, LocalDate start, String text) {
    /** The episode: one per model, kind and streak. */
    String episode(String model) {
      return model + ":" + kind + ":" + start;
    }
  }

  /**
   * A drift alert when, on the {@code driftDays} consecutive days that end on {@code date}, at
   * least {@code driftColumns} columns breached one of the policy's statistics.
   *
   * @param breached per day, the breached columns (of the policy's statistics)
   */
  static Optional<Evidence> drift(
      AlertPolicy policy, LocalDate date, Map<LocalDate, Set<String>> breached) {
    LocalDate day = date;
    int streak = 0;
    while (breached.getOrDefault(day, Set.of()).size() >= policy.driftColumns()) {
      streak++;
      day = day.minusDays(1);
    }
    if (streak < policy.driftDays()) {
      return Optional.empty();
    }
    LocalDate start = day.plusDays(1);
    String statistics =
        policy.driftStatistics().stream()
            .map(DriftStatistic::yamlName)
            .collect(Collectors.joining(" or "));
    return Optional.of(
        new Evidence(
            DRIFT,
            start,
            statistics
                + " breached by at least "
                + policy.driftColumns()
                + " column(s) on "
                + streak
                + " consecutive day(s), "
                + start
                + " to "
                + date
                + "; on "
                + date
                + ": "
                + String.join(", ", new TreeSet<>(breached.get(date)))));
  }

  /** A mature date's value of the watched metric, and the version's value on validation. */
  record Point(LocalDate date, double value, Double validation) {}

  /**
   * A performance alert when the newest mature date is worse than the version's validation value by
   * more than {@code maxDrop}; the episode starts at the first of the worse dates before it.
   *
   * @param points mature dates up to the day evaluated, oldest first
   */
  static Optional<Evidence> performance(
      AlertPolicy policy, String metric, boolean higherIsBetter, List<Point> points) {
    if (points.isEmpty() || !worse(policy, higherIsBetter, points.get(points.size() - 1))) {
      return Optional.empty();
    }
    int first = points.size() - 1;
    while (first > 0 && worse(policy, higherIsBetter, points.get(first - 1))) {
      first--;
    }
    Point newest = points.get(points.size() - 1);
    return Optional.of(
        new Evidence(
            PERFORMANCE,
            points.get(first).date(),
            String.format(
                Locale.ROOT,
                "%s %.4f on %s against %.4f on validation (allowed %s: %.4f)",
                metric,
                newest.value(),
                newest.date(),
                newest.validation(),
                higherIsBetter ? "drop" : "rise",
                policy.maxDrop())));
  }

  private static boolean worse(AlertPolicy policy, boolean higherIsBetter, Point p) {
    if (p.validation() == null || Double.isNaN(p.value())) {
      return false;
    }
    return higherIsBetter
        ? p.value() < p.validation() - policy.maxDrop()
        : p.value() > p.validation() + policy.maxDrop();
  }

  /** What became of a retrain an alert asks for. */
  enum Retrain {
    TRIGGERED("triggered"),
    ALREADY_TRIGGERED("already triggered"),
    COOLDOWN("cooldown"),
    FAILED("failed");

    final String text;

    Retrain(String text) {
      this.text = text;
    }
  }

  /** An alert already recorded: its day, episode and retrain. */
  record Past(LocalDate date, String episode, String retrain) {}

  /** Whether to trigger, and why not. */
  record Decision(Retrain retrain, String message) {}

  /**
   * One retrain per episode, none within the cooldown after the last one triggered (whatever its
   * episode or kind).
   */
  static Decision decide(String episode, LocalDate date, AlertPolicy policy, List<Past> past) {
    for (Past p : past) {
      if (p.episode().equals(episode) && p.retrain().equals(Retrain.TRIGGERED.text)) {
        return new Decision(
            Retrain.ALREADY_TRIGGERED, "this episode's retrain was triggered on " + p.date());
      }
    }
    Optional<LocalDate> last =
        past.stream()
            .filter(p -> p.retrain().equals(Retrain.TRIGGERED.text))
            .map(Past::date)
            .filter(d -> !d.isAfter(date))
            .max(LocalDate::compareTo);
    if (last.isPresent()) {
      LocalDate ends = last.get().plusDays(policy.cooldown().toDays());
      if (date.isBefore(ends)) {
        return new Decision(
            Retrain.COOLDOWN,
            "the last retrain was triggered on " + last.get() + "; the cooldown ends on " + ends);
      }
    }
    return new Decision(Retrain.TRIGGERED, null);
  }
}
