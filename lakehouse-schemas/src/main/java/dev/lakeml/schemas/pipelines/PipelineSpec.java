package dev.lakeml.schemas.pipelines;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A pipeline declared in the project: steps with dependencies, run by {@code lakeml run} in one
 * process and generated into an Airflow DAG, both from this one definition.
 *
 * @param schedule a cron expression or Airflow preset ({@code @daily}); null for a pipeline that
 *     only runs when triggered
 * @param startDate the first logical date a scheduler may run
 * @param catchup whether a scheduler runs the dates missed since {@code startDate}
 */
public record PipelineSpec(
    String name,
    String description,
    String schedule,
    LocalDate startDate,
    boolean catchup,
    String owner,
    List<String> tags,
    List<StepSpec> steps) {

  public PipelineSpec {
    Objects.requireNonNull(name, "name");
    description = description == null ? "" : description;
    Objects.requireNonNull(startDate, "startDate");
    Objects.requireNonNull(owner, "owner");
    tags = List.copyOf(tags);
    steps = List.copyOf(steps);
  }

  public Optional<StepSpec> step(String stepName) {
    return steps.stream().filter(s -> s.name().equals(stepName)).findFirst();
  }

  /**
   * The steps in an order that runs every step after the steps it names: of the steps whose
   * dependencies have all run, the one declared first goes next. The loader has refused cycles.
   */
  public List<StepSpec> order() {
    List<StepSpec> out = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    while (out.size() < steps.size()) {
      StepSpec next =
          steps.stream()
              .filter(s -> !done.contains(s.name()) && done.containsAll(s.after()))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException(name + ": the steps have a cycle"));
      out.add(next);
      done.add(next.name());
    }
    return out;
  }

  /** Every step that runs after {@code stepName}, directly or through others. */
  public Set<String> downstream(String stepName) {
    Set<String> out = new LinkedHashSet<>();
    for (StepSpec s : order()) {
      if (s.after().contains(stepName) || s.after().stream().anyMatch(out::contains)) {
        out.add(s.name());
      }
    }
    return out;
  }
}
