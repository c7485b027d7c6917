package dev.lakeml.schemas.project;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A raw data source: where its files are for a logical date, their format, the expected columns,
 * the deduplication key and the validation rules.
 *
 * @param location path pattern, relative to the project folder or a URI, with {@code {date}} where
 *     the logical date goes (written with {@code dateFormat})
 * @param readerOptions format options passed to Spark's reader (e.g. {@code delimiter})
 * @param key columns that identify a row; rows sharing a key are duplicates, the first one wins
 */
public record SourceSpec(
    String name,
    SourceFormat format,
    String location,
    String dateFormat,
    Map<String, String> readerOptions,
    List<ColumnSpec> columns,
    List<DerivedColumn> derived,
    List<String> key,
    List<Rule> rules,
    Optional<StreamSpec> stream,
    String description) {

  public SourceSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(location, "location");
    readerOptions = Map.copyOf(readerOptions);
    columns = List.copyOf(columns);
    derived = List.copyOf(derived);
    key = List.copyOf(key);
    rules = List.copyOf(rules);
    description = description == null ? "" : description;
  }

  public Optional<ColumnSpec> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }

  /** The raw column names, in the order the files deliver them. */
  public List<String> sourceColumnNames() {
    return columns.stream().map(ColumnSpec::sourceName).toList();
  }
}
