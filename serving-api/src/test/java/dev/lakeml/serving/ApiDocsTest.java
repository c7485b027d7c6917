package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documentation page in a real browser: headless Chromium (Debian's, installed by {@code
 * .ci/run}) loads {@code /docs} from the server on loopback, runs Swagger UI from the bundled
 * webjar, which fetches {@code /openapi.yaml} and renders every route. Fails (does not skip) when
 * Chromium is missing.
 */
class ApiDocsTest {
  @TempDir Path tmp;

  @Test
  void swaggerUiRendersEveryRouteOfTheDocumentFromTheServerAlone() throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    assertThat(chromium)
        .as("Debian's chromium (apt-get install chromium; .ci/run installs it)")
        .isExecutable();
    try (Fixture f = new Fixture(tmp)) {
      f.start();
      assertThat(f.get("/docs", null).headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
      assertThat(f.get("/docs/swagger-ui-bundle.js", null).statusCode()).isEqualTo(200);
      assertThat(f.get("/docs/swagger-initializer.js", null).statusCode()).isEqualTo(404);

      Process p =
          new ProcessBuilder(
                  List.of(
                      chromium.toString(),
                      "--headless",
                      "--no-sandbox",
                      "--disable-gpu",
                      "--disable-quic",
                      "--no-first-run",
                      "--disable-background-networking",
                      "--disable-component-update",
                      "--disable-sync",
                      "--user-data-dir=" + Files.createDirectory(tmp.resolve("profile")),
                      "--virtual-time-budget=15000",
                      "--dump-dom",
                      "http://127.0.0.1:" + f.port + "/docs"))
              .redirectError(tmp.resolve("chromium.log").toFile())
              .start();
      String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

      // Rendered by the page's script, not in the HTML the server sent: the document's title and
      // one operation block per route.
      assertThat(dom).contains("lakeml serving-api").contains("opblock");
      for (ServingServer.Route r : f.server.routes()) {
        assertThat(dom)
            .as("the page shows %s %s", r.method(), r.path())
            .contains("data-path=\"" + r.path() + "\"");
      }
      assertThat(f.accessLog()).contains("\"path\":\"/openapi.yaml\"");
    }
  }
}
