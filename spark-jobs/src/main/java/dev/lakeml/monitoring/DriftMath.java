package dev.lakeml.monitoring;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * The drift statistics, computed from profiles (pure Java, no Spark). Definitions follow SciPy's,
 * which {@code DriftScipyTest} checks on the same samples.
 *
 * <p>A numeric column is compared on the reference's <em>points</em>: its minimum, maximum and the
 * values at ranks i / 1000 of its quantile sketch, without repeats. Every value falls in one bin:
 * below the first point, equal to point j, strictly between points j and j + 1, or above the last.
 * With exact counts and sums per bin, on both sides:
 *
 * <ul>
 *   <li>PSI over the reference's deciles (points themselves) is exact;
 *   <li>the two CDFs are exact at every point, so KS D is exact up to what happens strictly inside
 *       a bin: at most the smaller of the two sides' shares in that bin (a reference bin holds
 *       about 1/1000 of its values, so the bound is about 0.001; 0 when the values sit on the
 *       points, as integers do);
 *   <li>the integral of the CDF difference over each bin is exact (from the sums), so Wasserstein-1
 *       is exact where the difference keeps its sign inside a bin, and within a stated bound where
 *       it may not.
 * </ul>
 */
final class DriftMath {
  /** The share PSI uses for an empty bin, instead of 0 (whose logarithm is infinite). */
  static final double PSI_EMPTY_SHARE = 1e-4;

  private DriftMath() {}

  /** The reference's points: min, the quantile grid and max, sorted, without repeats. */
  static double[] points(double[] quantiles, double min, double max) {
    TreeSet<Double> points = new TreeSet<>();
    points.add(normal(min));
    points.add(normal(max));
    for (double q : quantiles) {
      if (q >= min && q <= max) {
        points.add(normal(q));
      }
    }
    return points.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** -0.0 as 0.0: a binary search over doubles tells them apart, SQL does not. */
  private static double normal(double v) {
    return v == 0.0 ? 0.0 : v;
  }

  /**
   * The bin of a value among {@code m} sorted points: 2j + 1 when it equals point j, 2j when it is
   * below point j and above point j - 1 (0: below the first, 2m: above the last).
   */
  static int bin(double[] points, double value) {
    int i = Arrays.binarySearch(points, normal(value));
    return i >= 0 ? 2 * i + 1 : 2 * (-i - 1);
  }

  /** The number of bins of {@code m} points. */
  static int bins(int points) {
    return 2 * points + 1;
  }

  /**
   * The PSI bins' upper edges: the reference's deciles (points), duplicates removed (a column with
   * many equal values has fewer bins), the maximum excluded (the last bin is open).
   */
  static double[] decileEdges(double[] quantiles, double max) {
    if (quantiles.length == 0) {
      return new double[0];
    }
    TreeSet<Double> edges = new TreeSet<>();
    int grid = quantiles.length - 1;
    for (int d = 1; d < 10; d++) {
      edges.add(normal(quantiles[d * grid / 10]));
    }
    return edges.stream().mapToDouble(Double::doubleValue).filter(e -> e < max).toArray();
  }

  /**
   * Counts per PSI bin ({@code v <= edges[0]}, then {@code edges[k-1] < v <= edges[k]}, then above
   * the last edge) from counts per bin of the points. Every edge is a point, so a bin's values all
   * have as many edges below them as its upper point has: that number is their PSI bin.
   */
  static long[] decileCounts(double[] points, double[] edges, long[] binCounts) {
    long[] out = new long[edges.length + 1];
    for (int b = 0; b < binCounts.length; b++) {
      int k = b / 2 < points.length ? edgesBelow(edges, points[b / 2]) : edges.length;
      out[k] += binCounts[b];
    }
    return out;
  }

  /** The number of edges strictly below v. */
  private static int edgesBelow(double[] edges, double v) {
    int i = Arrays.binarySearch(edges, v);
    return i >= 0 ? i : -i - 1;
  }

  /**
   * Population stability index: the sum over bins of (current share − reference share) × ln(current
   * share / reference share), an empty bin's share taken as {@link #PSI_EMPTY_SHARE}.
   */
  static double psi(long[] reference, long[] current) {
    long r = Arrays.stream(reference).sum();
    long c = Arrays.stream(current).sum();
    double psi = 0;
    for (int j = 0; j < reference.length; j++) {
      double p = share(reference[j], r);
      double q = share(current[j], c);
      psi += (q - p) * Math.log(q / p);
    }
    return psi;
  }

  private static double share(long count, long total) {
    return count == 0 ? PSI_EMPTY_SHARE : (double) count / total;
  }

  /** A statistic with how far the exact one may be from it (0: exact). */
  record Bounded(double value, double bound) {}

  /**
   * The two-sample Kolmogorov–Smirnov D from counts per bin: the largest gap between the CDFs at
   * every point and just below it, where both are exact. Inside an open bin the gap can grow by at
   * most the smaller of the two sides' shares there: the bound.
   */
  static Bounded ksD(long[] reference, long[] current) {
    double r = Arrays.stream(reference).sum();
    double c = Arrays.stream(current).sum();
    double fr = 0;
    double fc = 0;
    double d = 0;
    double bound = 0;
    for (int b = 0; b < reference.length; b++) {
      fr += reference[b] / r;
      fc += current[b] / c;
      d = Math.max(d, Math.abs(fr - fc));
      if (b % 2 == 0) {
        bound = Math.max(bound, Math.min(reference[b] / r, current[b] / c));
      }
    }
    return new Bounded(d, bound);
  }

  /**
   * The asymptotic two-sided p-value of D for samples of n and m values, as SciPy's {@code
   * ks_2samp(method='asymp')}: the one-sample Kolmogorov distribution at round(nm / (n + m)).
   */
  static double ksPValue(double d, long n, long m) {
    long en = Math.round((double) n * m / (n + m));
    if (en < 1) {
      return Double.NaN;
    }
    int size = (int) Math.min(en, Integer.MAX_VALUE);
    double p = 1 - new KolmogorovSmirnovTest().cdf(d, size);
    return Math.min(1, Math.max(0, p));
  }

  /**
   * Wasserstein-1, the integral of |F_r(x) − F_c(x)|, from counts and sums per bin. Over each bin
   * the integral of F_r − F_c is exact: for an open bin (a, b), ∫F = F(a)·(b − a) + (n_bin·b −
   * sum_bin) / n. Its absolute value is the bin's part of the distance when the difference keeps
   * its sign inside the bin; the bound adds what a change of sign inside a bin could hide.
   */
  static Bounded wasserstein(
      double[] points, long[] rCounts, double[] rSums, long[] cCounts, double[] cSums) {
    double r = Arrays.stream(rCounts).sum();
    double c = Arrays.stream(cCounts).sum();
    int m = points.length;
    double w = 0;
    double bound = 0;
    // Below the first point: F_r = 0; the current's values there contribute (p0 - v) / n each.
    double below = (cCounts[0] * points[0] - cSums[0]) / c;
    w += Math.abs(below);
    double fr = 0;
    double fc = cCounts[0] / c;
    for (int j = 0; j < m; j++) {
      // The atom at point j.
      fr += rCounts[2 * j + 1] / r;
      fc += cCounts[2 * j + 1] / c;
      if (j == m - 1) {
        break;
      }
      int b = 2 * j + 2;
      double a = points[j];
      double z = points[j + 1];
      double width = z - a;
      double ir = fr * width + (rCounts[b] * z - rSums[b]) / r;
      double ic = fc * width + (cCounts[b] * z - cSums[b]) / c;
      w += Math.abs(ir - ic);
      double ra = rCounts[b] / r;
      double ca = cCounts[b] / c;
      double start = fr - fc;
      double end = (fr + ra) - (fc + ca);
      if (Math.signum(start) * Math.signum(end) >= 0 && Math.min(ra, ca) == 0) {
        // Monotone inside the bin and no change of sign at its ends: exact.
      } else if (Math.signum(start) * Math.signum(end) >= 0) {
        bound += 2 * width * Math.min(ra, ca);
      } else {
        bound += 2 * width * (Math.max(Math.abs(start), Math.abs(end)) + Math.min(ra, ca));
      }
      fr += ra;
      fc += ca;
    }
    // Above the last point: F_r = 1; the current's values there contribute (v - p_last) / n each.
    int top = 2 * m;
    w += Math.abs((cSums[top] - cCounts[top] * points[m - 1]) / c);
    return new Bounded(w, bound);
  }

  /** Pearson's chi-squared statistic and its p-value (k − 1 degrees of freedom). */
  record ChiSquared(double statistic, double pValue, int categories) {}

  /**
   * Chi-squared of the current counts in the reference's categories against the counts the
   * reference's shares expect, as SciPy's {@code chisquare(f_obs, f_exp)}; current values in new
   * categories are left out (they are {@code new_category_share}).
   */
  static ChiSquared chiSquared(Map<String, Long> reference, Map<String, Long> current) {
    long r = reference.values().stream().mapToLong(Long::longValue).sum();
    long c = reference.keySet().stream().mapToLong(k -> current.getOrDefault(k, 0L)).sum();
    int k = reference.size();
    if (r == 0 || c == 0 || k < 2) {
      return new ChiSquared(Double.NaN, Double.NaN, k);
    }
    double chi = 0;
    for (Map.Entry<String, Long> e : reference.entrySet()) {
      double expected = (double) e.getValue() / r * c;
      double observed = current.getOrDefault(e.getKey(), 0L);
      chi += (observed - expected) * (observed - expected) / expected;
    }
    double p = 1 - new ChiSquaredDistribution(k - 1).cumulativeProbability(chi);
    return new ChiSquared(chi, Math.max(0, p), k);
  }

  /**
   * The Jensen–Shannon distance in base 2 (0 for the same shares, 1 for disjoint categories) over
   * every category of either side, as SciPy's {@code jensenshannon(p, q, base=2)}.
   */
  static double jensenShannon(Map<String, Long> reference, Map<String, Long> current) {
    long r = reference.values().stream().mapToLong(Long::longValue).sum();
    long c = current.values().stream().mapToLong(Long::longValue).sum();
    if (r == 0 || c == 0) {
      return Double.NaN;
    }
    TreeSet<String> categories = new TreeSet<>(reference.keySet());
    categories.addAll(current.keySet());
    double divergence = 0;
    for (String k : categories) {
      double p = (double) reference.getOrDefault(k, 0L) / r;
      double q = (double) current.getOrDefault(k, 0L) / c;
      double m = (p + q) / 2;
      if (p > 0) {
        divergence += p * Math.log(p / m);
      }
      if (q > 0) {
        divergence += q * Math.log(q / m);
      }
    }
    divergence = Math.max(0, divergence / 2 / Math.log(2));
    return Math.sqrt(divergence);
  }
}
