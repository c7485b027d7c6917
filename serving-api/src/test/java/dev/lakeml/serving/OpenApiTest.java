package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** The OpenAPI document and the registered routes describe the same API, both ways. */
class OpenApiTest {
  @TempDir Path tmp;

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
    Set<String> documented = new TreeSet<>();
    try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.yaml")) {
      Map<String, Object> doc = new Yaml().load(in);
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
      paths.forEach(
          (path, ops) ->
              ops.keySet().stream()
                  .filter(m -> Set.of("get", "post", "put", "delete", "patch").contains(m))
                  .forEach(m -> documented.add(m.toUpperCase() + " " + path)));
    }
    try (Fixture f = new Fixture(tmp)) {
      ServingServer server = f.start();
      Set<String> registered = new TreeSet<>();
      server.routes().forEach(r -> registered.add(r.method() + " " + r.path()));
      assertThat(registered).isEqualTo(documented);
      assertThat(f.get("/openapi.yaml", null).body()).startsWith("openapi: 3.0.3");
    }
  }
}
