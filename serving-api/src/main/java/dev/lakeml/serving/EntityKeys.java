package dev.lakeml.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.KeyColumn;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entity keys as the API takes them.
 *
 * <p>In a URL, a composite key is its values joined by {@code ,} in key column order (e.g. {@code
 * /v1/features/customer_product/12347,85123A}); a {@code ,} or {@code \} inside a string value is
 * escaped with a backslash ({@code \,}, {@code \\}). In JSON, a key is an object of key columns
 * ({@code {"customer_id": 12347}}), or, for a one-column key, the bare value. {@code long} columns
 * take whole numbers, {@code string} columns take strings.
 */
final class EntityKeys {
  private EntityKeys() {}

  static List<Object> parsePath(String text, List<KeyColumn> columns, String view) {
    List<String> parts = split(text);
    if (parts.size() != columns.size()) {
      throw ApiException.invalidKey(
          "the key of '"
              + view
              + "' is "
              + describe(columns)
              + ": expected "
              + columns.size()
              + " value(s) joined by ',', found "
              + parts.size());
    }
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      out.add(typed(columns.get(i), parts.get(i), view));
    }
    return out;
  }

  static List<Object> parseJson(JsonNode node, List<KeyColumn> columns, String view, String field) {
    if (node.isObject()) {
      List<Object> out = new ArrayList<>();
      for (KeyColumn c : columns) {
        JsonNode v = node.get(c.name());
        if (v == null || v.isNull()) {
          throw ApiException.invalidField(
              field, field + " needs key column '" + c.name() + "' (" + describe(columns) + ")");
        }
        out.add(jsonValue(c, v, view, field + "." + c.name()));
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (columns.stream().noneMatch(c -> c.name().equals(name))) {
          throw ApiException.unknownField(field + "." + name, describe(columns));
        }
      }
      return out;
    }
    if (columns.size() == 1 && (node.isNumber() || node.isTextual())) {
      return List.of(jsonValue(columns.get(0), node, view, field));
    }
    throw ApiException.invalidField(
        field, field + " must be an object of key columns " + describe(columns));
  }

  static Object jsonValue(KeyColumn c, JsonNode v, String view, String field) {
    if (c.type() == FeatureType.LONG) {
      if (v.isIntegralNumber() && v.canConvertToLong()) {
        return v.longValue();
      }
      throw ApiException.invalidField(
          field,
          "key column '"
              + c.name()
              + "' of '"
              + view
              + "' is long: expected a whole number, found "
              + v);
    }
    if (v.isTextual()) {
      requireNoNul(v.textValue(), c, view, field);
      return v.textValue();
    }
    throw ApiException.invalidField(
        field,
        "key column '" + c.name() + "' of '" + view + "' is string: expected a string, found " + v);
  }

  /** A string key cannot hold U+0000: the stored key ends each string value with that byte. */
  private static void requireNoNul(String text, KeyColumn c, String view, String field) {
    int at = text.indexOf('\u0000');
    if (at >= 0) {
      throw ApiException.invalidKey(
          field
              + ": key column '"
              + c.name()
              + "' of '"
              + view
              + "' contains the character U+0000 at index "
              + at
              + "; keys cannot contain it");
    }
  }

  static Object typed(KeyColumn c, String text, String view) {
    if (c.type() == FeatureType.LONG) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw ApiException.invalidKey(
            "key column '"
                + c.name()
                + "' of '"
                + view
                + "' is long: expected a whole number, found '"
                + text
                + "'");
      }
    }
    requireNoNul(text, c, view, "the key");
    return text;
  }

  /** The key as a JSON-friendly object of key columns. */
  static Map<String, Object> asMap(List<KeyColumn> columns, List<?> values) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      out.put(columns.get(i).name(), values.get(i));
    }
    return out;
  }

  static String describe(List<KeyColumn> columns) {
    List<String> parts = new ArrayList<>();
    for (KeyColumn c : columns) {
      parts.add(c.name() + " (" + c.type().yamlName() + ")");
    }
    return String.join(", ", parts);
  }

  private static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch == '\\' && i + 1 < text.length()) {
        cur.append(text.charAt(++i));
      } else if (ch == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
