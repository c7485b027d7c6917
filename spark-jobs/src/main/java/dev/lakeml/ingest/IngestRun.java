package dev.lakeml.ingest;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * One row of {@code ops.ingest_runs}.
 *
 * @param mode {@code batch}, {@code stream-directory} or {@code stream-kafka}
 * @param status {@code SUCCEEDED} or {@code FAILED}
 */
public record IngestRun(
    String runId,
    String source,
    String mode,
    Optional<LocalDate> dateFrom,
    Optional<LocalDate> dateTo,
    Optional<Long> batchId,
    Instant startedAt,
    Instant finishedAt,
    String status,
    List<String> files,
    IngestCounts counts,
    Optional<String> message) {

  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";

  public IngestRun {
    files = List.copyOf(files);
  }

  public boolean succeeded() {
    return SUCCEEDED.equals(status);
  }
}
