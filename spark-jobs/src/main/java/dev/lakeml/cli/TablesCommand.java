package dev.lakeml.cli;

import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableColumn;
import dev.lakeml.schemas.tables.TableContract;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lakeml tables list|describe|history}: the lakehouse's tables, from their contracts. */
@Command(
    name = "tables",
    description = "List the lakehouse's tables, describe one, or show its Delta history.",
    subcommands = {
      TablesCommand.ListTables.class,
      TablesCommand.Describe.class,
      TablesCommand.History.class
    })
final class TablesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: list, describe or history");
  }

  static TableContract find(LakemlContext ctx, String name) {
    List<TableContract> all = IngestTables.all(ctx.project);
    return all.stream()
        .filter(t -> t.qualifiedName().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new LakemlCli.UsageException(
                    "unknown table '"
                        + name
                        + "'; expected one of "
                        + all.stream().map(TableContract::qualifiedName).toList()));
  }

  @Command(name = "list", description = "Every table with its location and whether it exists yet.")
  static final class ListTables extends SparkCommand {
    @Override
    int run(LakemlContext ctx) {
      for (TableContract t : IngestTables.all(ctx.project)) {
        boolean exists = ctx.lakehouse.exists(t);
        ctx.out.printf(
            "%-32s %-8s %s%n",
            t.qualifiedName(), exists ? "" : "(empty)", ctx.lakehouse.location(t));
      }
      return LakemlCli.OK;
    }
  }

  @Command(name = "describe", description = "A table's contract, Delta version and size.")
  static final class Describe extends SparkCommand {
    @Parameters(index = "0", description = "layer.name, e.g. silver.invoice_lines")
    String name;

    @Override
    int run(LakemlContext ctx) {
      TableContract t = find(ctx, name);
      ctx.out.println(t.qualifiedName() + " - " + t.description());
      ctx.out.println("location:     " + ctx.lakehouse.location(t));
      ctx.out.println("partitioned:  " + t.partitionColumns());
      ctx.out.println("key:          " + t.keys());
      ctx.out.println("columns:");
      for (TableColumn c : t.columns()) {
        ctx.out.printf(
            "  %-22s %-16s %-9s %s%n",
            c.name(), c.type(), c.nullable() ? "" : "NOT NULL", c.comment());
      }
      if (ctx.lakehouse.exists(t)) {
        ctx.out.print(
            TextTable.render(
                ctx.spark
                    .sql("DESCRIBE DETAIL " + t.qualifiedName())
                    .selectExpr("format", "numFiles", "sizeInBytes", "lastModified"),
                1));
        ctx.out.print(
            TextTable.render(
                ctx.spark
                    .sql("DESCRIBE HISTORY " + t.qualifiedName())
                    .selectExpr("max(version) AS version"),
                1));
      } else {
        ctx.out.println("(the table has not been written yet)");
      }
      return LakemlCli.OK;
    }
  }

  @Command(
      name = "history",
      description = "A table's Delta history: versions, operations, metrics.")
  static final class History extends SparkCommand {
    @Parameters(index = "0", description = "layer.name, e.g. silver.invoice_lines")
    String name;

    @picocli.CommandLine.Option(
        names = "--limit",
        defaultValue = "20",
        description = "Versions to show.")
    int limit;

    @Override
    int run(LakemlContext ctx) {
      TableContract t = find(ctx, name);
      if (!ctx.lakehouse.exists(t)) {
        throw new dev.lakeml.lakehouse.LakehouseException(
            t.qualifiedName() + " has not been written yet.");
      }
      ctx.out.print(
          TextTable.render(
              ctx.spark
                  .sql("DESCRIBE HISTORY " + t.qualifiedName())
                  .selectExpr(
                      "version",
                      "timestamp",
                      "operation",
                      "operationParameters['predicate'] AS predicate",
                      "operationMetrics['numOutputRows'] AS rows_written"),
              limit));
      return LakemlCli.OK;
    }
  }
}
