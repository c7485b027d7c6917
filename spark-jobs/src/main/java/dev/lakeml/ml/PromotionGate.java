package dev.lakeml.ml;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.models.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The promotion gate: a new version becomes {@code challenger}; it becomes {@code champion} only if
 * it beats the current champion, rescored on the same validation window, by the spec's metric and
 * margin ({@code promotion.min_improvement}). The first version of a model has nothing to beat and
 * becomes champion. Every decision, with both numbers, goes to the alias history.
 */
public final class PromotionGate {
  /** What the gate decided, and on which numbers. */
  public record Decision(
      boolean promoted,
      int candidate,
      Integer incumbent,
      double candidateValue,
      Double incumbentValue,
      String reason) {
    Map<String, Double> evidence() {
      Map<String, Double> e = new LinkedHashMap<>();
      e.put("candidate", candidateValue);
      if (incumbentValue != null) {
        e.put("champion", incumbentValue);
        e.put("difference", candidateValue - incumbentValue);
      }
      return e;
    }
  }

  private final ModelRegistry registry;
  private final String actor;

  public PromotionGate(ModelRegistry registry, String actor) {
    this.registry = registry;
    this.actor = actor;
  }

  /**
   * Judges {@code candidate} (whose metric on its validation window is {@code candidateValue})
   * against the champion, which {@code rescore} scores on the same window, and moves the aliases.
   */
  public Decision decide(
      ModelSpec spec,
      ModelRegistry.Version candidate,
      double candidateValue,
      ToDoubleFunction<ModelRegistry.Version> rescore) {
    registry.setAlias(
        spec.name(),
        ModelRegistry.CHALLENGER,
        candidate.version(),
        actor,
        "register",
        "new version from run " + candidate.runId() + "; the gate decides",
        null);
    return judge(spec, candidate, candidateValue, rescore);
  }

  /**
   * The gate for a version registered earlier ({@code lakeml models promote} without --force): as
   * {@link #decide}, without the registration step.
   */
  public Decision judge(
      ModelSpec spec,
      ModelRegistry.Version candidate,
      double candidateValue,
      ToDoubleFunction<ModelRegistry.Version> rescore) {
    String model = spec.name();
    String metric = spec.metric().key(spec.topK());
    ModelRegistry.Alias champion = registry.aliases(model).get(ModelRegistry.CHAMPION);
    Decision d;
    if (champion == null) {
      d =
          new Decision(
              true,
              candidate.version(),
              null,
              candidateValue,
              null,
              String.format(
                  Locale.ROOT,
                  "first version: no champion to beat (%s %.4f)",
                  metric,
                  candidateValue));
    } else if (champion.version() == candidate.version()) {
      return new Decision(
          false,
          candidate.version(),
          champion.version(),
          candidateValue,
          candidateValue,
          "version " + candidate.version() + " is already the champion");
    } else {
      ModelRegistry.Version incumbent = registry.version(model, champion.version()).orElseThrow();
      double incumbentValue;
      try {
        incumbentValue = rescore.applyAsDouble(incumbent);
      } catch (LakehouseException e) {
        d =
            new Decision(
                false,
                candidate.version(),
                champion.version(),
                candidateValue,
                null,
                "the champion (version "
                    + champion.version()
                    + ") could not be rescored on this window: "
                    + e.getMessage()
                    + "; promote by hand with --force --reason if intended");
        apply(model, d);
        return d;
      }
      boolean beats =
          spec.metric().beats(candidateValue, incumbentValue, spec.minImprovement())
              && !Double.isNaN(candidateValue);
      d =
          new Decision(
              beats,
              candidate.version(),
              champion.version(),
              candidateValue,
              incumbentValue,
              String.format(
                  Locale.ROOT,
                  "%s %.4f vs champion version %d %.4f on the window from %s: difference %+.4f"
                      + " (%s is better), %s min_improvement %.4f",
                  metric,
                  candidateValue,
                  champion.version(),
                  incumbentValue,
                  candidate.validateFrom(),
                  candidateValue - incumbentValue,
                  spec.metric().higherIsBetter() ? "higher" : "lower",
                  beats ? "meets" : "does not meet",
                  spec.minImprovement()));
    }
    apply(model, d);
    return d;
  }

  /** Promotes {@code version} by hand, recording the reason; no metric is checked. */
  public void force(String model, int version, String reason) {
    if (reason == null || reason.isBlank()) {
      throw new ModelException("--force needs --reason: the audit history records why");
    }
    ModelRegistry.Alias champion = registry.aliases(model).get(ModelRegistry.CHAMPION);
    if (champion != null && champion.version() == version) {
      throw new ModelException("version " + version + " of " + model + " is already the champion");
    }
    if (champion != null) {
      registry.setAlias(
          model,
          ModelRegistry.PREVIOUS_CHAMPION,
          champion.version(),
          actor,
          "force",
          "replaced by version " + version + " (forced): " + reason,
          null);
    }
    registry.setAlias(model, ModelRegistry.CHAMPION, version, actor, "force", reason, null);
    clearChallenger(model, version);
  }

  private void apply(String model, Decision d) {
    if (d.promoted()) {
      if (d.incumbent() != null) {
        registry.setAlias(
            model,
            ModelRegistry.PREVIOUS_CHAMPION,
            d.incumbent(),
            actor,
            "promote",
            "replaced by version " + d.candidate() + ": " + d.reason(),
            d.evidence());
      }
      registry.setAlias(
          model, ModelRegistry.CHAMPION, d.candidate(), actor, "promote", d.reason(), d.evidence());
      clearChallenger(model, d.candidate());
    } else {
      registry.setAlias(
          model,
          ModelRegistry.CHALLENGER,
          d.candidate(),
          actor,
          "retain",
          "stays challenger: " + d.reason(),
          d.evidence());
    }
  }

  private void clearChallenger(String model, int promoted) {
    ModelRegistry.Alias challenger = registry.aliases(model).get(ModelRegistry.CHALLENGER);
    if (challenger != null && challenger.version() <= promoted) {
      registry.setAlias(
          model,
          ModelRegistry.CHALLENGER,
          null,
          actor,
          "remove",
          "version " + promoted + " became champion",
          null);
    }
  }
}
