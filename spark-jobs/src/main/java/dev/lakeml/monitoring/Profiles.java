package dev.lakeml.monitoring;

import java.util.Map;
import java.util.Optional;

/**
 * What one pass over a population learned about its columns: small, mergeable summaries (counts, a
 * quantile sketch's grid, bin counts, category counts), never the rows themselves.
 */
final class Profiles {
  private Profiles() {}

  /**
   * A numeric column's summary.
   *
   * @param rows rows of the population (the column's values plus its NULLs)
   * @param nulls NULL or NaN values
   * @param quantiles the values at ranks {@code i / GRID}, i = 0..GRID (empty with no values)
   * @param binCounts values per bin of the reference's edges, when the edges were given
   * @param outOfRange values below the reference's minimum or above its maximum
   */
  record Numeric(
      long rows,
      long nulls,
      double min,
      double max,
      double mean,
      double std,
      double[] quantiles,
      Optional<long[]> binCounts,
      long outOfRange) {
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
