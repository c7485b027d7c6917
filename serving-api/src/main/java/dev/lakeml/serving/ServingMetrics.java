package dev.lakeml.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/** The service's Prometheus metrics, one registry per server. */
final class ServingMetrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  void request(String method, String route, int status, long nanos) {
    Timer.builder("lakeml_http_requests")
        .description("HTTP requests by route template and status")
        .tag("method", method)
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .publishPercentileHistogram()
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25))
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  void score(String model, String variant, String outcome, long nanos) {
    Timer.builder("lakeml_score")
        .description("model scoring by model, variant (champion/challenger) and outcome")
        .tag("model", model)
        .tag("variant", variant)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  void count(String name, String description, String... tags) {
    Counter.builder(name).description(description).tags(tags).register(registry).increment();
  }

  void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  String scrape() {
    return registry.scrape();
  }
}
