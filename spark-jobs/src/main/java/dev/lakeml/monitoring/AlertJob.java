package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.monitoring.AlertPolicy;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.tables.MonitoringTables;
import java.sql.Date;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.sql.Row;

/**
 * {@code lakeml monitor alerts MODEL --date D}: applies the model's alert policy to what monitoring
 * measured up to D (the batch population's drift breaches, the newest mature performance), records
 * each alert whose condition holds in {@code monitoring.alerts}, and asks for a retrain through the
 * {@link RetrainTrigger}: once per episode, never within the cooldown after the last one. A refused
 * retrain is recorded as {@code failed} with the reason; the next run asks again.
 */
public final class AlertJob {
  /** What a run found and did. */
  public record Result(String model, LocalDate date, List<AlertTable.Alert> alerts) {}

  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public AlertJob(Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  public Result run(ModelSpec spec, LocalDate date, RetrainTrigger trigger) {
    AlertPolicy policy = spec.monitoring().alerts();
    String runId = "alerts-" + UUID.randomUUID();
    Instant now = clock.instant();
    List<AlertRules.Evidence> evidence = new ArrayList<>();
    AlertRules.drift(policy, date, driftBreaches(spec.name(), policy, date))
        .ifPresent(evidence::add);
    String metric = policy.performanceMetric().orElse(spec.metric().yamlName());
    if (AlertPolicy.METRICS.contains(metric)) {
      AlertRules.performance(
              policy, metric, !metric.equals("log_loss"), performance(spec.name(), metric, date))
          .ifPresent(evidence::add);
    }

    AlertTable table = new AlertTable(lakehouse);
    List<AlertTable.Alert> recorded = table.alerts(spec.name());
    List<AlertRules.Past> past = new ArrayList<>();
    for (AlertTable.Alert a : recorded) {
      past.add(new AlertRules.Past(a.date(), a.episode(), a.retrain()));
    }
    List<AlertTable.Alert> out = new ArrayList<>();
    for (AlertRules.Evidence e : evidence) {
      String episode = e.episode(spec.name());
      Optional<AlertTable.Alert> kept =
          recorded.stream()
              .filter(
                  a ->
                      a.date().equals(date)
                          && a.kind().equals(e.kind())
                          && a.retrain().equals(AlertRules.Retrain.TRIGGERED.text))
              .findFirst();
      if (kept.isPresent()) {
        // A rerun of the day: the retrain it triggered stays recorded, and is not asked again.
        out.add(kept.get());
        continue;
      }
      AlertRules.Decision d = AlertRules.decide(episode, date, policy, past);
      String state = d.retrain().text;
      String via = null;
      String run = null;
      String message = d.message();
      if (d.retrain() == AlertRules.Retrain.TRIGGERED) {
        via = trigger.via();
        String reason = e.kind() + " alert on " + spec.name() + " (" + episode + "): " + e.text();
        try {
          run = trigger.retrain(date, reason);
          past.add(new AlertRules.Past(date, episode, state));
        } catch (RuntimeException refused) {
          state = AlertRules.Retrain.FAILED.text;
          message = "the retrain was not started: " + refused.getMessage();
        }
      }
      log.accept(spec.name() + " " + date + ": " + e.kind() + " alert, retrain " + state);
      out.add(
          new AlertTable.Alert(
              spec.name(),
              e.kind(),
              date,
              episode,
              e.text(),
              now,
              state,
              via,
              run,
              message,
              runId));
    }
    table.replace(spec.name(), date, out);
    return new Result(spec.name(), date, out);
  }

  /** Per day up to {@code date}, the columns of the batch population that breached. */
  private Map<LocalDate, Set<String>> driftBreaches(
      String model, AlertPolicy policy, LocalDate date) {
    Map<LocalDate, Set<String>> out = new HashMap<>();
    if (!lakehouse.exists(MonitoringTables.DRIFT) || policy.driftStatistics().isEmpty()) {
      return out;
    }
    List<String> statistics =
        policy.driftStatistics().stream().map(DriftStatistic::yamlName).toList();
    for (Row r :
        lakehouse
            .read(MonitoringTables.DRIFT)
            .where(
                col("model")
                    .equalTo(lit(model))
                    .and(col("population").equalTo(lit(DriftJob.BATCH)))
                    .and(col("breached"))
                    .and(col("statistic").isin(statistics.toArray()))
                    .and(col("logical_date").leq(lit(Date.valueOf(date)))))
            .select("logical_date", "feature")
            .distinct()
            .collectAsList()) {
      out.computeIfAbsent(r.getDate(0).toLocalDate(), k -> new TreeSet<>()).add(r.getString(1));
    }
    return out;
  }

  /** The mature dates up to {@code date} with the metric's value and validation value. */
  private List<AlertRules.Point> performance(String model, String metric, LocalDate date) {
    List<AlertRules.Point> out = new ArrayList<>();
    if (!lakehouse.exists(MonitoringTables.PERFORMANCE)) {
      return out;
    }
    for (Row r :
        lakehouse
            .read(MonitoringTables.PERFORMANCE)
            .where(
                col("model")
                    .equalTo(lit(model))
                    .and(col("metric").equalTo(lit(metric)))
                    .and(col("status").equalTo(lit(PerformanceJob.OK)))
                    .and(col("value").isNotNull())
                    .and(col("prediction_date").leq(lit(Date.valueOf(date)))))
            .select("prediction_date", "value", "validation_value")
            .orderBy("prediction_date")
            .collectAsList()) {
      out.add(
          new AlertRules.Point(
              r.getDate(0).toLocalDate(), r.getDouble(1), r.isNullAt(2) ? null : r.getDouble(2)));
    }
    return out;
  }
}
