package dev.lakeml.monitoring;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * The drift statistics, computed from profiles (pure Java, no Spark): exact where the profile is
 * exact (bin and category counts), within a stated bound where it comes from quantile sketches
 * (Kolmogorov–Smirnov D, Wasserstein). Definitions follow SciPy's, which {@code DriftMathScipyTest}
 * checks on the same samples.
 */
final class DriftMath {
  /** The share PSI uses for an empty bin, instead of 0 (whose logarithm is infinite). */
  static final double PSI_EMPTY_SHARE = 1e-4;

  private DriftMath() {}

  /** Bin counts from cumulative counts {@code c[j] = #(v <= edge[j])} and the number of values. */
  static long[] binsFromCumulative(long[] cumulative, long values) {
    long[] bins = new long[cumulative.length + 1];
    long previous = 0;
    for (int j = 0; j < cumulative.length; j++) {
      bins[j] = cumulative[j] - previous;
      previous = cumulative[j];
    }
    bins[cumulative.length] = values - previous;
    return bins;
  }

  /**
   * The PSI bins' upper edges: the reference's deciles from its quantile grid, duplicates removed
   * (a column with many equal values has fewer bins), the maximum excluded (the last bin is open).
   */
  static double[] decileEdges(double[] quantiles) {
    if (quantiles.length == 0) {
      return new double[0];
    }
    TreeSet<Double> edges = new TreeSet<>();
    int grid = quantiles.length - 1;
    for (int d = 1; d < 10; d++) {
      edges.add(quantiles[d * grid / 10]);
    }
    double max = quantiles[grid];
    return edges.stream().mapToDouble(Double::doubleValue).filter(e -> e < max).toArray();
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

  /**
   * The two-sample Kolmogorov–Smirnov D from two quantile grids (values at ranks i / G): the
   * largest gap between the step CDFs the grids define. Each grid's CDF is within 1/G + ε of the
   * sample's, so D is within {@link #ksBound} of the exact statistic.
   */
  static double ksD(double[] reference, double[] current) {
    double d = 0;
    for (double x : reference) {
      d = Math.max(d, Math.abs(cdf(reference, x) - cdf(current, x)));
    }
    for (double x : current) {
      d = Math.max(d, Math.abs(cdf(reference, x) - cdf(current, x)));
    }
    return d;
  }

  /** The bound on |D − exact D| for grids of G + 1 points from sketches of rank error ε. */
  static double ksBound(int grid, double epsilon) {
    return 2.0 / grid + 2 * epsilon;
  }

  /** F(x) from a quantile grid: the highest rank i / G whose value is at most x. */
  private static double cdf(double[] quantiles, double x) {
    int g = quantiles.length - 1;
    // The last index with quantiles[i] <= x (binary search for the upper bound).
    int lo = 0;
    int hi = quantiles.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (quantiles[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == 0 ? 0 : (double) (lo - 1) / g;
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
   * The Wasserstein-1 distance from two quantile grids: the integral of |Q_r(u) − Q_c(u)| over u,
   * by the trapezoid rule on the grid.
   */
  static double wasserstein(double[] reference, double[] current) {
    int g = reference.length - 1;
    double sum = 0;
    for (int i = 0; i < g; i++) {
      double a = Math.abs(reference[i] - current[i]);
      double b = Math.abs(reference[i + 1] - current[i + 1]);
      sum += (a + b) / 2;
    }
    return sum / g;
  }

  /**
   * The bound on |W − exact W|: discretisation (1/G) and the sketch's rank error (2ε + 1/G), each
   * times the spread of the values: (2ε + 2/G) × (range of the reference + range of the current).
   */
  static double wassersteinBound(
      int grid, double epsilon, double referenceRange, double currentRange) {
    return (2 * epsilon + 2.0 / grid) * (referenceRange + currentRange);
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
