package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes files under {@code serving-api/deploy/kubernetes} match the code: the container's
 * arguments and environment parse with the server's own option parser (every flag and variable
 * exists, every value is accepted), its port is the one it listens on, every probe is an open GET
 * route of the server, every path option lies on a mounted volume, and the Service, autoscaler and
 * disruption budget point at the Deployment.
 */
class KubernetesManifestsTest {
  static final Path DIR = Path.of("deploy/kubernetes");
  static Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();

  @TempDir static Path tmp;

  @BeforeAll
  static void read() throws IOException {
    Map<String, Object> kustomization = load(DIR.resolve("kustomization.yaml"));
    List<String> resources = strings(kustomization.get("resources"));
    Set<String> files = new TreeSet<>();
    try (Stream<Path> list = Files.list(DIR)) {
      list.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
          .forEach(files::add);
    }
    assertThat(new TreeSet<>(resources)).as("every file is a resource, and back").isEqualTo(files);
    for (String r : resources) {
      Map<String, Object> doc = load(DIR.resolve(r));
      byKind.put((String) doc.get("kind"), doc);
    }
    assertThat(byKind)
        .containsOnlyKeys(
            "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget");
  }

  @Test
  void theContainerIsConfiguredOnlyWithOptionsTheServerAccepts() {
    Map<String, Object> container = container();
    Map<String, String> env = env(container);
    List<String> args = new ArrayList<>();
    for (String a : strings(container.get("args"))) {
      // Kubernetes expands $(VAR) from the container's environment.
      args.add(a.replace("$(POD_NAME)", env.getOrDefault("POD_NAME", "pod-0")));
    }
    for (String a : args) {
      String name = a.substring(2, a.contains("=") ? a.indexOf('=') : a.length());
      assertThat(ServingConfig.ENTRIES).extracting(ServingConfig.Entry::name).contains(name);
    }
    for (String var : env.keySet()) {
      if (var.startsWith("LAKEML_")) {
        assertThat(ServingConfig.ENTRIES).extracting(ServingConfig.Entry::env).contains(var);
      }
    }
    // The server's own parser accepts the whole configuration.
    ServingConfig config = ServingConfig.parse(args.toArray(String[]::new), env);
    assertThat(config.host()).isEqualTo("0.0.0.0");
    List<Map<String, Object>> ports = maps(container.get("ports"));
    assertThat(ports).hasSize(1);
    assertThat(ports.get(0))
        .containsEntry("containerPort", config.port())
        .containsEntry("name", "http");

    // Every path the server reads or writes is on a volume, and every mount names a volume.
    Map<String, Object> pod = podSpec();
    Set<String> volumes = new TreeSet<>();
    maps(pod.get("volumes")).forEach(v -> volumes.add((String) v.get("name")));
    List<String> mounts = new ArrayList<>();
    for (Map<String, Object> m : maps(container.get("volumeMounts"))) {
      assertThat(volumes).contains((String) m.get("name"));
      mounts.add((String) m.get("mountPath"));
    }
    for (Path p :
        List.of(
            config.project(),
            config.lakehouse(),
            config.apiKeysFile().orElseThrow(),
            config.logDir())) {
      assertThat(mounts).as("a mount holding %s", p).anyMatch(m -> p.startsWith(m));
    }
    // Room to drain on SIGTERM.
    assertThat(((Number) pod.get("terminationGracePeriodSeconds")).longValue())
        .isGreaterThan(config.drainTimeout().toSeconds());
    Map<String, Object> resources = map(container.get("resources"));
    assertThat(map(resources.get("requests"))).containsKeys("cpu", "memory");
  }

  @Test
  void everyProbeIsAnOpenGetRouteOnTheNamedPort() throws Exception {
    Map<String, Object> container = container();
    Set<String> open = new TreeSet<>();
    try (Fixture f = new Fixture(tmp)) {
      f.start();
      for (ServingServer.Route r : f.server.routes()) {
        if (r.method().equals("GET") && r.access() == ServingServer.Access.OPEN) {
          open.add(r.path());
        }
      }
    }
    Map<String, String> probePaths = new LinkedHashMap<>();
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
      assertThat(open).as(probe).contains((String) get.get("path"));
      assertThat(get.get("port")).as(probe).isEqualTo("http");
      probePaths.put(probe, (String) get.get("path"));
    }
    assertThat(probePaths).containsEntry("readinessProbe", "/health/ready");
    assertThat(probePaths).containsEntry("livenessProbe", "/health/live");
  }

  @Test
  void serviceAutoscalerAndBudgetPointAtTheDeployment() {
    Map<String, Object> deployment = byKind.get("Deployment");
    String name = (String) map(deployment.get("metadata")).get("name");
    Map<String, Object> spec = map(deployment.get("spec"));
    Map<String, Object> selector = map(map(spec.get("selector")).get("matchLabels"));
    Map<String, Object> podLabels =
        map(map(map(spec.get("template")).get("metadata")).get("labels"));
    assertThat(podLabels).containsAllEntriesOf(selector);

    Map<String, Object> service = map(byKind.get("Service").get("spec"));
    assertThat(podLabels).containsAllEntriesOf(map(service.get("selector")));
    assertThat(maps(service.get("ports"))).allMatch(p -> "http".equals(p.get("targetPort")));

    Map<String, Object> hpa = map(byKind.get("HorizontalPodAutoscaler").get("spec"));
    assertThat(map(hpa.get("scaleTargetRef")))
        .containsEntry("kind", "Deployment")
        .containsEntry("name", name);
    int minReplicas = ((Number) hpa.get("minReplicas")).intValue();
    assertThat(minReplicas).isGreaterThanOrEqualTo(2);

    Map<String, Object> pdb = map(byKind.get("PodDisruptionBudget").get("spec"));
    assertThat(map(map(pdb.get("selector")).get("matchLabels"))).isEqualTo(selector);
    assertThat(((Number) pdb.get("minAvailable")).intValue()).isLessThan(minReplicas);
  }

  private static Map<String, Object> podSpec() {
    return map(map(map(byKind.get("Deployment").get("spec")).get("template")).get("spec"));
  }

  private static Map<String, Object> container() {
    List<Map<String, Object>> containers = maps(podSpec().get("containers"));
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> e : maps(container.get("env"))) {
      env.put(
          (String) e.get("name"),
          e.containsKey("value") ? String.valueOf(e.get("value")) : "pod-0");
    }
    return env;
  }

  private static Map<String, Object> load(Path file) throws IOException {
    return new Yaml().load(Files.readString(file, StandardCharsets.UTF_8));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Map<String, Object>>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<String>) o;
  }
}
