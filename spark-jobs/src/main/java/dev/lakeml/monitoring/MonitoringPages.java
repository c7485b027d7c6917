package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.report.MonitoringPage;
import dev.lakeml.ml.report.MonitoringPageData;
import dev.lakeml.schemas.tables.MonitoringTables;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * Writes a model's monitoring page ({@link MonitoringPage}) from the {@code monitoring.*} tables:
 * every {@code lakeml monitor} run ends by rewriting the pages of the models it measured, so the
 * page is as current as the tables. The tables are small (rows per model, day and column), and the
 * page reads only the newest {@link MonitoringPage#DATES} days of drift.
 */
public final class MonitoringPages {
  private final Lakehouse lakehouse;
  private final Clock clock;

  public MonitoringPages(Lakehouse lakehouse, Clock clock) {
    this.lakehouse = lakehouse;
    this.clock = clock;
  }

  /** Where the model's page is: in its artifacts folder, beside each version's folder. */
  public Path file(String model) {
    return Path.of(lakehouse.artifacts(model, "x")).getParent().resolve(MonitoringPage.FILE);
  }

  /** Rewrites the model's page and returns its path. */
  public Path write(String model) {
    Path file = file(model);
    MonitoringPage.write(data(model, file), file);
    return file;
  }

  MonitoringPageData data(String model, Path file) {
    ModelRegistry registry = new ModelRegistry(lakehouse, clock);
    Integer champion = null;
    String report = null;
    if (registry.aliases(model).containsKey(ModelRegistry.CHAMPION)) {
      ModelRegistry.Version v = registry.resolve(model, ModelRegistry.CHAMPION);
      champion = v.version();
      if (v.report() != null) {
        report = file.getParent().relativize(Path.of(v.report()).toAbsolutePath()).toString();
      }
    }
    List<MonitoringPageData.Performance> performance = new ArrayList<>();
    LocalDate calibrationDate = null;
    Map<String, String> calibration = Map.of();
    if (lakehouse.exists(MonitoringTables.PERFORMANCE)) {
      Map<LocalDate, List<Row>> byDate = new TreeMap<>();
      for (Row r :
          lakehouse
              .read(MonitoringTables.PERFORMANCE)
              .where(col("model").equalTo(lit(model)))
              .collectAsList()) {
        byDate
            .computeIfAbsent(r.<Date>getAs("prediction_date").toLocalDate(), k -> new ArrayList<>())
            .add(r);
      }
      for (Map.Entry<LocalDate, List<Row>> e : byDate.entrySet()) {
        Row first = e.getValue().get(0);
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> validation = new LinkedHashMap<>();
        for (Row r : e.getValue()) {
          metrics.put(r.getAs("metric"), r.getAs("value"));
          validation.put(r.getAs("metric"), r.getAs("validation_value"));
          Map<String, String> detail = r.getJavaMap(r.fieldIndex("detail"));
          if (r.<String>getAs("metric").equals("calibration_error")
              && detail != null
              && !detail.isEmpty()
              && "ok".equals(r.getAs("status"))) {
            calibrationDate = e.getKey();
            calibration = Map.copyOf(detail);
          }
        }
        performance.add(
            new MonitoringPageData.Performance(
                e.getKey(),
                first.<Integer>getAs("version"),
                first.getAs("status"),
                first.<Long>getAs("rows"),
                first.<Timestamp>getAs("labels_known_at").toInstant(),
                metrics,
                validation));
      }
    }
    List<MonitoringPageData.Drift> drift = new ArrayList<>();
    if (lakehouse.exists(MonitoringTables.DRIFT)) {
      List<Row> rows =
          lakehouse
              .read(MonitoringTables.DRIFT)
              .where(col("model").equalTo(lit(model)))
              .where(
                  col("logical_date")
                      .geq(
                          lakehouse
                              .read(MonitoringTables.DRIFT)
                              .where(col("model").equalTo(lit(model)))
                              .select("logical_date")
                              .distinct()
                              .orderBy(col("logical_date").desc())
                              .limit(MonitoringPage.DATES)
                              .agg(org.apache.spark.sql.functions.min("logical_date"))
                              .first()
                              .getDate(0)))
              .orderBy("population", "logical_date", "feature", "statistic")
              .collectAsList();
      Map<String, List<Row>> cells = new LinkedHashMap<>();
      for (Row r : rows) {
        cells
            .computeIfAbsent(
                r.getAs("population") + "|" + r.getAs("logical_date") + "|" + r.getAs("feature"),
                k -> new ArrayList<>())
            .add(r);
      }
      for (List<Row> cell : cells.values()) {
        Row head = headline(cell);
        List<String> breached = new ArrayList<>();
        cell.stream()
            .filter(r -> r.<Boolean>getAs("breached"))
            .forEach(r -> breached.add(r.getAs("statistic")));
        drift.add(
            new MonitoringPageData.Drift(
                head.getAs("population"),
                head.<Date>getAs("logical_date").toLocalDate(),
                head.getAs("feature"),
                head.getAs("statistic"),
                head.getAs("value"),
                head.getAs("status"),
                breached));
      }
    }
    List<MonitoringPageData.Skew> skew = new ArrayList<>();
    if (lakehouse.exists(MonitoringTables.SKEW)) {
      for (Row r :
          lakehouse
              .read(MonitoringTables.SKEW)
              .where(col("model").equalTo(lit(model)))
              .orderBy(col("logical_date").desc(), col("version"), col("feature"))
              .limit(MonitoringPage.DATES * 20)
              .collectAsList()) {
        skew.add(
            new MonitoringPageData.Skew(
                r.<Date>getAs("logical_date").toLocalDate(),
                r.<Integer>getAs("version"),
                r.getAs("feature"),
                r.getAs("source"),
                r.getAs("status"),
                r.<Long>getAs("sampled"),
                r.<Long>getAs("requests"),
                r.getAs("mismatch_rate"),
                r.getAs("example")));
      }
    }
    List<MonitoringPageData.Alert> alerts = new ArrayList<>();
    for (AlertTable.Alert a : new AlertTable(lakehouse).alerts(model)) {
      alerts.add(
          0,
          new MonitoringPageData.Alert(
              a.date(),
              a.kind(),
              a.episode(),
              a.evidence(),
              a.retrain(),
              a.retrainVia(),
              a.retrainRun(),
              a.message()));
    }
    return new MonitoringPageData(
        model,
        champion,
        report,
        clock.instant(),
        performance,
        calibrationDate,
        calibration,
        drift,
        skew,
        alerts);
  }

  /** The statistic a cell shows: PSI for numbers, Jensen–Shannon distance for categories. */
  private static Row headline(List<Row> cell) {
    for (String s : List.of("psi", "js_distance", "null_share")) {
      for (Row r : cell) {
        if (r.getAs("statistic").equals(s)) {
          return r;
        }
      }
    }
    return cell.get(0);
  }
}
