package dev.lakeml.schemas.features;

import dev.lakeml.schemas.project.ColumnType;
import java.util.List;
import java.util.Objects;

/** A thing features describe (a customer, a product), identified by one or more key columns. */
public record EntitySpec(String name, List<Key> keys, String description) {

  /** One key column of an entity. */
  public record Key(String name, ColumnType type) {
    public Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }
  }

  public EntitySpec {
    Objects.requireNonNull(name, "name");
    keys = List.copyOf(keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("an entity needs at least one key column");
    }
    description = description == null ? "" : description;
  }

  public List<String> keyNames() {
    return keys.stream().map(Key::name).toList();
  }
}
