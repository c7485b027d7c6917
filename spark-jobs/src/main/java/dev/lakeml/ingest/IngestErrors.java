package dev.lakeml.ingest;

import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.SourceSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** Every error the ingestion jobs show to people: what is wrong, where, and what to do. */
public final class IngestErrors {
  private IngestErrors() {}

  static LakehouseException unreadableFile(SourceSpec source, String file, Exception cause) {
    return new LakehouseException(
        "Cannot read "
            + file
            + " (source "
            + source.name()
            + "): "
            + cause.getMessage()
            + ". Nothing was written. Check that the file is complete and readable, then rerun.",
        cause);
  }

  static LakehouseException emptyFile(SourceSpec source, String file) {
    return new LakehouseException(
        file
            + " (source "
            + source.name()
            + ") is empty: expected a header line "
            + String.join(",", source.sourceColumnNames())
            + ". Nothing was written.");
  }

  static LakehouseException notText(SourceSpec source, String file) {
    return new LakehouseException(
        file
            + " (source "
            + source.name()
            + ") is not a text CSV file (its first line holds"
            + " binary data). Nothing was written. Replace the file with the CSV export.");
  }

  static LakehouseException wrongHeader(
      SourceSpec source, String file, List<String> expected, List<String> actual) {
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
      String e = i < expected.size() ? expected.get(i) : null;
      String a = i < actual.size() ? actual.get(i) : null;
      if (e == null) {
        differences.add("column " + (i + 1) + ": unexpected '" + a + "'");
      } else if (a == null) {
        differences.add("column " + (i + 1) + ": missing '" + e + "'");
      } else if (!e.equals(a)) {
        differences.add("column " + (i + 1) + ": expected '" + e + "', found '" + a + "'");
      }
    }
    return new LakehouseException(
        file
            + " (source "
            + source.name()
            + ") has an unexpected header: "
            + String.join("; ", differences)
            + ". Expected "
            + String.join(",", expected)
            + ". Nothing was written. If the source changed its schema, update the source's columns"
            + " in the project file.");
  }

  static LakehouseException missingFile(SourceSpec source, LocalDate date, String expectedPath) {
    return new LakehouseException(
        "No file for "
            + date
            + " (source "
            + source.name()
            + "): expected "
            + expectedPath
            + ". Nothing was written.");
  }

  static LakehouseException noFiles(
      SourceSpec source, LocalDate from, LocalDate to, String example) {
    return new LakehouseException(
        "No files for "
            + source.name()
            + " between "
            + from
            + " and "
            + to
            + " (looked for "
            + example
            + "). Nothing was written.");
  }

  static LakehouseException readFailed(SourceSpec source, String badFile, Throwable cause) {
    Throwable root = cause;
    StringBuilder chain = new StringBuilder();
    while (root != null) {
      if (root.getMessage() != null && !root.getMessage().isBlank()) {
        String m = root.getMessage().lines().findFirst().orElse("");
        if (chain.indexOf(m) < 0) {
          chain.append(chain.length() == 0 ? "" : " <- ").append(m);
        }
      }
      root = root.getCause() == root ? null : root.getCause();
    }
    // When the file is found, its own reason says it all; Spark's wrapping adds nothing.
    return new LakehouseException(
        "Reading the raw data of "
            + source.name()
            + " failed: "
            + (badFile == null ? chain : badFile + " cannot be read to the end")
            + ". Nothing was written; replace the file with a complete copy and rerun.",
        cause);
  }

  static LakehouseException invalidExpression(
      SourceSpec source, String what, String expression, String problem) {
    return new LakehouseException(
        "Source "
            + source.name()
            + ": "
            + what
            + " '"
            + expression
            + "' is not a valid Spark SQL"
            + " expression over the source's typed columns: "
            + problem.lines().findFirst().orElse(problem));
  }

  static LakehouseException countsDoNotReconcile(SourceSpec source, String details) {
    return new LakehouseException(
        "Ingestion of "
            + source.name()
            + " wrote counts that do not reconcile: "
            + details
            + ". The run is marked FAILED in ops.ingest_runs; rerun the same dates to replace the"
            + " output.");
  }
}
