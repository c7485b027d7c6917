package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.schemas.artifact.ModelManifest;
import dev.lakeml.schemas.artifact.ServingPointer;
import dev.lakeml.schemas.models.Algorithm;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.sealed.HotSwap;
import dev.lakeml.schemas.sealed.Leased;
import dev.lakeml.scoring.Scorer;
import dev.lakeml.scoring.Scorers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models served in-process, each loaded from the registry pointer {@code
 * <lakehouse>/ml/serving/<model>/aliases.yaml}.
 *
 * <p>On every poll a changed alias (a new version or artifact) is opened beside the old one: the
 * artifact is verified ({@code model.yaml}, every file's SHA-256), its inputs resolved against the
 * project ({@link ScoringPlan}), a row of missing values scored; only then is it swapped in, and
 * the old scorer is closed after the last request using it. An artifact that fails is refused
 * (logged, counted, not retried until the alias changes) and the old one keeps serving.
 */
final class Models implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Models.class);
  static final String CHAMPION = ServingPointer.CHAMPION;
  static final String CHALLENGER = ServingPointer.CHALLENGER;
  static final List<String> SERVABLE = List.of(ModelManifest.XGBOOST, ModelManifest.DJL_MLP);

  /** One alias entry of aliases.yaml. */
  record Alias(
      String alias,
      long version,
      String format,
      Path artifact,
      String runId,
      String manifestSha256) {}

  /** A loaded alias; {@code scorer} and {@code plan} are null for a lookup-only format. */
  record Variant(Alias alias, Scorer scorer, ScoringPlan plan) {
    boolean servable() {
      return scorer != null;
    }
  }

  private final Project project;
  private final ServingConfig config;
  private final ServingMetrics metrics;
  private final Map<String, Served> served = new LinkedHashMap<>();
  private final List<String> required;
  final Clock clock;
  final OnlineSnapshots snapshots;
  final ObjectMapper mapper;
  final PredictionLog log;

  Models(
      ServingConfig config,
      Project project,
      OnlineSnapshots snapshots,
      Clock clock,
      ServingMetrics metrics,
      ObjectMapper mapper,
      PredictionLog log) {
    this.config = config;
    this.project = project;
    this.snapshots = snapshots;
    this.clock = clock;
    this.metrics = metrics;
    this.mapper = mapper;
    this.log = log;
    for (String m : config.models()) {
      if (project.model(m).isEmpty()) {
        throw new ServingConfig.SettingException(
            "--models names '"
                + m
                + "', which project "
                + project.name()
                + " does not declare; it declares "
                + project.models().stream().map(ModelSpec::name).toList());
      }
    }
    this.required =
        config.models().isEmpty()
            ? project.models().stream()
                .filter(s -> s.task() == Algorithm.Task.BINARY_CLASSIFICATION)
                .map(ModelSpec::name)
                .toList()
            : config.models();
    for (ModelSpec s : project.models()) {
      served.put(s.name(), new Served(s.name()));
    }
  }

  ServingMetrics metricsRef() {
    return metrics;
  }

  Path aliasesFile(String model) {
    return ServingPointer.location(config.lakehouse(), model);
  }

  void poll() {
    for (Served s : served.values()) {
      s.poll();
    }
  }

  /** The model, or a 404 naming the models the project declares. */
  Served model(String name) {
    Served s = served.get(name);
    if (s == null) {
      throw ApiException.notFound(
          "model",
          "project "
              + project.name()
              + " declares no model '"
              + name
              + "'; it declares "
              + served.keySet());
    }
    return s;
  }

  List<String> notReady() {
    List<String> out = new ArrayList<>();
    for (String m : required) {
      Served s = served.get(m);
      Variant c = s.peek(s.champion);
      if (c == null || !c.servable()) {
        out.add(
            "model "
                + m
                + ": "
                + (c == null
                    ? s.error
                    : "champion format '" + c.alias().format() + "' is not servable in-process"));
      }
    }
    return out;
  }

  Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Served s : served.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String alias : List.of(CHAMPION, CHALLENGER)) {
        Variant v = s.peek(alias.equals(CHAMPION) ? s.champion : s.challenger);
        if (v != null) {
          Map<String, Object> a = new LinkedHashMap<>();
          a.put("version", v.alias().version());
          a.put("format", v.alias().format());
          a.put("run_id", v.alias().runId());
          a.put("servable", v.servable());
          m.put(alias, a);
        }
      }
      m.put("rollout", s.rollout.mode().wire());
      if (s.error != null && !s.error.isEmpty()) {
        m.put("error", s.error);
      }
      out.put(s.name, m);
    }
    return out;
  }

  @Override
  public void close() {
    for (Served s : served.values()) {
      s.close();
    }
  }

  /** One model: its champion and challenger, swapped independently, and its rollout. */
  final class Served {
    final String name;
    final Rollout rollout;
    final HotSwap<Variant> champion = new HotSwap<>();
    final HotSwap<Variant> challenger = new HotSwap<>();
    volatile String error;
    private final Map<String, Alias> refused = new LinkedHashMap<>();

    Served(String name) {
      this.name = name;
      this.error = "no aliases.yaml at " + aliasesFile(name);
      this.rollout =
          new Rollout(
              name,
              metrics,
              config.rolloutWindow(),
              config.rolloutMinRequests(),
              config.rolloutMaxErrorRate(),
              config.rolloutMaxP99Millis());
    }

    Variant peek(HotSwap<Variant> slot) {
      return slot.peek();
    }

    /** A reference to the alias's variant (release it), or null when none is loaded. */
    Leased<Variant> acquire(String alias) {
      return (alias.equals(CHAMPION) ? champion : challenger).acquire();
    }

    synchronized void poll() {
      Map<String, Alias> aliases;
      if (!Files.exists(aliasesFile(name))) {
        if (champion.peek() == null) {
          error = "no aliases.yaml at " + aliasesFile(name);
        }
        return;
      }
      try {
        aliases = readAliases(aliasesFile(name), config.lakehouse());
      } catch (RuntimeException e) {
        error = "cannot read " + aliasesFile(name) + ": " + e.getMessage();
        LOG.error("model {}: {}; keeping what is loaded", name, error);
        return;
      }
      load(CHAMPION, aliases.get(CHAMPION), champion);
      load(CHALLENGER, aliases.get(CHALLENGER), challenger);
    }

    private void load(String aliasName, Alias alias, HotSwap<Variant> slot) {
      Variant cur = slot.peek();
      if (alias == null) {
        if (cur != null && aliasName.equals(CHALLENGER)) {
          slot.replace(null);
          LOG.info("model {}: challenger removed", name);
        }
        return;
      }
      if (cur != null && cur.alias().equals(alias)) {
        return;
      }
      if (alias.equals(refused.get(aliasName))) {
        return;
      }
      Variant next;
      try {
        next = open(alias);
      } catch (RuntimeException e) {
        refused.put(aliasName, alias);
        error =
            aliasName
                + " v"
                + alias.version()
                + " refused ("
                + alias.artifact()
                + "): "
                + e.getMessage();
        metrics.count("lakeml_model_refused_total", "model artifacts refused", "model", name);
        LOG.error(
            "model {}: refused {} v{} from {}; {}: {}",
            name,
            aliasName,
            alias.version(),
            alias.artifact(),
            cur == null ? "nothing else to serve" : "still serving v" + cur.alias().version(),
            e.getMessage());
        return;
      }
      slot.replace(
          new Leased<>(
              next,
              v -> {
                if (v.scorer() != null) {
                  v.scorer().close();
                }
              }));
      refused.remove(aliasName);
      if (aliasName.equals(CHAMPION)) {
        error = null;
      }
      metrics.count(
          "lakeml_model_swaps_total",
          "model versions swapped in",
          "model",
          name,
          "alias",
          aliasName);
      LOG.info("model {}: {} is now v{} ({})", name, aliasName, alias.version(), alias.format());
    }

    private Variant open(Alias alias) {
      if (!SERVABLE.contains(alias.format())) {
        return new Variant(alias, null, null);
      }
      if (alias.manifestSha256().isEmpty()) {
        throw new IllegalArgumentException(
            "aliases.yaml records no manifest_sha256 for this version (a pointer written before"
                + " lakeml checked model manifests): move the alias again (lakeml models promote)"
                + " to serve it");
      }
      Scorer scorer = Scorers.open(alias.artifact(), alias.manifestSha256());
      try {
        if (!scorer.manifest().model().equals(name)) {
          throw new IllegalArgumentException(
              "the artifact is a model of '" + scorer.manifest().model() + "', not '" + name + "'");
        }
        ScoringPlan plan =
            ScoringPlan.build(scorer.manifest(), project.features(), project.model(name));
        double[] row = new double[scorer.inputs().size()];
        Arrays.fill(row, Double.NaN);
        double smoke = scorer.score(row);
        if (!(smoke >= 0 && smoke <= 1)) {
          throw new IllegalStateException("the smoke score of a row of missing values is " + smoke);
        }
        return new Variant(alias, scorer, plan);
      } catch (RuntimeException e) {
        scorer.close();
        throw e;
      }
    }

    synchronized void close() {
      champion.replace(null);
      challenger.replace(null);
    }
  }

  /** Reads aliases.yaml ({@link ServingPointer}, the registry's own format). */
  static Map<String, Alias> readAliases(Path file, Path lakehouse) {
    Map<String, Alias> out = new LinkedHashMap<>();
    ServingPointer.read(file)
        .aliases()
        .forEach(
            (name, t) ->
                out.put(
                    name,
                    new Alias(
                        name,
                        t.version(),
                        t.format(),
                        t.artifactIn(lakehouse),
                        t.runId(),
                        t.manifestSha256())));
    return out;
  }
}
