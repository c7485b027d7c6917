package dev.lakeml.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml sql}: runs a query over the lakehouse's tables and prints the result. */
@Command(
    name = "sql",
    description = "Run a Spark SQL query over the lakehouse and print the result.")
final class SqlCommand implements Callable<Integer> {
  @Mixin LakemlCli.GlobalOptions global = new LakemlCli.GlobalOptions();

  @Parameters(
      index = "0",
      description = "The query, e.g. \"SELECT count(*) FROM silver.invoice_lines\".")
  String query;

  @Option(
      names = "--limit",
      description = "Rows to print (default ${DEFAULT-VALUE}).",
      defaultValue = "50")
  int limit;

  @Override
  public Integer call() {
    try (LakemlContext ctx = LakemlContext.open(global, LakemlCli.out(), LakemlCli.err())) {
      Dataset<Row> result;
      try {
        result = ctx.spark.sql(query);
      } catch (Exception e) {
        String message = e instanceof AnalysisException a ? a.getSimpleMessage() : e.getMessage();
        throw new LakemlCli.UsageException(
            "the query is not valid: " + message.lines().findFirst().orElse(message));
      }
      ctx.out.print(TextTable.render(result, limit));
      return LakemlCli.OK;
    }
  }
}
