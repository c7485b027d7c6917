package dev.lakeml.cli;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Renders query results as a plain text table for the terminal. */
final class TextTable {
  private static final int MAX_CELL = 60;

  private TextTable() {}

  static String render(Dataset<Row> df, int limit) {
    String[] names = df.columns();
    List<Row> rows = df.limit(limit + 1).collectAsList();
    boolean more = rows.size() > limit;
    List<String[]> cells = new ArrayList<>();
    for (Row r : rows.subList(0, Math.min(limit, rows.size()))) {
      String[] line = new String[names.length];
      for (int i = 0; i < names.length; i++) {
        Object v = r.get(i);
        String text =
            v == null
                ? "NULL"
                : v instanceof scala.collection.Seq<?> s
                    ? s.mkString("[", ", ", "]")
                    : v.toString();
        line[i] = text.length() > MAX_CELL ? text.substring(0, MAX_CELL - 3) + "..." : text;
      }
      cells.add(line);
    }
    return render(List.of(names), cells, more);
  }

  /** Renders rows of text under the given column names. */
  static String render(List<String> header, List<String[]> cells) {
    return render(header, cells, false);
  }

  private static String render(List<String> header, List<String[]> cells, boolean more) {
    String[] names = header.toArray(String[]::new);
    int[] width = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      width[i] = names[i].length();
      for (String[] line : cells) {
        width[i] = Math.max(width[i], line[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    separator(sb, width);
    row(sb, names, width);
    separator(sb, width);
    for (String[] line : cells) {
      row(sb, line, width);
    }
    separator(sb, width);
    sb.append(cells.size())
        .append(cells.size() == 1 ? " row" : " rows")
        .append(more ? " (more not shown; --limit)" : "")
        .append('\n');
    return sb.toString();
  }

  private static void separator(StringBuilder sb, int[] width) {
    sb.append('+');
    for (int w : width) {
      sb.append("-".repeat(w + 2)).append('+');
    }
    sb.append('\n');
  }

  private static void row(StringBuilder sb, String[] cells, int[] width) {
    sb.append('|');
    for (int i = 0; i < cells.length; i++) {
      sb.append(' ').append(cells[i]).append(" ".repeat(width[i] - cells[i].length())).append(" |");
    }
    sb.append('\n');
  }
}
