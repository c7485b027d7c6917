package dev.lakeml.ml.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lakeml.ml.report.ReportData.CalibrationBin;
import dev.lakeml.ml.report.ReportData.Candidate;
import dev.lakeml.ml.report.ReportData.Champion;
import dev.lakeml.ml.report.ReportData.CurvePoint;
import dev.lakeml.ml.report.ReportData.Importance;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

class ModelReportTest {
  private static final String XHTML = "http://www.w3.org/1999/xhtml";
  private static final String SVG = "http://www.w3.org/2000/svg";

  @TempDir Path tmp;

  @Test
  void rendersWellFormedXhtmlWithEverySection() throws Exception {
    Document doc = parse(ModelReport.render(report().build()));

    Element html = doc.getDocumentElement();
    assertThat(html.getLocalName()).isEqualTo("html");
    assertThat(html.getNamespaceURI()).isEqualTo(XHTML);
    assertThat(text(doc, "title")).isEqualTo("Model report: customer_churn v3");
    assertThat(doc.getElementsByTagNameNS(XHTML, "script").getLength()).isZero();
    for (String id :
        List.of(
            "metrics-chart",
            "tuning-chart",
            "importance-chart",
            "calibration-chart",
            "calibration-rows-chart",
            "roc-chart")) {
      assertThat(svg(doc, id).getNamespaceURI()).as(id).isEqualTo(SVG);
    }
    String page = ModelReport.render(report().build());
    // Self-contained: no scripts or fetched resources; the only URIs are namespaces, and the one
    // link is to the model's monitoring page beside the versions' folders.
    assertThat(page).startsWith("<!DOCTYPE html>");
    assertThat(page).containsOnlyOnce("href=\"../monitoring.html\"");
    assertThat(
            page.replace("xmlns=\"" + XHTML + "\"", "")
                .replace("xmlns=\"" + SVG + "\"", "")
                .replace("href=\"../monitoring.html\"", ""))
        .doesNotContain("http:", "https:", "src=", "href=", "url(", "@import");
  }

  @Test
  void headerNamesRunInputsAndRows() throws Exception {
    Document doc = parse(ModelReport.render(report().build()));
    String header = text(doc, "header");

    assertThat(header)
        .contains("customer_churn", "v3", "run-0001", "xgboost", "2026-11-20 06:00:00 UTC")
        .contains("ts-build-7", "12,000", "3,000", "2026-10-01")
        .contains("features.customer_activity", "42", "labels.churned", "7");
  }

  @Test
  void drawsOneBarPerCandidateAndHighlightsTheChosenOne() throws Exception {
    Document doc = parse(ModelReport.render(report().build()));

    List<Element> bars = bars(svg(doc, "tuning-chart"));
    assertThat(bars).hasSize(4);
    List<Element> chosen =
        bars.stream().filter(b -> b.getAttribute("class").contains("chosen")).toList();
    assertThat(chosen).hasSize(1);
    assertThat(Double.parseDouble(chosen.get(0).getAttribute("data-value"))).isEqualTo(0.8);
    assertThat(text(chosen.get(0), "title")).contains("candidate #2 (chosen)", "max_depth=6");
    Element row = rowsOf(doc, "candidates").get(3);
    assertThat(row.getAttribute("class")).isEqualTo("chosen");
  }

  @Test
  void barHeightsAreProportionalToTheirValues() throws Exception {
    Document doc = parse(ModelReport.render(report().build()));

    List<Element> bars = bars(svg(doc, "tuning-chart"));
    // Candidates 0 and 2 score 0.4 and 0.8: the second bar is twice as tall, same baseline.
    double h0 = number(bars.get(0), "height");
    double h2 = number(bars.get(2), "height");
    assertThat(h2 / h0).isCloseTo(2.0, within(0.01));
    assertThat(number(bars.get(0), "y") + h0)
        .isCloseTo(number(bars.get(2), "y") + h2, within(0.01));
  }

  @Test
  void sortsImportanceByGainAndKeepsTheTop25() throws Exception {
    List<Importance> importance = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      importance.add(new Importance("f" + i, i));
    }
    Document doc = parse(ModelReport.render(report().importance(importance).build()));

    Element chart = svg(doc, "importance-chart");
    List<Element> bars = bars(chart);
    assertThat(bars).hasSize(25);
    assertThat(bars.stream().map(b -> number(b, "data-value")).toList())
        .startsWith(30.0, 29.0, 28.0)
        .endsWith(6.0);
    assertThat(number(bars.get(0), "width") / number(bars.get(24), "width"))
        .isCloseTo(30.0 / 6.0, within(0.01));
    assertThat(text(chart, "text")).contains("top 25 of 30 features");
  }

  @Test
  void escapesNamesParametersAndFeatures() throws Exception {
    ReportData data =
        report()
            .model("churn<b>&amp;</b>")
            .importance(List.of(new Importance("<script>alert('x')</script>", 3.0)))
            .candidates(
                List.of(
                    new Candidate(
                        0, Map.of("where", "a\"<b>'"), Map.of("auc_roc", 0.7), 1.0, true)))
            .inputTables(Map.of("bronze.<evil>", 1L))
            .build();

    String page = ModelReport.render(data);
    Document doc = parse(page);

    assertThat(page)
        .doesNotContain("<script>", "<b>", "<evil>")
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        .contains("churn&lt;b&gt;&amp;amp;&lt;/b&gt;");
    assertThat(doc.getElementsByTagNameNS("*", "script").getLength()).isZero();
    assertThat(text(doc, "h1")).startsWith("churn<b>&amp;</b>");
    assertThat(text(doc, "table")).isNotNull();
    assertThat(page).contains("a&quot;&lt;b&gt;&#39;");
  }

  @Test
  void showsNaAndNoBrokenCoordinatesForNonFiniteValues() throws Exception {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("auc_roc", Double.NaN);
    metrics.put("log_loss", Double.POSITIVE_INFINITY);
    ReportData data =
        report()
            .metrics(metrics)
            .champion(new Champion("2", "run-0000", Map.of("auc_roc", 0.7, "log_loss", 0.5)))
            .candidates(
                List.of(
                    new Candidate(0, Map.of(), Map.of("auc_roc", Double.NaN), 1.0, false),
                    new Candidate(1, Map.of(), Map.of("auc_roc", 0.6), Double.NaN, true)))
            .importance(List.of(new Importance("a", Double.NaN), new Importance("b", 2.0)))
            .calibration(
                List.of(
                    new CalibrationBin(0, 0, 0.1, 0, Double.NaN, Double.NaN),
                    new CalibrationBin(1, 0.1, 0.2, 10, 0.15, 0.2)))
            .roc(
                List.of(
                    new CurvePoint(0, 0), new CurvePoint(Double.NaN, 0.5), new CurvePoint(1, 1)))
            .build();

    String page = ModelReport.render(data);
    Document doc = parse(page);

    assertThat(page).doesNotContain("NaN", "Infinity");
    assertThat(text(doc, "section")).contains("n/a");
    assertFiniteCoordinates(doc);
    assertThat(bars(svg(doc, "tuning-chart"))).hasSize(1);
    assertThat(bars(svg(doc, "importance-chart"))).hasSize(1);
    assertThat(svg(doc, "calibration-chart").getElementsByTagNameNS(SVG, "circle").getLength())
        .isEqualTo(1);
    Element curve = (Element) svg(doc, "roc-chart").getElementsByTagNameNS(SVG, "polyline").item(0);
    assertThat(curve.getAttribute("points").split(" ")).hasSize(2);
    assertThat(text(doc, "p")).isNotNull();
    assertThat(textById(doc, "comparison")).contains("cannot be compared");
  }

  @Test
  void rendersARankingModelWithoutCalibrationRocOrImportance() throws Exception {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("precision_at_10", 0.12);
    metrics.put("recall_at_10", 0.31);
    metrics.put("map_at_10", 0.08);
    ReportData data =
        report()
            .algorithm("als")
            .task("ranking")
            .primaryMetric("map_at_10")
            .metrics(metrics)
            .candidates(
                List.of(
                    new Candidate(0, Map.of("rank", "10"), metrics, 4.0, true),
                    new Candidate(1, Map.of("rank", "20"), Map.of("map_at_10", 0.07), 6.0, false)))
            .importance(List.of())
            .calibration(List.of())
            .roc(List.of())
            .champion(null)
            .gateDecision(null)
            .build();

    Document doc = parse(ModelReport.render(data));

    for (String section : List.of("importance", "calibration", "roc")) {
      assertThat(textById(doc, section)).as(section).contains("Not available for this algorithm.");
      assertThat(byId(doc, section).getElementsByTagNameNS(SVG, "svg").getLength()).isZero();
    }
    assertThat(bars(svg(doc, "tuning-chart"))).hasSize(2);
    assertThat(textById(doc, "metrics"))
        .contains("precision_at_10", "0.1200", "map_at_10 (primary)");
  }

  @Test
  void comparesWithTheChampionWhenThereIsOne() throws Exception {
    Document doc = parse(ModelReport.render(report().build()));

    Element chart = svg(doc, "metrics-chart");
    // Three metrics, two bars each (this version, champion).
    assertThat(bars(chart)).hasSize(6);
    assertThat(bars(chart).stream().filter(b -> b.getAttribute("class").contains("s1")).count())
        .isEqualTo(3);
    assertThat(textById(doc, "comparison"))
        .contains("auc_roc", "0.8000", "0.7500", "better by 0.0500", "v2");
    assertThat(textById(doc, "gate")).isEqualTo("Gate decision: promoted: beats v2 by 0.05.");
    assertThat(textById(doc, "metrics")).contains("champion v2", "+0.0500");
    String prefixed =
        ModelReport.render(
            report().champion(new Champion("v2", "run-0000", Map.of("auc_roc", 0.7))).build());
    assertThat(prefixed).contains("champion v2").doesNotContain("vv2");
  }

  @Test
  void saysSoWhenThereIsNoChampionYet() throws Exception {
    Document doc = parse(ModelReport.render(report().champion(null).gateDecision(null).build()));

    assertThat(optionalSvg(doc, "metrics-chart")).isNull();
    assertThat(byId(doc, "gate")).isNull();
    assertThat(textById(doc, "no-champion")).contains("no champion yet");
  }

  @Test
  void drawsReliabilityPointsRowCountsAndTheDiagonal() throws Exception {
    Document doc = parse(ModelReport.render(report().build()));

    Element reliability = svg(doc, "calibration-chart");
    assertThat(reliability.getElementsByTagNameNS(SVG, "circle").getLength()).isEqualTo(3);
    assertThat(elements(reliability, "line").stream().filter(l -> hasClass(l, "diagonal")))
        .hasSize(1);
    List<Element> rows = bars(svg(doc, "calibration-rows-chart"));
    assertThat(rows).hasSize(3);
    assertThat(number(rows.get(0), "height") / number(rows.get(2), "height"))
        .isCloseTo(400.0 / 100.0, within(0.01));
    Element roc = svg(doc, "roc-chart");
    assertThat(elements(roc, "polyline").get(0).getAttribute("points").split(" ")).hasSize(4);
    assertThat(elements(roc, "line").stream().filter(l -> hasClass(l, "diagonal"))).hasSize(1);
  }

  @Test
  void rendersTheSamePageForTheSameData() {
    assertThat(ModelReport.render(report().build()))
        .isEqualTo(ModelReport.render(report().build()));
  }

  @Test
  void writesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
    Path file = tmp.resolve("reports/customer_churn/v3.html");
    ModelReport.write(report().model("first").build(), file);
    ModelReport.write(report().build(), file);

    assertThat(Files.readString(file, StandardCharsets.UTF_8))
        .isEqualTo(ModelReport.render(report().build()));
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("v3.html");
    }
  }

  @Test
  void failsWithTheTargetNamedAndCleansUpWhenTheFolderIsAFile() throws Exception {
    Path blocker = Files.writeString(tmp.resolve("not-a-folder"), "x");
    Path file = blocker.resolve("report.html");

    assertThatThrownBy(() -> ModelReport.write(report().build(), file))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("could not write the model report of customer_churn (run run-0001)")
        .hasMessageContaining(file.toString());
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("not-a-folder");
    }
  }

  // --- test data -------------------------------------------------------------------------------

  private static Builder report() {
    return new Builder();
  }

  /** A complete binary-classifier report; each test changes what it is about. */
  private static final class Builder {
    String model = "customer_churn";
    String algorithm = "xgboost";
    String task = "binary_classification";
    String primaryMetric = "auc_roc";
    Map<String, Long> inputTables = orderedInputs();
    Map<String, Double> metrics = metricsOf(0.8, 0.6, 0.4);
    List<Candidate> candidates =
        List.of(
            new Candidate(0, params(3, 0.3), metricsOf(0.4, 0.3, 0.6), 1.5, false),
            new Candidate(1, params(4, 0.3), metricsOf(0.6, 0.4, 0.5), 1.7, false),
            new Candidate(2, params(6, 0.1), metricsOf(0.8, 0.6, 0.4), 2.1, true),
            new Candidate(3, params(8, 0.1), metricsOf(0.7, 0.5, 0.45), 2.9, false));
    List<Importance> importance =
        List.of(new Importance("recency_days", 12.5), new Importance("orders_90d", 30.0));
    List<CalibrationBin> calibration =
        List.of(
            new CalibrationBin(0, 0.0, 0.1, 400, 0.05, 0.04),
            new CalibrationBin(1, 0.1, 0.2, 200, 0.15, 0.18),
            new CalibrationBin(9, 0.9, 1.0, 100, 0.93, 0.88));
    List<CurvePoint> roc =
        List.of(
            new CurvePoint(0, 0),
            new CurvePoint(0.1, 0.5),
            new CurvePoint(0.4, 0.85),
            new CurvePoint(1, 1));
    Champion champion = new Champion("2", "run-0000", metricsOf(0.75, 0.55, 0.45));
    String gateDecision = "promoted: beats v2 by 0.05.";

    Builder model(String v) {
      model = v;
      return this;
    }

    Builder algorithm(String v) {
      algorithm = v;
      return this;
    }

    Builder task(String v) {
      task = v;
      return this;
    }

    Builder primaryMetric(String v) {
      primaryMetric = v;
      return this;
    }

    Builder inputTables(Map<String, Long> v) {
      inputTables = v;
      return this;
    }

    Builder metrics(Map<String, Double> v) {
      metrics = v;
      return this;
    }

    Builder candidates(List<Candidate> v) {
      candidates = v;
      return this;
    }

    Builder importance(List<Importance> v) {
      importance = v;
      return this;
    }

    Builder calibration(List<CalibrationBin> v) {
      calibration = v;
      return this;
    }

    Builder roc(List<CurvePoint> v) {
      roc = v;
      return this;
    }

    Builder champion(Champion v) {
      champion = v;
      return this;
    }

    Builder gateDecision(String v) {
      gateDecision = v;
      return this;
    }

    ReportData build() {
      return ReportData.builder()
          .model(model)
          .version("3")
          .runId("run-0001")
          .algorithm(algorithm)
          .task(task)
          .startedAt(Instant.parse("2026-11-20T06:00:00Z"))
          .seconds(93.4)
          .trainingSetBuild("ts-build-7")
          .inputTables(inputTables)
          .trainRows(12_000)
          .validationRows(3_000)
          .validateFrom(LocalDate.parse("2026-10-01"))
          .primaryMetric(primaryMetric)
          .higherIsBetter(true)
          .metrics(metrics)
          .candidates(candidates)
          .importance(importance)
          .calibration(calibration)
          .roc(roc)
          .champion(champion)
          .gateDecision(gateDecision)
          .build();
    }

    private static Map<String, Long> orderedInputs() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("features.customer_activity", 42L);
      m.put("labels.churned", 7L);
      return m;
    }

    private static Map<String, Double> metricsOf(double auc, double aucPr, double logLoss) {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("auc_roc", auc);
      m.put("auc_pr", aucPr);
      m.put("log_loss", logLoss);
      return m;
    }

    private static Map<String, String> params(int depth, double eta) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("max_depth", String.valueOf(depth));
      m.put("eta", String.valueOf(eta));
      return m;
    }
  }

  // --- parsing helpers -------------------------------------------------------------------------

  private static Document parse(String page) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    DocumentBuilder b = f.newDocumentBuilder();
    b.setErrorHandler(null);
    return b.parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Element> elements(Element root, String localName) {
    NodeList nodes = root.getElementsByTagNameNS("*", localName);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  private static Element byId(Document doc, String id) {
    return elements(doc.getDocumentElement(), "*").stream()
        .filter(e -> id.equals(e.getAttribute("id")))
        .findFirst()
        .orElse(null);
  }

  private static String textById(Document doc, String id) {
    Element e = byId(doc, id);
    assertThat(e).as("element #" + id).isNotNull();
    return e.getTextContent().strip();
  }

  private static Element optionalSvg(Document doc, String id) {
    Element e = byId(doc, id);
    return e != null && "svg".equals(e.getLocalName()) ? e : null;
  }

  private static Element svg(Document doc, String id) {
    Element e = optionalSvg(doc, id);
    assertThat(e).as("svg #" + id).isNotNull();
    return e;
  }

  private static List<Element> bars(Element svg) {
    return elements(svg, "rect").stream().filter(r -> hasClass(r, "bar")).toList();
  }

  private static List<Element> rowsOf(Document doc, String tableId) {
    return elements(byId(doc, tableId), "tr");
  }

  private static boolean hasClass(Element e, String cssClass) {
    return List.of(e.getAttribute("class").split(" ")).contains(cssClass);
  }

  private static String text(Document doc, String tag) {
    return text(doc.getDocumentElement(), tag);
  }

  private static String text(Element root, String tag) {
    List<Element> found = elements(root, tag);
    return found.isEmpty() ? null : found.get(0).getTextContent().strip();
  }

  private static double number(Element e, String attribute) {
    return Double.parseDouble(e.getAttribute(attribute));
  }

  /** Every geometric attribute of every SVG element parses as a finite number. */
  private static void assertFiniteCoordinates(Document doc) {
    for (Element e : elements(doc.getDocumentElement(), "*")) {
      if (!SVG.equals(e.getNamespaceURI())) {
        continue;
      }
      NamedNodeMap attributes = e.getAttributes();
      for (int i = 0; i < attributes.getLength(); i++) {
        String name = attributes.item(i).getNodeName();
        String value = attributes.item(i).getNodeValue();
        if (List.of("x", "y", "x1", "y1", "x2", "y2", "width", "height", "cx", "cy", "r")
            .contains(name)) {
          assertThat(Double.isFinite(Double.parseDouble(value))).as(name + "=" + value).isTrue();
        }
        if (name.equals("points")) {
          for (String xy : value.split("[ ,]")) {
            assertThat(Double.isFinite(Double.parseDouble(xy))).as(value).isTrue();
          }
        }
      }
    }
  }
}
