package dev.lakeml.cli;

import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code lakeml demo}: ingests every bundled day of the example project end to end and shows where
 * the tables are, how the counts reconcile, why rows were quarantined, and a SQL query.
 */
@Command(
    name = "demo",
    description = "Ingest the bundled Online Retail data end to end and query it.")
final class DemoCommand implements Callable<Integer> {
  @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

  static final String SAMPLE_QUERY =
      "SELECT country, count(DISTINCT invoice_no) AS invoices, CAST(sum(line_amount) AS DECIMAL(14,2)) AS revenue_gbp"
          + " FROM silver.invoice_lines WHERE NOT is_cancellation GROUP BY country ORDER BY revenue_gbp DESC LIMIT 5";

  static final String QUARANTINE_QUERY =
      "SELECT rule, count(*) AS rows FROM quarantine.invoice_lines LATERAL VIEW explode(_failed_rules) r AS rule"
          + " GROUP BY rule ORDER BY rows DESC";

  @Override
  public Integer call() {
    try (LakemlContext ctx = LakemlContext.open(global, LakemlCli.out(), LakemlCli.err())) {
      IngestCommand.Dates all = new IngestCommand.Dates();
      all.all = true;
      IngestCommand.ingest(ctx, ctx.project.sources(), all);
      ctx.out.println();
      ctx.out.println("Tables (Delta, registered for SQL):");
      for (TableContract t : IngestTables.all(ctx.project)) {
        ctx.out.printf("  %-28s %s%n", t.qualifiedName(), ctx.lakehouse.location(t));
      }
      if (ctx.project.source("invoice_lines").isPresent()) {
        ctx.out.println();
        ctx.out.println("Why rows were quarantined:");
        ctx.out.println("  lakeml sql \"" + QUARANTINE_QUERY + "\"");
        ctx.out.print(TextTable.render(ctx.spark.sql(QUARANTINE_QUERY), 20));
        ctx.out.println();
        ctx.out.println("A sample query:");
        ctx.out.println("  lakeml sql \"" + SAMPLE_QUERY + "\"");
        ctx.out.print(TextTable.render(ctx.spark.sql(SAMPLE_QUERY), 5));
      }
      return LakemlCli.OK;
    }
  }
}
