package dev.lakeml.schemas.project;

import java.util.Locale;

/** The file formats a source may be delivered in. */
public enum SourceFormat {
  CSV,
  JSON,
  PARQUET;

  public static SourceFormat parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "csv" -> CSV;
      case "json", "jsonl", "json-lines" -> JSON;
      case "parquet" -> PARQUET;
      default ->
          throw new IllegalArgumentException(
              "'" + text + "' is not a format; expected one of csv, json (JSON lines), parquet");
    };
  }

  public String sparkName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
