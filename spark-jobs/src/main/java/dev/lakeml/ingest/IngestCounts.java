package dev.lakeml.ingest;

import java.util.Map;

/**
 * What one ingestion run did with the records it read. They always reconcile: {@code read ==
 * accepted + quarantined + duplicate}.
 *
 * @param ruleFailures rows failing each rule that any row failed (a row may fail several)
 */
public record IngestCounts(
    long read, long accepted, long quarantined, long duplicate, Map<String, Long> ruleFailures) {

  /** Nothing read. */
  public static final IngestCounts NONE = new IngestCounts(0, 0, 0, 0, Map.of());

  public IngestCounts {
    ruleFailures = Map.copyOf(ruleFailures);
  }

  public boolean reconciles() {
    return read == accepted + quarantined + duplicate;
  }

  @Override
  public String toString() {
    return "read "
        + read
        + " = accepted "
        + accepted
        + " + quarantined "
        + quarantined
        + " + duplicate "
        + duplicate;
  }
}
