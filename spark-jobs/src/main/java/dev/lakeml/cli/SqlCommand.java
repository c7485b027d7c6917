package dev.lakeml.cli;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lakeml sql}: runs a query over the lakehouse's tables and prints the result. */
@Command(
    name = "sql",
    description = "Run a Spark SQL query over the lakehouse and print the result.")
final class SqlCommand extends SparkCommand {
  @Parameters(
      index = "0",
      description = "The query, e.g. \"SELECT count(*) FROM silver.invoice_lines\".")
  String query;

  /** How the result is printed. */
  enum Format {
    /** Aligned columns for a person; long cells are cut. */
    TABLE,
    /** RFC 4180 CSV with a header row, every value whole (for scripts and spreadsheets). */
    CSV,
    /** JSON Lines: one object per row, as Spark writes JSON, NULL fields left out (for scripts). */
    JSON
  }

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}), in any case.")
  Format format;

  @Option(
      names = "--limit",
      description = "Rows to print (default ${DEFAULT-VALUE}).",
      defaultValue = "50")
  int limit;

  @Override
  int run(LakemlContext ctx) {
    Dataset<Row> result;
    try {
      result = ctx.spark.sql(query);
    } catch (Exception e) {
      String message = e instanceof AnalysisException a ? a.getSimpleMessage() : e.getMessage();
      throw new LakemlCli.UsageException(
          "the query is not valid: " + message.lines().findFirst().orElse(message));
    }
    switch (format) {
      case TABLE -> ctx.out.print(TextTable.render(result, limit));
      case CSV -> ctx.out.print(csv(result, limit));
      case JSON -> result.limit(limit).toJSON().collectAsList().forEach(ctx.out::println);
    }
    return LakemlCli.OK;
  }

  /** The first {@code limit} rows as CSV: values as Spark casts them to text, NULL as empty. */
  static String csv(Dataset<Row> result, int limit) {
    String[] names = result.columns();
    Column[] asText = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      asText[i] = functions.col("`" + names[i].replace("`", "``") + "`").cast("string");
    }
    StringBuilder out = new StringBuilder();
    out.append(csvLine(names));
    for (Row r : result.select(asText).limit(limit).collectAsList()) {
      String[] cells = new String[names.length];
      for (int i = 0; i < cells.length; i++) {
        cells[i] = r.isNullAt(i) ? null : r.getString(i);
      }
      out.append(csvLine(cells));
    }
    return out.toString();
  }

  private static String csvLine(String[] cells) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      String c = cells[i];
      if (c == null) {
        continue;
      }
      if (c.isEmpty() || c.matches("(?s).*[\",\r\n].*") || !c.strip().equals(c)) {
        line.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        line.append(c);
      }
    }
    return line.append("\r\n").toString();
  }
}
