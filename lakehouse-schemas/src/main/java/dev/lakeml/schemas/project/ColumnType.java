package dev.lakeml.schemas.project;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column's logical type, written in the project file as {@code string}, {@code int}, {@code
 * long}, {@code double}, {@code boolean}, {@code date}, {@code timestamp} or {@code decimal(p,s)}.
 */
public record ColumnType(Kind kind, int precision, int scale) {

  /** The supported kinds of value. */
  public enum Kind {
    STRING,
    INT,
    LONG,
    DOUBLE,
    DECIMAL,
    BOOLEAN,
    DATE,
    TIMESTAMP
  }

  public static final String ACCEPTED =
      "one of string, int, long, double, boolean, date, timestamp, decimal(p,s)";

  private static final Pattern DECIMAL =
      Pattern.compile("decimal\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)");

  public ColumnType {
    if (kind == Kind.DECIMAL) {
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw new IllegalArgumentException(
            "decimal(" + precision + "," + scale + ") needs 1 <= p <= 38 and 0 <= s <= p");
      }
    } else if (precision != 0 || scale != 0) {
      throw new IllegalArgumentException("only decimal takes a precision and scale");
    }
  }

  public static ColumnType of(Kind kind) {
    return new ColumnType(kind, 0, 0);
  }

  /** Parses the project-file spelling; throws IllegalArgumentException naming what is accepted. */
  public static ColumnType parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = DECIMAL.matcher(t);
    if (m.matches()) {
      return new ColumnType(
          Kind.DECIMAL, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }
    return switch (t) {
      case "string" -> of(Kind.STRING);
      case "int", "integer" -> of(Kind.INT);
      case "long", "bigint" -> of(Kind.LONG);
      case "double" -> of(Kind.DOUBLE);
      case "boolean" -> of(Kind.BOOLEAN);
      case "date" -> of(Kind.DATE);
      case "timestamp" -> of(Kind.TIMESTAMP);
      default ->
          throw new IllegalArgumentException("'" + text + "' is not a type; expected " + ACCEPTED);
    };
  }

  /** The Spark SQL DDL spelling (also what Delta stores). */
  public String ddl() {
    return switch (kind) {
      case STRING -> "STRING";
      case INT -> "INT";
      case LONG -> "BIGINT";
      case DOUBLE -> "DOUBLE";
      case DECIMAL -> "DECIMAL(" + precision + "," + scale + ")";
      case BOOLEAN -> "BOOLEAN";
      case DATE -> "DATE";
      case TIMESTAMP -> "TIMESTAMP";
    };
  }

  public boolean isNumeric() {
    return kind == Kind.INT || kind == Kind.LONG || kind == Kind.DOUBLE || kind == Kind.DECIMAL;
  }

  @Override
  public String toString() {
    return ddl().toLowerCase(Locale.ROOT);
  }
}
