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

  public IngestCounts {
    ruleFailures = Map.copyOf(ruleFailures);
  }

  public boolean reconciles() {
    return read == accepted + quarantined + duplicate;
  }

  public IngestCounts plus(IngestCounts other) {
    java.util.Map<String, Long> rules = new java.util.TreeMap<>(ruleFailures);
    other.ruleFailures.forEach((k, v) -> rules.merge(k, v, Long::sum));
    return new IngestCounts(
        read + other.read,
        accepted + other.accepted,
        quarantined + other.quarantined,
        duplicate + other.duplicate,
        rules);
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
