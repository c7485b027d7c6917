package dev.lakeml.cli;

import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.PromotionGate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml models list|show|history|promote|alias}: the model registry, for people. */
@Command(
    name = "models",
    description =
        "The model registry: versions, aliases (champion, challenger), their history, and manual"
            + " promotion.",
    subcommands = {
      ModelsCommand.ListVersions.class,
      ModelsCommand.Show.class,
      ModelsCommand.History.class,
      ModelsCommand.Promote.class,
      ModelsCommand.SetAlias.class
    })
final class ModelsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: list, show, history, promote or alias");
  }

  static String identifier(String model) {
    if (!model.matches("[a-z][a-z0-9_]*")) {
      throw new LakemlCli.UsageException("'" + model + "' is not a model name (lower_snake_case)");
    }
    return model;
  }

  @Command(name = "list", description = "Every version of a model with its aliases and metric.")
  static final class ListVersions extends SparkCommand {
    @Parameters(index = "0", description = "model name")
    String model;

    @Override
    int run(LakemlContext ctx) {
      ModelRegistry registry = new ModelRegistry(ctx.lakehouse, Clock.systemUTC());
      List<ModelRegistry.Version> versions = registry.versions(identifier(model));
      if (versions.isEmpty()) {
        throw new LakemlCli.UsageException(
            "model " + model + " has no registered versions (lakeml train " + model + ")");
      }
      Map<String, ModelRegistry.Alias> aliases = registry.aliases(model);
      List<String[]> rows = new ArrayList<>();
      for (ModelRegistry.Version v : versions) {
        List<String> names =
            aliases.values().stream()
                .filter(a -> a.version() == v.version())
                .map(ModelRegistry.Alias::alias)
                .toList();
        Double value = v.metrics().get(v.metric());
        rows.add(
            new String[] {
              String.valueOf(v.version()),
              String.join(",", names),
              v.algorithm(),
              v.format(),
              v.metric(),
              value == null ? "" : String.format("%.4f", value),
              v.runId(),
              v.validateFrom().toString()
            });
      }
      ctx.out.print(
          TextTable.render(
              List.of(
                  "version",
                  "aliases",
                  "algorithm",
                  "format",
                  "metric",
                  "value",
                  "run",
                  "validate_from"),
              rows));
      return LakemlCli.OK;
    }
  }

  @Command(name = "show", description = "One version: signature, artifact, lineage, metrics.")
  static final class Show extends SparkCommand {
    @Parameters(index = "0", description = "model name")
    String model;

    @Parameters(
        index = "1",
        arity = "0..1",
        description = "version number or alias (default: champion)")
    String reference;

    @Override
    int run(LakemlContext ctx) {
      ModelRegistry registry = new ModelRegistry(ctx.lakehouse, Clock.systemUTC());
      ModelRegistry.Version v = registry.resolve(identifier(model), reference);
      ctx.out.printf("model:          %s version %d%n", v.model(), v.version());
      ctx.out.printf("algorithm:      %s (%s)%n", v.algorithm(), v.task());
      ctx.out.printf("format:         %s%n", v.format());
      ctx.out.printf("artifact:       %s%n", v.artifact());
      if (v.sparkPipeline() != null && !v.sparkPipeline().equals(v.artifact())) {
        ctx.out.printf("spark pipeline: %s%n", v.sparkPipeline());
      }
      ctx.out.printf("inputs:         %s%n", v.inputs());
      ctx.out.printf("output:         %s%n", v.output());
      ctx.out.printf("metrics:        %s (promotion metric %s)%n", v.metrics(), v.metric());
      ctx.out.printf("run:            %s%n", v.runId());
      ctx.out.printf(
          "training set:   %s (Delta version %s), label %s%n",
          v.trainingSetBuild(), v.trainingSetVersion(), v.label());
      ctx.out.printf("inputs read:    %s%n", v.inputTables());
      ctx.out.printf("validation:     %s to %s%n", v.validateFrom(), v.validateTo());
      ctx.out.printf("report:         %s%n", v.report());
      return LakemlCli.OK;
    }
  }

  @Command(name = "history", description = "Every alias change of a model, oldest first.")
  static final class History extends SparkCommand {
    @Parameters(index = "0", description = "model name")
    String model;

    @Override
    int run(LakemlContext ctx) {
      ModelRegistry registry = new ModelRegistry(ctx.lakehouse, Clock.systemUTC());
      ctx.out.print(
          TextTable.render(
              registry
                  .history(identifier(model))
                  .select(
                      "changed_at",
                      "alias",
                      "previous_version",
                      "version",
                      "action",
                      "actor",
                      "reason"),
              1000));
      return LakemlCli.OK;
    }
  }

  @Command(
      name = "promote",
      description =
          "Make a version the champion: through the gate (it must beat the champion on its own"
              + " validation window), or with --force and a --reason, which the history keeps.")
  static final class Promote extends SparkCommand {
    @Parameters(index = "0", description = "model name")
    String model;

    @Parameters(index = "1", description = "version number or alias")
    String reference;

    @Option(names = "--force", description = "skip the gate (needs --reason)")
    boolean force;

    @Option(names = "--reason", description = "why; recorded in ml.model_alias_history")
    String reason;

    @Override
    int run(LakemlContext ctx) {
      ModelRegistry registry = new ModelRegistry(ctx.lakehouse, Clock.systemUTC());
      ModelRegistry.Version v = registry.resolve(identifier(model), reference);
      String actor = "lakeml models promote (" + System.getProperty("user.name", "?") + ")";
      if (force) {
        if (reason == null || reason.isBlank()) {
          throw new LakemlCli.UsageException(
              "--force needs --reason \"...\": the history records why the gate was skipped");
        }
        new PromotionGate(registry, actor).force(model, v.version(), reason);
        ctx.out.printf("%s version %d is the champion (forced: %s)%n", model, v.version(), reason);
        return LakemlCli.OK;
      }
      PromotionGate.Decision d =
          new dev.lakeml.ml.TrainJob(ctx.project, ctx.lakehouse, Clock.systemUTC(), ctx::info)
              .gate(v, actor);
      ctx.out.printf(
          "%s version %d %s: %s%n",
          model, v.version(), d.promoted() ? "is the champion" : "stays a challenger", d.reason());
      return d.promoted() ? LakemlCli.OK : LakemlCli.FAILED;
    }
  }

  @Command(
      name = "alias",
      description = "Point a free alias (or challenger) at a version, or remove it with --remove.")
  static final class SetAlias extends SparkCommand {
    @Parameters(index = "0", description = "model name")
    String model;

    @Parameters(index = "1", description = "alias (not champion: use promote)")
    String alias;

    @Parameters(index = "2", arity = "0..1", description = "version number")
    Integer version;

    @Option(names = "--remove", description = "remove the alias")
    boolean remove;

    @Option(names = "--reason", required = true, description = "why; kept in the history")
    String reason;

    @Override
    void check() {
      if (ModelRegistry.CHAMPION.equals(alias)) {
        throw new LakemlCli.UsageException(
            "the champion changes through the gate: lakeml models promote " + model + " VERSION");
      }
      if (remove == (version != null)) {
        throw new LakemlCli.UsageException("give either a VERSION or --remove");
      }
    }

    @Override
    int run(LakemlContext ctx) {
      ModelRegistry registry = new ModelRegistry(ctx.lakehouse, Clock.systemUTC());
      registry.setAlias(
          identifier(model),
          alias,
          version,
          "lakeml models alias (" + System.getProperty("user.name", "?") + ")",
          remove ? "remove" : "assign",
          reason,
          null);
      ctx.out.printf(
          "%s: %s %s%n", model, alias, remove ? "removed" : "now points at version " + version);
      return LakemlCli.OK;
    }
  }
}
