package dev.lakeml.schemas.pipelines;

import dev.lakeml.schemas.features.Durations;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.yaml.ConfigNode;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code pipelines:} from the project file. Refused, each with its file, line and key: an
 * unknown job, a model the project does not declare, a dependency on an unknown step, a cycle, a
 * bad date template, a bad duration or date.
 */
public final class PipelineLoader {
  /** The jobs a step may run, and whether the job's first argument names a model. */
  public static final Map<String, Boolean> JOBS = jobs();

  static final Duration DEFAULT_RETRY_DELAY = Duration.ofMinutes(1);
  static final Duration DEFAULT_TIMEOUT = Duration.ofHours(2);

  private PipelineLoader() {}

  private static Map<String, Boolean> jobs() {
    Map<String, Boolean> m = new LinkedHashMap<>();
    m.put("ingest", false);
    m.put("features", false);
    m.put("training-set", false);
    m.put("train", true);
    m.put("predict", true);
    m.put("publish", false);
    m.put("ingest-predictions", false);
    m.put("monitor", false);
    return java.util.Collections.unmodifiableMap(m);
  }

  public static List<PipelineSpec> read(ConfigNode root, List<ModelSpec> models) {
    List<PipelineSpec> out = new ArrayList<>();
    for (ConfigNode n :
        root.optional("pipelines").map(x -> x.list("pipelines")).orElse(List.of())) {
      PipelineSpec p = pipeline(n, models);
      if (out.stream().anyMatch(o -> o.name().equals(p.name()))) {
        throw n.error("pipeline '" + p.name() + "' is declared twice");
      }
      out.add(p);
    }
    return out;
  }

  private static PipelineSpec pipeline(ConfigNode n, List<ModelSpec> models) {
    String name = n.requiredIdentifier("name", "pipeline name");
    String description = n.optionalString("description", "a sentence").orElse("");
    String schedule = n.optionalString("schedule", "a cron expression or @daily").orElse(null);
    LocalDate startDate =
        date(n.required("start_date", "the first logical date a scheduler may run, yyyy-MM-dd"));
    boolean catchup = n.optionalBool("catchup", "true or false").orElse(false);
    String owner = n.optionalString("owner", "who answers for the pipeline").orElse("lakeml");
    List<String> tags = n.optional("tags").map(t -> t.stringList("tags")).orElse(List.of());
    int retries = n.optional("retries").map(PipelineLoader::retries).orElse(0);
    Duration delay =
        n.optional("retry_delay").map(PipelineLoader::duration).orElse(DEFAULT_RETRY_DELAY);
    Duration timeout = n.optional("timeout").map(PipelineLoader::duration).orElse(DEFAULT_TIMEOUT);
    List<StepSpec> steps = new ArrayList<>();
    Map<String, ConfigNode> afterNodes = new HashMap<>();
    for (ConfigNode s : n.required("steps", "the pipeline's steps").list("steps")) {
      StepSpec step = step(s, models, startDate, retries, delay, timeout);
      if (steps.stream().anyMatch(o -> o.name().equals(step.name()))) {
        throw s.error("step '" + step.name() + "' is declared twice in pipeline " + name);
      }
      steps.add(step);
      s.optional("after").ifPresent(a -> afterNodes.put(step.name(), a));
    }
    n.finish();
    for (StepSpec s : steps) {
      for (String dependency : s.after()) {
        if (steps.stream().noneMatch(o -> o.name().equals(dependency))) {
          throw afterNodes
              .get(s.name())
              .error(
                  "step '"
                      + s.name()
                      + "' runs after '"
                      + dependency
                      + "', which pipeline "
                      + name
                      + " does not declare; its steps are "
                      + steps.stream().map(StepSpec::name).toList());
        }
      }
    }
    checkAcyclic(name, steps, afterNodes);
    return new PipelineSpec(name, description, schedule, startDate, catchup, owner, tags, steps);
  }

  private static StepSpec step(
      ConfigNode n,
      List<ModelSpec> models,
      LocalDate startDate,
      int retries,
      Duration delay,
      Duration timeout) {
    String name = n.requiredIdentifier("name", "step name");
    ConfigNode jobNode = n.required("job", "a lakeml job: one of " + JOBS.keySet());
    String job = jobNode.string("a lakeml job");
    if (!JOBS.containsKey(job)) {
      throw jobNode.error("unknown job '" + job + "'; a step runs one of " + JOBS.keySet());
    }
    List<String> args = new ArrayList<>();
    ConfigNode argsNode = n.optional("args").orElse(null);
    if (argsNode != null) {
      for (ConfigNode a : argsNode.list("the job's arguments, as on the command line")) {
        String text = a.string("an argument");
        String problem = DateTemplate.problem(text);
        if (problem != null) {
          throw a.error(problem);
        }
        args.add(text);
      }
    }
    if (JOBS.get(job)) {
      String declared = models.stream().map(ModelSpec::name).toList().toString();
      if (args.isEmpty() || args.get(0).startsWith("-")) {
        throw (argsNode == null ? n : argsNode)
            .error(
                "job "
                    + job
                    + " needs a model as its first argument; the project declares "
                    + declared);
      }
      if (models.stream().noneMatch(m -> m.name().equals(args.get(0)))) {
        throw argsNode.error(
            "job "
                + job
                + ": unknown model '"
                + args.get(0)
                + "'; the project declares "
                + declared);
      }
    }
    if (job.equals("monitor")) {
      monitorArgs(n, argsNode, args, models);
    }
    List<String> after = n.optional("after").map(a -> a.stringList("step names")).orElse(List.of());
    int stepRetries = n.optional("retries").map(PipelineLoader::retries).orElse(retries);
    Duration stepDelay = n.optional("retry_delay").map(PipelineLoader::duration).orElse(delay);
    Duration stepTimeout = n.optional("timeout").map(PipelineLoader::duration).orElse(timeout);
    StepSpec.Condition when =
        n.optional("when")
            .map(w -> condition(w, startDate))
            .orElse(new StepSpec.Condition.Always());
    n.finish();
    return new StepSpec(
        name, job, args, after, stepRetries, stepDelay, stepTimeout, when, n.file(), n.line());
  }

  private static StepSpec.Condition condition(ConfigNode n, LocalDate startDate) {
    String expected = "'triggered', or 'every: 7d' (every 7th date from start_date)";
    if (!n.isMapping()) {
      String text = n.string(expected);
      if (text.equals("triggered")) {
        return new StepSpec.Condition.Triggered();
      }
      throw n.error("unknown condition '" + text + "'; expected " + expected);
    }
    Duration every = duration(n.required("every", expected));
    if (every.toDays() < 1 || !every.equals(Duration.ofDays(every.toDays()))) {
      throw n.error("every: a whole number of days, at least 1d");
    }
    n.finish();
    return new StepSpec.Condition.Every(every, startDate);
  }

  private static int retries(ConfigNode n) {
    int r = n.integer("a number of retries, 0 to 10");
    if (r < 0 || r > 10) {
      throw n.error("retries must be 0 to 10, not " + r);
    }
    return r;
  }

  private static Duration duration(ConfigNode n) {
    try {
      Duration d = Durations.parse(n.string(Durations.EXPECTED));
      if (d.isZero() || d.isNegative()) {
        throw n.error("expected a positive duration such as 30s, 5m or 2h");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  private static LocalDate date(ConfigNode n) {
    String text = n.string("a date, yyyy-MM-dd");
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw n.error("'" + text + "' is not a date; expected yyyy-MM-dd");
    }
  }

  /** Refuses a cycle, naming its steps in order, at the line of the step that closes it. */
  private static void checkAcyclic(
      String pipeline, List<StepSpec> steps, Map<String, ConfigNode> afterNodes) {
    Map<String, StepSpec> byName = new LinkedHashMap<>();
    steps.forEach(s -> byName.put(s.name(), s));
    Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
    for (StepSpec s : steps) {
      List<String> path = new ArrayList<>();
      visit(s.name(), byName, state, path, pipeline, afterNodes);
    }
  }

  private static void visit(
      String step,
      Map<String, StepSpec> byName,
      Map<String, Integer> state,
      List<String> path,
      String pipeline,
      Map<String, ConfigNode> afterNodes) {
    Integer st = state.get(step);
    if (st != null && st == 2) {
      return;
    }
    if (st != null && st == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(step), path.size()));
      cycle.add(step);
      String last = path.get(path.size() - 1);
      throw afterNodes
          .get(last)
          .error(
              "pipeline "
                  + pipeline
                  + " has a cycle: "
                  + String.join(" -> ", cycle)
                  + " (each step runs after the next); remove one of these dependencies");
    }
    state.put(step, 1);
    path.add(step);
    for (String dependency : byName.get(step).after()) {
      visit(dependency, byName, state, path, pipeline, afterNodes);
    }
    path.remove(path.size() - 1);
    state.put(step, 2);
  }

  /** The monitor subcommands, and whether each names a model as its next argument. */
  static final Map<String, Boolean> MONITOR =
      Map.of("drift", true, "performance", true, "alerts", true, "skew", false);

  private static void monitorArgs(
      ConfigNode step, ConfigNode argsNode, List<String> args, List<ModelSpec> models) {
    if (args.isEmpty() || !MONITOR.containsKey(args.get(0))) {
      throw (argsNode == null ? step : argsNode)
          .error(
              "job monitor needs what to monitor as its first argument: one of "
                  + new java.util.TreeSet<>(MONITOR.keySet()));
    }
    if (MONITOR.get(args.get(0))) {
      String declared = models.stream().map(ModelSpec::name).toList().toString();
      if (args.size() < 2 || models.stream().noneMatch(m -> m.name().equals(args.get(1)))) {
        throw argsNode.error(
            "job monitor "
                + args.get(0)
                + " needs a declared model as its second argument; the project declares "
                + declared);
      }
    }
  }
}
