package dev.lakeml.serving;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The API's own documentation page: Swagger UI over {@code /openapi.yaml}, so an operator can read
 * and try the routes from a browser (the Authorize button takes an API key). Its files come from
 * the Swagger UI webjar inside the server's jar: no network, no CDN. Only the files the page uses
 * are served, by name.
 */
final class ApiDocs {
  /** The webjar's version, as in the pom ({@code swagger-ui.version}). */
  static final String SWAGGER_UI = "5.34.1";

  private static final String WEBJAR = "/META-INF/resources/webjars/swagger-ui/" + SWAGGER_UI + "/";

  private static final Map<String, String> FILES =
      Map.of(
          "swagger-ui.css", "text/css; charset=utf-8",
          "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
          "favicon-32x32.png", "image/png",
          "favicon-16x16.png", "image/png");

  private static final String PAGE =
      """
      <!DOCTYPE html>
      <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>lakeml serving API</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css">
        <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
      </head>
      <body>
        <div id="swagger-ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script>
          window.ui = SwaggerUIBundle({
            url: "/openapi.yaml",
            dom_id: "#swagger-ui",
            deepLinking: true,
            tryItOutEnabled: false,
            validatorUrl: null
          });
        </script>
      </body>
      </html>
      """;

  private ApiDocs() {}

  static void page(Context ctx) {
    ctx.contentType("text/html; charset=utf-8").result(PAGE);
  }

  static void file(Context ctx) throws IOException {
    String name = ctx.pathParam("file");
    String type = FILES.get(name);
    if (type == null) {
      throw ApiException.notFound("file", "no documentation file '" + name + "'");
    }
    try (InputStream in = ApiDocs.class.getResourceAsStream(WEBJAR + name)) {
      if (in == null) {
        throw ApiException.notFound("file", "the Swagger UI webjar is not bundled");
      }
      ctx.header("Cache-Control", "max-age=86400").contentType(type).result(in.readAllBytes());
    }
  }
}
