package dev.lakeml.lakehouse;

import dev.lakeml.schemas.tables.TableColumn;
import dev.lakeml.schemas.tables.TableContract;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A row of a contracted table, built by column name instead of by position: {@code
 * TableRow.of(MlTables.RUNS).set("run_id", id).set("status", "FAILED")...build()}.
 *
 * <p>A name that is not a column of the contract, a column set twice, and a required column left
 * unset are refused with the table and the column, so a contract change that a writer missed fails
 * at the writer rather than as a shifted column in Delta. Optional columns left unset are null.
 * Values are Spark's external types ({@code java.sql.Timestamp}, {@code java.sql.Date}, {@code
 * List}, {@code Map}, nested {@code Row}s).
 */
public final class TableRow {
  private final TableContract table;
  private final Object[] values;
  private final boolean[] set;

  private TableRow(TableContract table) {
    this.table = table;
    this.values = new Object[table.columns().size()];
    this.set = new boolean[values.length];
  }

  public static TableRow of(TableContract table) {
    return new TableRow(table);
  }

  /** Sets {@code column} to {@code value} (null allowed only for optional columns). */
  public TableRow set(String column, Object value) {
    int i = index(column);
    if (set[i]) {
      throw new IllegalArgumentException(
          table.qualifiedName() + ": column " + column + " is set twice");
    }
    TableColumn c = table.columns().get(i);
    if (value == null && !c.nullable()) {
      throw new IllegalArgumentException(
          table.qualifiedName() + ": column " + column + " is required and cannot be null");
    }
    values[i] = value;
    set[i] = true;
    return this;
  }

  /** The row in contract order; refuses when a required column was not set. */
  public Row build() {
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      TableColumn c = table.columns().get(i);
      if (!set[i] && !c.nullable()) {
        missing.add(c.name());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          table.qualifiedName() + ": required column(s) not set: " + String.join(", ", missing));
    }
    return RowFactory.create(values.clone());
  }

  private int index(String column) {
    List<TableColumn> columns = table.columns();
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(column)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        table.qualifiedName() + " has no column " + column + "; it has " + table.columnNames());
  }
}
