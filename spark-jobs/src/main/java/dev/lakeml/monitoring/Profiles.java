package dev.lakeml.monitoring;

import java.util.Map;

/**
 * What the passes over a population learned about its columns: small, mergeable summaries (counts,
 * sums, the reference's quantile grid, category counts), never the rows themselves.
 */
final class Profiles {
  private Profiles() {}

  /**
   * A numeric column's summary.
   *
   * @param rows rows of the population (the column's values plus its NULLs)
   * @param nulls NULL or NaN values
   * @param quantiles the reference's values at ranks {@code i / GRID}, i = 0..GRID (else empty)
   * @param binCounts values per bin of the reference's points (see {@link DriftMath#bin})
   * @param binSums the sum of the values in each bin
   */
  record Numeric(
      long rows,
      long nulls,
      double min,
      double max,
      double mean,
      double std,
      double[] quantiles,
      long[] binCounts,
      double[] binSums) {
    long values() {
      return rows - nulls;
    }
  }

  /**
   * A categorical column's summary.
   *
   * @param counts values per category (NULL not among them)
   */
  record Categorical(long rows, long nulls, Map<String, Long> counts) {
    long values() {
      return rows - nulls;
    }
  }
}
