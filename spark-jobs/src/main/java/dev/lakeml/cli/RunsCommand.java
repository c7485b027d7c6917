package dev.lakeml.cli;

import dev.lakeml.schemas.tables.MlTables;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lakeml runs list|show|compare}: the experiment tracking tables, for people. */
@Command(
    name = "runs",
    description = "List training runs, show one with its candidates, or compare runs.",
    subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Compare.class})
final class RunsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: list, show or compare");
  }

  private static void requireRuns(LakemlContext ctx) {
    if (!ctx.lakehouse.exists(MlTables.RUNS)) {
      throw new LakemlCli.UsageException("no model has been trained yet (lakeml train MODEL)");
    }
  }

  private static String quoted(String id) {
    if (!id.matches("[0-9a-f]{1,32}")) {
      throw new LakemlCli.UsageException("'" + id + "' is not a run id (hex digits)");
    }
    return "'" + id + "'";
  }

  @Command(name = "list", description = "Runs, newest first.")
  static final class ListRuns extends SparkCommand {
    @Override
    int run(LakemlContext ctx) {
      requireRuns(ctx);
      ctx.out.print(
          TextTable.render(
              ctx.spark.sql(
                  "SELECT run_id, model, algorithm, status, started_at, candidates,"
                      + " round(metrics['auc_roc'], 4) AS auc_roc, round(metrics['auc_pr'], 4) AS"
                      + " auc_pr, round(metrics['log_loss'], 4) AS log_loss FROM ml.runs ORDER BY"
                      + " started_at DESC"),
              1000));
      return LakemlCli.OK;
    }
  }

  @Command(name = "show", description = "One run: inputs, chosen parameters and every candidate.")
  static final class Show extends SparkCommand {
    @Parameters(index = "0", description = "run id")
    String id;

    @Override
    int run(LakemlContext ctx) {
      requireRuns(ctx);
      List<org.apache.spark.sql.Row> run =
          ctx.spark.sql("SELECT * FROM ml.runs WHERE run_id = " + quoted(id)).collectAsList();
      if (run.isEmpty()) {
        throw new LakemlCli.UsageException("no run '" + id + "'; see lakeml runs list");
      }
      org.apache.spark.sql.Row r = run.get(0);
      for (String f : r.schema().fieldNames()) {
        Object v = r.getAs(f);
        ctx.out.printf(
            "%-20s %s%n",
            f,
            v instanceof scala.collection.Map<?, ?> m
                ? m.mkString("{", ", ", "}")
                : v instanceof scala.collection.Seq<?> s ? s.mkString("[", ", ", "]") : v);
      }
      ctx.out.print(
          TextTable.render(
              ctx.spark.sql(
                  "SELECT candidate, params, chosen, metric, round(value, 4) AS value,"
                      + " round(fit_seconds, 1) AS fit_s FROM ml.run_metrics WHERE run_id = "
                      + quoted(id)
                      + " ORDER BY candidate, metric"),
              1000));
      return LakemlCli.OK;
    }
  }

  @Command(name = "compare", description = "Validation metrics of several runs side by side.")
  static final class Compare extends SparkCommand {
    @Parameters(arity = "2..*", description = "run ids")
    List<String> ids;

    @Override
    int run(LakemlContext ctx) {
      requireRuns(ctx);
      String in = String.join(", ", ids.stream().map(RunsCommand::quoted).toList());
      ctx.out.print(
          TextTable.render(
              ctx.spark.sql(
                  "SELECT run_id, model, algorithm, params, training_set_build, train_rows,"
                      + " validation_rows, round(metrics['auc_roc'], 4) AS auc_roc,"
                      + " round(metrics['auc_pr'], 4) AS auc_pr, round(metrics['log_loss'], 4) AS"
                      + " log_loss FROM ml.runs WHERE run_id IN ("
                      + in
                      + ") ORDER BY started_at"),
              1000));
      return LakemlCli.OK;
    }
  }
}
