package dev.lakeml.ml.report;

import static dev.lakeml.ml.report.Markup.escape;
import static dev.lakeml.ml.report.Markup.number;

import dev.lakeml.schemas.sealed.SealedFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A model in production as one static HTML page, beside its versions' reports: alerts, the
 * performance trend with the dates whose labels are not mature yet marked, calibration, drift per
 * column over time, and online/offline skew. Self-contained like {@link ModelReport} (inline CSS
 * and SVG, no script, no network) and well-formed XHTML.
 */
public final class MonitoringPage {
  /** The page's file name, in the model's artifacts folder (beside each version's folder). */
  public static final String FILE = "monitoring.html";

  /** Most dates drawn (the newest ones). */
  public static final int DATES = 30;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private MonitoringPage() {}

  /** The page as a string; the same data always gives the same page. */
  public static String render(MonitoringPageData d) {
    StringBuilder html = new StringBuilder(32_768);
    html.append("<!DOCTYPE html>\n")
        .append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        .append("<title>")
        .append(escape("Monitoring: " + d.model()))
        .append("</title>\n<style>\n")
        .append(ModelReport.css())
        .append(CSS)
        .append("</style>\n</head>\n<body>\n<header>\n<h1>")
        .append(escape(d.model()))
        .append(" <span class=\"version\">in production</span></h1>\n<p id=\"champion\">");
    if (d.champion() == null) {
      html.append("No champion.");
    } else {
      html.append("Champion: ");
      if (d.championReport() != null) {
        html.append("<a href=\"")
            .append(escape(d.championReport()))
            .append("\">")
            .append(escape(Markup.version(String.valueOf(d.champion()))))
            .append(" (its report)</a>");
      } else {
        html.append(escape(Markup.version(String.valueOf(d.champion()))));
      }
    }
    html.append(" Written by lakeml monitor at ")
        .append(escape(TIME.format(d.generatedAt())))
        .append(".</p>\n</header>\n");
    alerts(html, d);
    performance(html, d);
    drift(html, d);
    skew(html, d);
    html.append("<footer>lakeml monitoring page of ")
        .append(escape(d.model()))
        .append("</footer>\n</body>\n</html>\n");
    return html.toString();
  }

  /** Writes the page atomically (see {@link ModelReport#write}). */
  public static void write(MonitoringPageData data, Path file) {
    Path target = file.toAbsolutePath();
    try {
      Files.createDirectories(target.getParent());
      SealedFolder.writeAtomically(target, render(data));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not write the monitoring page of "
              + data.model()
              + " to "
              + target
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static void alerts(StringBuilder html, MonitoringPageData d) {
    html.append("<section id=\"alerts\">\n<h2>Alerts</h2>\n");
    if (d.alerts().isEmpty()) {
      html.append("<p class=\"na\">No alert has been raised.</p>\n</section>\n");
      return;
    }
    html.append(
        "<table>\n<tr><th>date</th><th>kind</th><th>evidence</th><th>retrain</th>"
            + "<th>run</th></tr>\n");
    for (MonitoringPageData.Alert a : d.alerts()) {
      html.append("<tr class=\"")
          .append(a.retrain().equals("failed") ? "failed" : "alert")
          .append("\"><td>")
          .append(a.date())
          .append("</td><td>")
          .append(escape(a.kind()))
          .append("</td><td>")
          .append(escape(a.evidence()))
          .append("</td><td>")
          .append(escape(a.retrain() + (a.message() == null ? "" : ": " + a.message())))
          .append("</td><td>")
          .append(
              escape(
                  a.retrainRun() == null
                      ? ""
                      : (a.retrainVia() == null ? "" : a.retrainVia() + " ") + a.retrainRun()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n</section>\n");
  }

  private static void performance(StringBuilder html, MonitoringPageData d) {
    html.append("<section id=\"performance\">\n<h2>Performance as labels mature</h2>\n");
    List<MonitoringPageData.Performance> rows = newest(d.performance());
    if (rows.isEmpty()) {
      html.append("<p class=\"na\">No prediction date has been judged yet")
          .append(" (lakeml monitor performance).</p>\n</section>\n");
      return;
    }
    // The metrics in the table: every one a date has, but the base rate and mean score; the two
    // drawn: AUC-ROC and AUC-PR for a classifier, MAP and recall at k for a recommender.
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    rows.forEach(p -> names.addAll(p.metrics().keySet()));
    names.removeAll(List.of("base_rate", "mean_score"));
    List<String> drawn = new ArrayList<>();
    for (String prefix : List.of("auc_roc", "auc_pr", "map_at_", "recall_at_")) {
      names.stream().filter(n -> n.startsWith(prefix)).findFirst().ifPresent(drawn::add);
    }
    List<String> dates = new ArrayList<>();
    List<Integer> immature = new ArrayList<>();
    List<Charts.Line> lines = new ArrayList<>();
    List<String> css = List.of("s0", "chosen");
    for (int l = 0; l < Math.min(2, drawn.size()); l++) {
      List<Double> values = new ArrayList<>();
      for (MonitoringPageData.Performance p : rows) {
        values.add(value(p.metrics().get(drawn.get(l))));
      }
      lines.add(new Charts.Line(drawn.get(l), css.get(l), values));
    }
    for (int i = 0; i < rows.size(); i++) {
      dates.add(rows.get(i).date().toString());
      if (rows.get(i).status().equals("immature")) {
        immature.add(i);
      }
    }
    html.append("<div class=\"charts\">\n")
        .append(
            Charts.trend(
                "performance-chart",
                "Per prediction date (shaded: labels not mature yet)",
                "value",
                dates,
                lines,
                immature,
                "labels not mature yet"));
    calibration(html, d);
    html.append("</div>\n<table id=\"performance-table\">\n<tr><th>date</th><th>version</th>")
        .append("<th>status</th><th>rows</th>");
    for (String n : names) {
      html.append("<th>").append(escape(n)).append("</th>");
    }
    String primary = drawn.size() > 1 ? drawn.get(1) : drawn.isEmpty() ? null : drawn.get(0);
    if (primary != null) {
      html.append("<th>validation ").append(escape(primary)).append("</th>");
    }
    html.append("</tr>\n");
    for (MonitoringPageData.Performance p : rows) {
      html.append(p.status().equals("ok") ? "<tr>" : "<tr class=\"immature\">")
          .append("<td>")
          .append(p.date())
          .append("</td><td class=\"num\">")
          .append(p.version())
          .append("</td><td>")
          .append(
              escape(
                  p.status().equals("immature") && p.labelsKnownAt() != null
                      ? "immature until " + TIME.format(p.labelsKnownAt())
                      : p.status()))
          .append("</td><td class=\"num\">")
          .append(Markup.count(p.rows()))
          .append("</td>");
      for (String m : names) {
        html.append("<td class=\"num\">").append(number(p.metrics().get(m))).append("</td>");
      }
      if (primary != null) {
        html.append("<td class=\"num\">")
            .append(number(p.validation().get(primary)))
            .append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n</section>\n");
  }

  private static void calibration(StringBuilder html, MonitoringPageData d) {
    if (d.calibrationDate() == null || d.calibration().isEmpty()) {
      return;
    }
    List<Double> scores = array(d.calibration().get("mean_scores"));
    List<Double> rates = array(d.calibration().get("rates"));
    List<Double> counts = array(d.calibration().get("rows"));
    double most = counts.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    List<ReportData.CurvePoint> curve = new ArrayList<>();
    List<Charts.Dot> dots = new ArrayList<>();
    for (int i = 0; i < Math.min(scores.size(), rates.size()); i++) {
      curve.add(new ReportData.CurvePoint(scores.get(i), rates.get(i)));
      double n = i < counts.size() ? counts.get(i) : 0;
      dots.add(
          new Charts.Dot(
              scores.get(i),
              rates.get(i),
              3 + 7 * Math.sqrt(n / Math.max(1, most)),
              String.format(
                  Locale.ROOT,
                  "mean score %s, rate of label 1 %s, %,d rows",
                  number(scores.get(i)),
                  number(rates.get(i)),
                  (long) n)));
    }
    html.append(
        Charts.unitPlot(
            "calibration-chart",
            "Calibration on " + d.calibrationDate(),
            "mean score",
            "share of label 1",
            curve,
            dots,
            List.of()));
  }

  private static void drift(StringBuilder html, MonitoringPageData d) {
    html.append("<section id=\"drift\">\n<h2>Drift per column over time</h2>\n")
        .append("<p>PSI for numbers, Jensen&#8211;Shannon distance for categories, against the")
        .append(" champion's training set: red where that statistic breached its threshold, amber")
        .append(" where only another one did (hover for which), green where none did.</p>\n");
    boolean any = false;
    for (String population : List.of("batch", "online")) {
      List<MonitoringPageData.Drift> cells =
          d.drift().stream().filter(c -> c.population().equals(population)).toList();
      TreeSet<LocalDate> dates = new TreeSet<>();
      cells.stream().filter(c -> c.value() != null).forEach(c -> dates.add(c.date()));
      if (dates.isEmpty()) {
        continue;
      }
      any = true;
      List<LocalDate> shown =
          new ArrayList<>(dates.descendingSet()).subList(0, Math.min(DATES, dates.size()));
      java.util.Collections.reverse(shown);
      Map<String, Map<LocalDate, MonitoringPageData.Drift>> byFeature = new LinkedHashMap<>();
      for (MonitoringPageData.Drift c : cells) {
        byFeature.computeIfAbsent(c.feature(), k -> new LinkedHashMap<>()).put(c.date(), c);
      }
      html.append("<h3>")
          .append(population.equals("batch") ? "Nightly predictions" : "Online requests")
          .append("</h3>\n<table class=\"heatmap\" id=\"drift-")
          .append(population)
          .append("\">\n<tr><th>column</th>");
      for (LocalDate date : shown) {
        html.append("<th>").append(date.toString().substring(5)).append("</th>");
      }
      html.append("</tr>\n");
      for (Map.Entry<String, Map<LocalDate, MonitoringPageData.Drift>> f : byFeature.entrySet()) {
        html.append("<tr><td>").append(escape(f.getKey())).append("</td>");
        for (LocalDate date : shown) {
          MonitoringPageData.Drift c = f.getValue().get(date);
          if (c == null || c.value() == null) {
            html.append("<td class=\"num empty\" title=\"")
                .append(escape(c == null ? "not measured" : c.status()))
                .append("\"></td>");
            continue;
          }
          html.append("<td class=\"num ")
              .append(
                  c.breached().contains(c.statistic())
                      ? "breached"
                      : c.breached().isEmpty() ? "calm" : "other")
              .append("\" title=\"")
              .append(
                  escape(
                      c.feature()
                          + " on "
                          + date
                          + ": "
                          + c.statistic()
                          + " "
                          + number(c.value())
                          + (c.breached().isEmpty()
                              ? ""
                              : "; breached: " + String.join(", ", c.breached()))))
              .append("\">")
              .append(number(c.value()))
              .append("</td>");
        }
        html.append("</tr>\n");
      }
      html.append("</table>\n");
    }
    if (!any) {
      html.append("<p class=\"na\">No drift has been measured yet")
          .append(" (lakeml monitor drift, for classifiers).</p>\n");
    }
    html.append("</section>\n");
  }

  private static void skew(StringBuilder html, MonitoringPageData d) {
    html.append("<section id=\"skew\">\n<h2>Online/offline skew</h2>\n")
        .append("<p>The inputs the API used for a sample of each day's requests, against the")
        .append(" offline point-in-time values at the request's time.</p>\n");
    if (d.skew().isEmpty()) {
      html.append("<p class=\"na\">No skew has been measured yet")
          .append(" (lakeml monitor skew, for the classifiers the API scores).</p>\n");
      html.append("</section>\n");
      return;
    }
    html.append(
        "<table id=\"skew-table\">\n<tr><th>date</th><th>version</th><th>input</th>"
            + "<th>source</th><th>status</th><th>sampled</th><th>mismatch rate</th>"
            + "<th>example</th></tr>\n");
    java.util.Set<String> quiet = new java.util.HashSet<>();
    for (MonitoringPageData.Skew s : d.skew()) {
      String day = s.date() + "|" + s.version();
      if (quiet.contains(day)) {
        continue;
      }
      if (d.skew().stream()
          .filter(o -> o.date().equals(s.date()) && o.version() == s.version())
          .allMatch(o -> o.status().equals("no data"))) {
        quiet.add(day);
        html.append("<tr class=\"immature\"><td>")
            .append(s.date())
            .append("</td><td class=\"num\">")
            .append(s.version())
            .append("</td><td colspan=\"6\">no request of this version was logged that day</td>")
            .append("</tr>\n");
        continue;
      }
      boolean bad = s.mismatchRate() != null && s.mismatchRate() > 0;
      html.append(bad ? "<tr class=\"failed\">" : "<tr>")
          .append("<td>")
          .append(s.date())
          .append("</td><td class=\"num\">")
          .append(s.version())
          .append("</td><td>")
          .append(escape(s.feature()))
          .append("</td><td>")
          .append(escape(s.source()))
          .append("</td><td>")
          .append(escape(s.status()))
          .append("</td><td class=\"num\">")
          .append(Markup.count(s.sampled()))
          .append(" of ")
          .append(Markup.count(s.requests()))
          .append("</td><td class=\"num\">")
          .append(number(s.mismatchRate()))
          .append("</td><td>")
          .append(escape(s.example() == null ? "" : s.example()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n</section>\n");
  }

  private static List<MonitoringPageData.Performance> newest(
      List<MonitoringPageData.Performance> all) {
    return all.size() <= DATES ? all : all.subList(all.size() - DATES, all.size());
  }

  private static double value(Double v) {
    return v == null ? Double.NaN : v;
  }

  /** A JSON array of numbers as written by the performance job ({@code [0.1,0.2]}). */
  static List<Double> array(String json) {
    List<Double> out = new ArrayList<>();
    if (json == null) {
      return out;
    }
    String body = json.trim();
    if (body.startsWith("[")) {
      body = body.substring(1);
    }
    if (body.endsWith("]")) {
      body = body.substring(0, body.length() - 1);
    }
    for (String part : body.split(",")) {
      if (!part.isBlank()) {
        try {
          out.add(Double.parseDouble(part.trim()));
        } catch (NumberFormatException e) {
          out.add(Double.NaN);
        }
      }
    }
    return out;
  }

  private static final String CSS =
      String.join(
          "\n",
          "tr.immature td { color: #57606a; background: #f6f8fa; }",
          "tr.failed td { background: #ffebe9; } tr.alert td { background: #fff8c5; }",
          ".marked { fill: #eaeef2; }",
          ".curve.chosen { stroke: #e16f24; } .point.chosen { fill: #e16f24; stroke: #bc4c00; }",
          "table.heatmap td { min-width: 2.6rem; font-size: 0.8rem; }",
          "td.calm { background: #dafbe1; } td.breached { background: #ffcecb; font-weight: 600; }",
          "td.other { background: #fff1c2; }",
          "td.empty { background: #f6f8fa; }",
          "");
}
