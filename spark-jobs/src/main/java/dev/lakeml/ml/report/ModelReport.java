package dev.lakeml.ml.report;

import static dev.lakeml.ml.report.Markup.escape;
import static dev.lakeml.ml.report.Markup.number;

import dev.lakeml.schemas.sealed.SealedFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A trained model version as one static HTML page: header, metrics against the champion, tuning
 * results, feature importance, calibration and ROC. Self-contained (inline CSS and SVG, no script,
 * no network) and well-formed XHTML, so it opens in any browser and parses as XML.
 */
public final class ModelReport {
  /** Most features drawn in the importance chart. */
  public static final int TOP_FEATURES = 25;

  static final String NOT_AVAILABLE = "Not available for this algorithm.";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private ModelReport() {}

  /** The page as a string; the same data always gives the same page. */
  public static String render(ReportData data) {
    StringBuilder html = new StringBuilder(32_768);
    String heading = data.model() + " " + versionLabel(data);
    html.append("<!DOCTYPE html>\n")
        .append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        .append("<title>")
        .append(escape("Model report: " + heading))
        .append("</title>\n<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n");
    header(html, data);
    metrics(html, data);
    tuning(html, data);
    importance(html, data);
    calibration(html, data);
    roc(html, data);
    html.append("<footer>lakeml model report for run ")
        .append(escape(data.runId()))
        .append("</footer>\n</body>\n</html>\n");
    return html.toString();
  }

  /**
   * Writes the page to {@code file} atomically: a temporary file in the same folder, then a move
   * over the target, so a reader never sees half a page. Creates the folder when missing.
   */
  public static void write(ReportData data, Path file) {
    String page = render(data);
    Path target = file.toAbsolutePath();
    try {
      Files.createDirectories(target.getParent());
      SealedFolder.writeAtomically(target, page);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not write the model report of "
              + data.model()
              + " (run "
              + data.runId()
              + ") to "
              + target
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static String versionLabel(ReportData d) {
    return d.version() == null ? "(unregistered)" : Markup.version(d.version());
  }

  private static void header(StringBuilder html, ReportData d) {
    html.append("<header>\n<h1>")
        .append(escape(d.model()))
        .append(" <span class=\"version\">")
        .append(escape(versionLabel(d)))
        .append("</span></h1>\n<table class=\"facts\">\n");
    fact(html, "Run", d.runId());
    fact(html, "Algorithm", d.algorithm() + " (" + d.task() + ")");
    fact(html, "Started", TIME.format(d.startedAt()));
    fact(
        html,
        "Duration",
        Double.isFinite(d.seconds()) ? String.format(Locale.ROOT, "%.1f s", d.seconds()) : "n/a");
    fact(html, "Training set build", d.trainingSetBuild() == null ? "n/a" : d.trainingSetBuild());
    fact(html, "Training rows", Markup.count(d.trainRows()));
    fact(
        html,
        "Validation rows",
        Markup.count(d.validationRows())
            + (d.validateFrom() == null ? "" : " (from " + d.validateFrom() + ")"));
    fact(
        html,
        "Primary metric",
        d.primaryMetric() + (d.higherIsBetter() ? " (higher is better)" : " (lower is better)"));
    html.append("</table>\n<p id=\"monitoring-link\"><a href=\"../")
        .append(MonitoringPage.FILE)
        .append("\">")
        .append(escape(d.model()))
        .append(" in production</a>: drift, performance, online/offline skew and alerts, as")
        .append(" lakeml monitor last wrote them.</p>\n<h2>Input tables</h2>\n");
    if (d.inputTables().isEmpty()) {
      html.append("<p class=\"na\">No input tables recorded.</p>\n");
    } else {
      html.append("<table id=\"inputs\">\n<tr><th>table</th><th>Delta version</th></tr>\n");
      d.inputTables()
          .forEach(
              (table, version) ->
                  html.append("<tr><td>")
                      .append(escape(table))
                      .append("</td><td class=\"num\">")
                      .append(version == null ? "n/a" : version)
                      .append("</td></tr>\n"));
      html.append("</table>\n");
    }
    html.append("</header>\n");
  }

  private static void fact(StringBuilder html, String name, String value) {
    html.append("<tr><th>")
        .append(escape(name))
        .append("</th><td>")
        .append(escape(value))
        .append("</td></tr>\n");
  }

  private static void metrics(StringBuilder html, ReportData d) {
    html.append("<section id=\"metrics\">\n<h2>Validation metrics</h2>\n");
    ReportData.Champion champion = d.champion();
    if (d.metrics().isEmpty()) {
      html.append("<p class=\"na\">No metrics were recorded.</p>\n</section>\n");
      return;
    }
    html.append("<table>\n<tr><th>metric</th><th>this version</th>");
    if (champion != null) {
      html.append("<th>champion ")
          .append(escape(Markup.version(champion.version())))
          .append("</th><th>difference</th>");
    }
    html.append("</tr>\n");
    Set<String> names = new LinkedHashSet<>(d.metrics().keySet());
    if (champion != null) {
      names.addAll(champion.metrics().keySet());
    }
    for (String name : names) {
      boolean primary = name.equals(d.primaryMetric());
      html.append(primary ? "<tr class=\"primary\"><td>" : "<tr><td>")
          .append(escape(name))
          .append(primary ? " (primary)" : "")
          .append("</td><td class=\"num\">")
          .append(number(d.metrics().get(name)))
          .append("</td>");
      if (champion != null) {
        html.append("<td class=\"num\">")
            .append(number(champion.metrics().get(name)))
            .append("</td><td class=\"num\">")
            .append(Markup.difference(d.metrics().get(name), champion.metrics().get(name)))
            .append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
    if (champion == null) {
      html.append("<p id=\"no-champion\">There is no champion yet: nothing to compare with.</p>\n");
    } else {
      List<Charts.Group> groups = new ArrayList<>();
      for (String name : names) {
        Double mine = d.metrics().get(name);
        Double theirs = champion.metrics().get(name);
        groups.add(
            new Charts.Group(
                name,
                List.of(
                    new Charts.Bar(value(mine), "s0", name + ", this version: " + number(mine)),
                    new Charts.Bar(
                        value(theirs),
                        "s1",
                        name
                            + ", champion "
                            + Markup.version(champion.version())
                            + ": "
                            + number(theirs)))));
      }
      html.append(
          Charts.bars(
              "metrics-chart",
              "This version vs the champion",
              "value",
              groups,
              List.of(
                  new Charts.Series("this version", "s0"),
                  new Charts.Series("champion " + Markup.version(champion.version()), "s1"))));
      html.append("<p id=\"comparison\">").append(escape(comparison(d, champion))).append("</p>\n");
    }
    if (d.gateDecision() != null) {
      html.append("<p id=\"gate\" class=\"gate\">Gate decision: ")
          .append(escape(d.gateDecision()))
          .append("</p>\n");
    }
    html.append("</section>\n");
  }

  private static String comparison(ReportData d, ReportData.Champion champion) {
    String metric = d.primaryMetric();
    Double mine = d.metrics().get(metric);
    Double theirs = champion.metrics().get(metric);
    String head =
        "On "
            + metric
            + " this version scores "
            + number(mine)
            + " against the champion's "
            + number(theirs)
            + " ("
            + Markup.version(champion.version())
            + ", rescored on the same validation window)";
    if (mine == null || theirs == null || !Double.isFinite(mine) || !Double.isFinite(theirs)) {
      return head + "; the two cannot be compared.";
    }
    if (mine.doubleValue() == theirs.doubleValue()) {
      return head + ": a tie.";
    }
    boolean better = d.higherIsBetter() ? mine > theirs : mine < theirs;
    return head
        + ": "
        + (better ? "better" : "worse")
        + " by "
        + number(Math.abs(mine - theirs))
        + (d.higherIsBetter() ? " (higher is better)." : " (lower is better).");
  }

  private static void tuning(StringBuilder html, ReportData d) {
    html.append("<section id=\"tuning\">\n<h2>Tuning</h2>\n");
    if (d.candidates().isEmpty()) {
      notAvailable(html);
      return;
    }
    String metric = d.primaryMetric();
    List<Charts.Group> groups = new ArrayList<>();
    for (ReportData.Candidate c : d.candidates()) {
      Double v = c.metrics().get(metric);
      groups.add(
          new Charts.Group(
              "#" + c.index(),
              List.of(
                  new Charts.Bar(
                      value(v),
                      c.chosen() ? "s0 chosen" : "s1",
                      "candidate #"
                          + c.index()
                          + (c.chosen() ? " (chosen)" : "")
                          + ": "
                          + metric
                          + " "
                          + number(v)
                          + "; "
                          + c.params()))));
    }
    html.append(
        Charts.bars(
            "tuning-chart",
            metric + " per candidate (" + d.candidates().size() + ")",
            metric,
            groups,
            List.of(
                new Charts.Series("chosen", "s0 chosen"), new Charts.Series("candidate", "s1"))));
    Set<String> params = new LinkedHashSet<>();
    Set<String> metrics = new LinkedHashSet<>();
    for (ReportData.Candidate c : d.candidates()) {
      params.addAll(c.params().keySet());
      metrics.addAll(c.metrics().keySet());
    }
    html.append("<table id=\"candidates\">\n<tr><th>#</th>");
    params.forEach(p -> html.append("<th>").append(escape(p)).append("</th>"));
    metrics.forEach(m -> html.append("<th>").append(escape(m)).append("</th>"));
    html.append("<th>fit seconds</th><th>chosen</th></tr>\n");
    for (ReportData.Candidate c : d.candidates()) {
      html.append(c.chosen() ? "<tr class=\"chosen\">" : "<tr>")
          .append("<td class=\"num\">")
          .append(c.index())
          .append("</td>");
      for (String p : params) {
        html.append("<td>").append(escape(c.params().getOrDefault(p, ""))).append("</td>");
      }
      for (String m : metrics) {
        html.append("<td class=\"num\">").append(number(c.metrics().get(m))).append("</td>");
      }
      html.append("<td class=\"num\">")
          .append(number(c.fitSeconds()))
          .append("</td><td>")
          .append(c.chosen() ? "\u2713" : "")
          .append("</td></tr>\n");
    }
    html.append("</table>\n</section>\n");
  }

  private static void importance(StringBuilder html, ReportData d) {
    html.append("<section id=\"importance\">\n<h2>Feature importance</h2>\n");
    if (d.importance().isEmpty()) {
      notAvailable(html);
      return;
    }
    List<ReportData.Importance> sorted =
        d.importance().stream()
            .sorted(
                Comparator.comparingDouble(
                        (ReportData.Importance i) ->
                            Double.isFinite(i.gain()) ? i.gain() : Double.NEGATIVE_INFINITY)
                    .reversed())
            .limit(TOP_FEATURES)
            .toList();
    List<Charts.Row> rows =
        sorted.stream()
            .map(i -> new Charts.Row(i.feature(), i.gain(), i.feature() + ": " + number(i.gain())))
            .toList();
    String title =
        d.importance().size() > TOP_FEATURES
            ? "Gain, top " + TOP_FEATURES + " of " + d.importance().size() + " features"
            : "Gain per feature";
    html.append(Charts.horizontalBars("importance-chart", title, "gain", rows))
        .append("</section>\n");
  }

  private static void calibration(StringBuilder html, ReportData d) {
    html.append("<section id=\"calibration\">\n<h2>Calibration</h2>\n");
    if (d.calibration().isEmpty()) {
      notAvailable(html);
      return;
    }
    long maxRows = d.calibration().stream().mapToLong(b -> b.rows()).max().orElse(1);
    List<Charts.Dot> dots = new ArrayList<>();
    List<Charts.Group> counts = new ArrayList<>();
    for (ReportData.CalibrationBin b : d.calibration()) {
      String range = "[" + number(b.lower()) + ", " + number(b.upper()) + ")";
      double radius = 3 + 9 * Math.sqrt(maxRows > 0 ? (double) b.rows() / maxRows : 0);
      dots.add(
          new Charts.Dot(
              b.meanPredicted(),
              b.observedRate(),
              radius,
              "bin "
                  + b.bin()
                  + " "
                  + range
                  + ": mean predicted "
                  + number(b.meanPredicted())
                  + ", observed "
                  + number(b.observedRate())
                  + ", "
                  + Markup.count(b.rows())
                  + " rows"));
      counts.add(
          new Charts.Group(
              String.valueOf(b.bin()),
              List.of(
                  new Charts.Bar(
                      b.rows(),
                      Markup.count(b.rows()),
                      "s1",
                      "bin " + b.bin() + " " + range + ": " + Markup.count(b.rows()) + " rows"))));
    }
    html.append("<div class=\"charts\">\n")
        .append(
            Charts.unitPlot(
                "calibration-chart",
                "Reliability: observed rate vs mean predicted",
                "mean predicted probability",
                "observed positive rate",
                List.of(),
                dots,
                List.of()))
        .append(
            Charts.bars(
                "calibration-rows-chart", "Validation rows per bin", "rows", counts, List.of()))
        .append("</div>\n<table id=\"calibration-table\">\n")
        .append(
            "<tr><th>bin</th><th>range</th><th>rows</th><th>mean predicted</th>"
                + "<th>observed rate</th></tr>\n");
    for (ReportData.CalibrationBin b : d.calibration()) {
      html.append("<tr><td class=\"num\">")
          .append(b.bin())
          .append("</td><td>")
          .append(number(b.lower()))
          .append(" \u2013 ")
          .append(number(b.upper()))
          .append("</td><td class=\"num\">")
          .append(Markup.count(b.rows()))
          .append("</td><td class=\"num\">")
          .append(number(b.meanPredicted()))
          .append("</td><td class=\"num\">")
          .append(number(b.observedRate()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n</section>\n");
  }

  private static void roc(StringBuilder html, ReportData d) {
    html.append("<section id=\"roc\">\n<h2>ROC curve</h2>\n");
    if (d.roc().isEmpty()) {
      notAvailable(html);
      return;
    }
    Double auc = d.metrics().get("auc_roc");
    html.append(
            Charts.unitPlot(
                "roc-chart",
                "ROC" + (auc == null ? "" : " (AUC " + number(auc) + ")"),
                "false positive rate",
                "true positive rate",
                d.roc(),
                List.of(),
                List.of()))
        .append("</section>\n");
  }

  private static void notAvailable(StringBuilder html) {
    html.append("<p class=\"na\">").append(NOT_AVAILABLE).append("</p>\n</section>\n");
  }

  private static double value(Double v) {
    return v == null ? Double.NaN : v;
  }

  /** Every class the charts use; no external fonts or images. */
  /** The report's style sheet, which the monitoring page shares. */
  static String css() {
    return CSS;
  }

  private static final String CSS =
      String.join(
          "\n",
          "body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;"
              + " max-width: 72rem; padding: 0 1rem; color: #1f2328; }",
          "h1 { margin-bottom: 0.3rem; } h1 .version { color: #57606a; font-weight: normal; }",
          "h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.2rem; margin-top: 2rem; }",
          "table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }",
          "th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left; }",
          "th { background: #f6f8fa; } td.num { text-align: right;"
              + " font-variant-numeric: tabular-nums; }",
          "table.facts th { width: 11rem; } tr.primary td, tr.chosen td { font-weight: 600; }",
          "tr.chosen td { background: #fff4e5; }",
          ".na { color: #57606a; font-style: italic; } .gate { font-weight: 600; }",
          ".charts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }",
          "svg.chart { max-width: 100%; height: auto; font-size: 11px; display: block;"
              + " margin: 0.5rem 0; }",
          ".chart-title { font-size: 13px; font-weight: 600; fill: #1f2328; }",
          ".axis { stroke: #57606a; stroke-width: 1; } .grid { stroke: #eaeef2; stroke-width: 1; }",
          ".tick, .label, .legend, .axis-label { fill: #57606a; } .value { fill: #1f2328;"
              + " font-size: 10px; }",
          ".bar.s0, .legend-key.s0 { fill: #0969da; } .bar.s1, .legend-key.s1 { fill: #8c959f; }",
          ".bar.chosen, .legend-key.chosen { fill: #e16f24; } .bar.hbar { fill: #0969da; }",
          ".bar:hover, .point:hover { opacity: 0.75; }",
          ".diagonal { stroke: #8c959f; stroke-dasharray: 4 4; stroke-width: 1; }",
          ".curve { fill: none; stroke: #0969da; stroke-width: 2; }",
          ".point { fill: #0969da; fill-opacity: 0.6; stroke: #0550ae; }",
          "footer { margin-top: 3rem; color: #8c959f; font-size: 0.8rem; }",
          "");
}
