package dev.lakeml.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import dev.lakeml.testing.ExampleLake;
import dev.lakeml.testing.SharedSpark;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert policy over real {@code monitoring.*} Delta tables: a week of drift (as when prices are
 * scaled for a week) raises an alert from its third day and asks for exactly one retrain; a refused
 * retrain stays open and is asked again; a new episode within the cooldown waits.
 */
class AlertJobIT {
  @TempDir static Path lake;

  static Project project;
  static Lakehouse lakehouse;
  static ModelSpec churn;
  static final LocalDate MONDAY = LocalDate.parse("2011-09-05");

  @BeforeAll
  static void open() {
    project = ProjectLoader.load(ExampleLake.EXAMPLE);
    lakehouse =
        new Lakehouse(
            SharedSpark.session(), lake.toString(), project.lakehouse().schemaEvolution());
    churn = project.model("customer_churn").orElseThrow(); // default policy: PSI, 1 column, 3 days
  }

  /** A retrain trigger that records what it was asked, and refuses while told to. */
  static final class RecordingTrigger implements RetrainTrigger {
    final List<String> asked = new ArrayList<>();
    String refusal;

    @Override
    public String via() {
      return "airflow";
    }

    @Override
    public String retrain(LocalDate date, String reason) {
      asked.add(date + " " + reason);
      if (refusal != null) {
        throw new IllegalStateException(refusal);
      }
      return "lakeml__" + date;
    }
  }

  /** The drift job's rows for a day: spend_90d's PSI, breached or not. */
  static void drift(String model, LocalDate date, double psi) {
    DriftColumn spend = DriftColumn.numeric("spend_90d", DriftColumn.Role.INPUT);
    DriftMeasure m =
        new DriftMeasure(
            spend,
            DriftStatistic.PSI,
            psi,
            OptionalDouble.of(0.2),
            DriftMeasure.OK,
            1000,
            900,
            Double.NaN,
            Map.of());
    new DriftTable(lakehouse)
        .replace(
            model,
            1,
            date,
            List.of(new DriftTable.Population(DriftJob.BATCH, List.of(m))),
            "drift-test",
            Instant.now());
  }

  static AlertJob.Result alerts(String model, LocalDate date, RetrainTrigger trigger) {
    ModelSpec spec =
        new ModelSpec(
            model,
            churn.task(),
            churn.trainingSet(),
            null,
            churn.features(),
            churn.algorithm(),
            churn.grid(),
            churn.validateFrom(),
            churn.metric(),
            churn.topK(),
            churn.minImprovement(),
            churn.seed(),
            "",
            Map.of(),
            churn.monitoring());
    return new AlertJob(lakehouse, Clock.systemUTC(), m -> {}).run(spec, date, trigger);
  }

  @Test
  void aWeekOfDriftRaisesAnAlertFromItsThirdDayAndAsksForExactlyOneRetrain() {
    RecordingTrigger trigger = new RecordingTrigger();
    List<String> retrains = new ArrayList<>();
    for (int day = 0; day < 7; day++) {
      LocalDate date = MONDAY.plusDays(day);
      drift("week", date, 0.45);
      AlertJob.Result r = alerts("week", date, trigger);
      retrains.add(r.alerts().isEmpty() ? "-" : r.alerts().get(0).retrain());
    }
    assertThat(retrains)
        .containsExactly(
            "-",
            "-",
            "triggered",
            "already triggered",
            "already triggered",
            "already triggered",
            "already triggered");
    assertThat(trigger.asked).hasSize(1);
    assertThat(trigger.asked.get(0))
        .startsWith("2011-09-07 drift alert on week (week:drift:2011-09-05)")
        .contains("psi breached by at least 1 column(s) on 3 consecutive day(s)")
        .endsWith("spend_90d");

    // A rerun of the day that triggered keeps its record and asks for nothing.
    AlertJob.Result again = alerts("week", MONDAY.plusDays(2), trigger);
    assertThat(again.alerts()).extracting(AlertTable.Alert::retrain).containsExactly("triggered");
    assertThat(again.alerts().get(0).retrainRun()).isEqualTo("lakeml__2011-09-07");
    assertThat(trigger.asked).hasSize(1);
    List<AlertTable.Alert> all = new AlertTable(lakehouse).alerts("week");
    assertThat(all).hasSize(5);
    assertThat(all).extracting(AlertTable.Alert::episode).containsOnly("week:drift:2011-09-05");
  }

  @Test
  void aNewEpisodeWithinTheCooldownWaits() {
    RecordingTrigger trigger = new RecordingTrigger();
    for (int day = 0; day < 3; day++) {
      drift("cool", MONDAY.plusDays(day), 0.45);
    }
    assertThat(alerts("cool", MONDAY.plusDays(2), trigger).alerts().get(0).retrain())
        .isEqualTo("triggered");
    // The drift stops for a day and comes back for three: a new episode, inside the 7 days.
    drift("cool", MONDAY.plusDays(3), 0.01);
    assertThat(alerts("cool", MONDAY.plusDays(3), trigger).alerts()).isEmpty();
    for (int day = 4; day < 7; day++) {
      drift("cool", MONDAY.plusDays(day), 0.5);
    }
    AlertTable.Alert waiting = alerts("cool", MONDAY.plusDays(6), trigger).alerts().get(0);
    assertThat(waiting.episode()).isEqualTo("cool:drift:2011-09-09");
    assertThat(waiting.retrain()).isEqualTo("cooldown");
    assertThat(waiting.message())
        .isEqualTo("the last retrain was triggered on 2011-09-07; the cooldown ends on 2011-09-14");
    assertThat(trigger.asked).hasSize(1);
  }

  @Test
  void aRefusedRetrainStaysOpenWithTheReasonAndIsAskedAgain() {
    RecordingTrigger trigger = new RecordingTrigger();
    trigger.refusal = "Airflow answered 404: DAG 'online_retail__retrain' not found";
    for (int day = 0; day < 3; day++) {
      drift("refused", MONDAY.plusDays(day), 0.45);
    }
    AlertTable.Alert failed = alerts("refused", MONDAY.plusDays(2), trigger).alerts().get(0);
    assertThat(failed.retrain()).isEqualTo("failed");
    assertThat(failed.message())
        .isEqualTo(
            "the retrain was not started: Airflow answered 404: DAG 'online_retail__retrain' not"
                + " found");
    trigger.refusal = null;
    drift("refused", MONDAY.plusDays(3), 0.45);
    AlertTable.Alert next = alerts("refused", MONDAY.plusDays(3), trigger).alerts().get(0);
    assertThat(next.retrain()).isEqualTo("triggered");
    assertThat(next.episode()).isEqualTo(failed.episode());
    assertThat(trigger.asked).hasSize(2);
  }
}
