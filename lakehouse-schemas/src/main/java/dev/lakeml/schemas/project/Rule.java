package dev.lakeml.schemas.project;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validation rule over a source's typed columns. A row that fails any rule goes to quarantine
 * with the names of the rules it failed and a readable reason.
 */
public sealed interface Rule {

  /** Unique within its source; appears in {@code quarantine.*._failed_rules} and run counts. */
  String name();

  /** Optional words for the reason shown to people; a default is derived from the rule. */
  Optional<String> message();

  /** The column must hold a value. */
  record NotNull(String name, String column, Optional<String> message) implements Rule {
    public NotNull {
      Objects.requireNonNull(column, "column");
    }
  }

  /** The value must lie within [min, max] (either bound may be absent; bounds are inclusive). */
  record Range(
      String name,
      String column,
      Optional<BigDecimal> min,
      Optional<BigDecimal> max,
      Optional<String> message)
      implements Rule {
    public Range {
      if (min.isEmpty() && max.isEmpty()) {
        throw new IllegalArgumentException("a range needs min, max or both");
      }
      if (min.isPresent() && max.isPresent() && min.get().compareTo(max.get()) > 0) {
        throw new IllegalArgumentException("min " + min.get() + " is above max " + max.get());
      }
    }
  }

  /** The value must be one of a fixed list (compared as text). */
  record AllowedValues(String name, String column, List<String> values, Optional<String> message)
      implements Rule {
    public AllowedValues {
      values = List.copyOf(values);
      if (values.isEmpty()) {
        throw new IllegalArgumentException("the list of allowed values is empty");
      }
    }
  }

  /** The value, as text, must match a Java regular expression (searched, so anchor it). */
  record Regex(String name, String column, String pattern, Optional<String> message)
      implements Rule {}

  /** A Spark SQL boolean expression over the typed columns; NULL counts as a failure. */
  record Sql(String name, String expression, Optional<String> message) implements Rule {}
}
