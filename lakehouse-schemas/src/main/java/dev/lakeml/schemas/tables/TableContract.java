package dev.lakeml.schemas.tables;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a lakehouse table is: its name and layer, columns, partitioning, key and table properties.
 * Spark jobs create and evolve Delta tables from contracts; nothing else defines a table.
 */
public record TableContract(
    Layer layer,
    String name,
    List<TableColumn> columns,
    List<String> partitionColumns,
    List<String> keys,
    Map<String, String> properties,
    String description) {

  public TableContract {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(name, "name");
    columns = List.copyOf(columns);
    partitionColumns = List.copyOf(partitionColumns);
    keys = List.copyOf(keys);
    properties = Map.copyOf(properties);
    description = description == null ? "" : description;
    Set<String> names = new HashSet<>();
    for (TableColumn c : columns) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException(name + ": column " + c.name() + " appears twice");
      }
    }
    for (String p : partitionColumns) {
      if (!names.contains(p)) {
        throw new IllegalArgumentException(name + ": partition column " + p + " is not a column");
      }
    }
    for (String k : keys) {
      if (!names.contains(k)) {
        throw new IllegalArgumentException(name + ": key column " + k + " is not a column");
      }
    }
  }

  /** {@code layer.name}, as used in SQL. */
  public String qualifiedName() {
    return layer.database() + "." + name;
  }

  /** The table's folder below the lakehouse root. */
  public String relativePath() {
    return layer.database() + "/" + name;
  }

  public Optional<TableColumn> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }

  public List<String> columnNames() {
    return columns.stream().map(TableColumn::name).toList();
  }
}
