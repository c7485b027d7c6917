package dev.lakeml.ml.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The monitoring page from hand-made data: well-formed, every section, values where expected. */
class MonitoringPageTest {
  private static final LocalDate D1 = LocalDate.parse("2011-09-01");

  private static MonitoringPageData data() {
    List<MonitoringPageData.Performance> performance = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      boolean mature = i < 3;
      performance.add(
          new MonitoringPageData.Performance(
              D1.plusDays(i),
              4,
              mature ? "ok" : "immature",
              1000 + i,
              Instant.parse("2011-10-01T00:00:00Z").plusSeconds(86_400L * i),
              mature ? Map.of("auc_roc", 0.8 - i * 0.05, "auc_pr", 0.5) : Map.of(),
              Map.of("auc_pr", 0.55)));
    }
    List<MonitoringPageData.Drift> drift =
        List.of(
            new MonitoringPageData.Drift("batch", D1, "spend_90d", "psi", 0.02, "ok", List.of()),
            new MonitoringPageData.Drift(
                "batch", D1.plusDays(1), "spend_90d", "psi", 0.4, "ok", List.of("psi", "ks_d")),
            new MonitoringPageData.Drift(
                "batch", D1, "is_uk", "js_distance", 0.01, "ok", List.of()),
            new MonitoringPageData.Drift(
                "batch", D1.plusDays(1), "is_uk", "js_distance", 0.02, "ok", List.of("null_share")),
            new MonitoringPageData.Drift(
                "online", D1, "spend_90d", "psi", null, "no data", List.of()));
    return new MonitoringPageData(
        "customer_churn",
        4,
        "run-4/report.html",
        Instant.parse("2011-09-06T05:00:00Z"),
        performance,
        D1.plusDays(2),
        Map.of("mean_scores", "[0.1,0.5,0.9]", "rates", "[0.12,0.45,0.8]", "rows", "[50,30,20]"),
        drift,
        List.of(
            new MonitoringPageData.Skew(
                D1,
                4,
                "spend_90d",
                "view customer_activity",
                "ok",
                200,
                900,
                0.005,
                "req-7: online 12.0, offline 11.0"),
            new MonitoringPageData.Skew(
                D1.minusDays(1),
                4,
                "spend_90d",
                "view customer_activity",
                "no data",
                0,
                0,
                null,
                null),
            new MonitoringPageData.Skew(
                D1.minusDays(1),
                4,
                "is_uk",
                "view customer_activity",
                "no data",
                0,
                0,
                null,
                null)),
        List.of(
            new MonitoringPageData.Alert(
                D1.plusDays(2),
                "drift",
                "customer_churn/drift/2011-09-01",
                "psi of spend_90d on 3 days",
                "triggered",
                "local",
                "run-9",
                null)));
  }

  @Test
  void everySectionIsThereAndThePageIsWellFormedXhtml() throws Exception {
    String page = MonitoringPage.render(data());
    Document doc = parse(page);
    assertThat(doc.getElementsByTagNameNS("*", "script").getLength()).isZero();
    for (String id :
        List.of(
            "alerts", "performance", "drift", "skew", "performance-chart", "calibration-chart")) {
      assertThat(byId(doc, id)).as(id).isNotNull();
    }
    // The only link is to the champion's report, relative to the page.
    assertThat(page).containsOnlyOnce("href=").contains("href=\"run-4/report.html\"");
    assertThat(byId(doc, "alerts").getTextContent())
        .contains("psi of spend_90d on 3 days", "triggered", "local run-9");
    assertThat(byId(doc, "skew").getTextContent())
        .contains("200 of 900", "0.0050", "req-7: online 12.0, offline 11.0")
        .containsOnlyOnce("no request of this version was logged that day");
  }

  @Test
  void immatureDatesAreShadedAndDrawNoPoint() throws Exception {
    Document doc = parse(MonitoringPage.render(data()));
    Element chart = byId(doc, "performance-chart");
    List<Element> shaded =
        elements(chart, "rect").stream()
            .filter(r -> r.getAttribute("class").equals("marked"))
            .toList();
    assertThat(shaded).hasSize(2);
    assertThat(shaded.get(0).getTextContent()).contains("2011-09-04", "not mature");
    // Three judged dates, two lines: six points, none for the immature dates.
    List<Element> points = elements(chart, "circle");
    assertThat(points).hasSize(6);
    assertThat(points).noneMatch(p -> p.getTextContent().contains("2011-09-04"));
    assertThat(byId(doc, "performance-table").getTextContent())
        .contains("immature until 2011-10-04 00:00:00 UTC");
  }

  @Test
  void driftCellsAreColouredByBreachAndMissingPopulationsLeftOut() throws Exception {
    Document doc = parse(MonitoringPage.render(data()));
    Element batch = byId(doc, "drift-batch");
    List<Element> cells = elements(batch, "td");
    assertThat(cells)
        .anySatisfy(
            c -> {
              assertThat(c.getAttribute("class")).contains("breached");
              assertThat(c.getAttribute("title")).contains("breached: psi, ks_d");
              assertThat(c.getTextContent()).isEqualTo("0.4000");
            });
    assertThat(cells.stream().filter(c -> c.getAttribute("class").contains("calm"))).hasSize(2);
    // Another statistic than the one shown breached: amber, and the title says which.
    assertThat(cells)
        .filteredOn(c -> c.getAttribute("class").contains("other"))
        .singleElement()
        .satisfies(c -> assertThat(c.getAttribute("title")).contains("breached: null_share"));
    // The online population has no value on any day: no table for it.
    assertThat(byId(doc, "drift-online")).isNull();
  }

  @Test
  void aModelWithNothingMeasuredSaysSoInEachSection() throws Exception {
    MonitoringPageData empty =
        new MonitoringPageData(
            "m",
            null,
            null,
            Instant.EPOCH,
            List.of(),
            null,
            Map.of(),
            List.of(),
            List.of(),
            List.of());
    Document doc = parse(MonitoringPage.render(empty));
    assertThat(byId(doc, "champion").getTextContent()).contains("No champion");
    assertThat(byId(doc, "performance").getTextContent()).contains("No prediction date");
    assertThat(byId(doc, "drift").getTextContent()).contains("No drift has been measured");
    assertThat(byId(doc, "skew").getTextContent()).contains("No skew has been measured");
    assertThat(byId(doc, "alerts").getTextContent()).contains("No alert");
  }

  private static Document parse(String page) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    DocumentBuilder b = f.newDocumentBuilder();
    b.setErrorHandler(null);
    return b.parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
  }

  private static Element byId(Document doc, String id) {
    NodeList all = doc.getElementsByTagNameNS("*", "*");
    for (int i = 0; i < all.getLength(); i++) {
      Element e = (Element) all.item(i);
      if (id.equals(e.getAttribute("id"))) {
        return e;
      }
    }
    return null;
  }

  private static List<Element> elements(Element root, String localName) {
    NodeList nodes = root.getElementsByTagNameNS("*", localName);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }
}
