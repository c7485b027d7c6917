package dev.lakeml.monitoring;

import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.monitoring.MonitoringSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The statistics of one column from its reference and current profiles, each with the threshold the
 * model's {@link MonitoringSpec} sets. Pure: profiles in, measures out. An empty side gives rows
 * that say so, never a division by zero.
 */
final class DriftComparison {
  private final MonitoringSpec spec;

  DriftComparison(MonitoringSpec spec) {
    this.spec = spec;
  }

  /**
   * The statistics of a numeric column, both sides binned on the reference's {@code points} (see
   * {@link DriftMath}).
   */
  List<DriftMeasure> numeric(
      DriftColumn c, double[] points, Profiles.Numeric reference, Profiles.Numeric current) {
    List<DriftMeasure> out = new ArrayList<>();
    long r = reference.values();
    long n = current.values();
    out.add(nullShare(c, reference.nulls(), reference.rows(), current.nulls(), current.rows()));
    String status = status(r, n);
    if (!status.equals(DriftMeasure.OK)) {
      out.addAll(unavailable(c, status, r, n));
      return out;
    }
    double[] edges = DriftMath.decileEdges(reference.quantiles(), reference.max());
    long[] refBins = DriftMath.decileCounts(points, edges, reference.binCounts());
    long[] curBins = DriftMath.decileCounts(points, edges, current.binCounts());
    Map<String, String> bins = new LinkedHashMap<>();
    bins.put("edges", json(edges));
    bins.put("reference_shares", json(shares(refBins)));
    bins.put("current_shares", json(shares(curBins)));
    out.add(
        measure(
            c,
            DriftStatistic.PSI,
            DriftMath.psi(refBins, curBins),
            DriftMeasure.OK,
            r,
            n,
            Double.NaN,
            bins));
    DriftMath.Bounded d = DriftMath.ksD(reference.binCounts(), current.binCounts());
    out.add(measure(c, DriftStatistic.KS_D, d.value(), DriftMeasure.OK, r, n, d.bound(), Map.of()));
    out.add(
        measure(
            c,
            DriftStatistic.KS_P_VALUE,
            DriftMath.ksPValue(d.value(), r, n),
            DriftMeasure.OK,
            r,
            n,
            Double.NaN,
            Map.of()));
    DriftMath.Bounded w =
        DriftMath.wasserstein(
            points,
            reference.binCounts(),
            reference.binSums(),
            current.binCounts(),
            current.binSums());
    out.add(
        measure(
            c, DriftStatistic.WASSERSTEIN, w.value(), DriftMeasure.OK, r, n, w.bound(), Map.of()));
    if (reference.std() > 0) {
      out.add(
          measure(
              c,
              DriftStatistic.WASSERSTEIN_NORMED,
              w.value() / reference.std(),
              DriftMeasure.OK,
              r,
              n,
              w.bound() / reference.std(),
              Map.of()));
    } else {
      out.add(
          measure(
              c,
              DriftStatistic.WASSERSTEIN_NORMED,
              Double.NaN,
              "constant reference",
              r,
              n,
              Double.NaN,
              Map.of()));
    }
    long[] cb = current.binCounts();
    long outOfRange = cb[0] + cb[cb.length - 1];
    out.add(
        measure(
            c,
            DriftStatistic.OUT_OF_RANGE_SHARE,
            (double) outOfRange / n,
            DriftMeasure.OK,
            r,
            n,
            Double.NaN,
            Map.of(
                "reference_min",
                number(reference.min()),
                "reference_max",
                number(reference.max()))));
    return out;
  }

  /** The statistics of a categorical column. */
  List<DriftMeasure> categorical(
      DriftColumn c, Profiles.Categorical reference, Profiles.Categorical current) {
    List<DriftMeasure> out = new ArrayList<>();
    long r = reference.values();
    long n = current.values();
    out.add(nullShare(c, reference.nulls(), reference.rows(), current.nulls(), current.rows()));
    String status = status(r, n);
    if (!status.equals(DriftMeasure.OK)) {
      out.addAll(unavailable(c, status, r, n));
      return out;
    }
    DriftMath.ChiSquared chi = DriftMath.chiSquared(reference.counts(), current.counts());
    String chiStatus = chi.categories() < 2 ? "one category in reference" : DriftMeasure.OK;
    if (chiStatus.equals(DriftMeasure.OK) && Double.isNaN(chi.statistic())) {
      chiStatus = "only new categories";
    }
    out.add(
        measure(
            c, DriftStatistic.CHI_SQUARED, chi.statistic(), chiStatus, r, n, Double.NaN, Map.of()));
    out.add(
        measure(
            c,
            DriftStatistic.CHI_SQUARED_P_VALUE,
            chi.pValue(),
            chiStatus,
            r,
            n,
            Double.NaN,
            Map.of()));
    out.add(
        measure(
            c,
            DriftStatistic.JS_DISTANCE,
            DriftMath.jensenShannon(reference.counts(), current.counts()),
            DriftMeasure.OK,
            r,
            n,
            Double.NaN,
            categoryShares(reference.counts(), current.counts())));
    long fresh =
        current.counts().entrySet().stream()
            .filter(e -> !reference.counts().containsKey(e.getKey()))
            .mapToLong(Map.Entry::getValue)
            .sum();
    out.add(
        measure(
            c,
            DriftStatistic.NEW_CATEGORY_SHARE,
            (double) fresh / n,
            DriftMeasure.OK,
            r,
            n,
            Double.NaN,
            Map.of()));
    return out;
  }

  /** Rows for a column one side lacks altogether: every statistic, with the reason. */
  List<DriftMeasure> missing(DriftColumn c, String status) {
    List<DriftMeasure> out = new ArrayList<>();
    for (DriftStatistic s : DriftStatistic.values()) {
      if (s.kind().appliesTo(c.kind())) {
        out.add(measure(c, s, Double.NaN, status, 0, 0, Double.NaN, Map.of()));
      }
    }
    return out;
  }

  /** Rows without a value for the column's own statistics (all but the NULL share). */
  private List<DriftMeasure> unavailable(DriftColumn c, String status, long r, long n) {
    List<DriftMeasure> out = new ArrayList<>();
    for (DriftStatistic s : DriftStatistic.values()) {
      if (s.kind() == c.kind()) {
        out.add(measure(c, s, Double.NaN, status, r, n, Double.NaN, Map.of()));
      }
    }
    return out;
  }

  private DriftMeasure nullShare(
      DriftColumn c, long refNulls, long refRows, long curNulls, long curRows) {
    if (curRows == 0) {
      return measure(
          c,
          DriftStatistic.NULL_SHARE,
          Double.NaN,
          DriftMeasure.NO_DATA,
          refRows,
          0,
          Double.NaN,
          Map.of());
    }
    double refShare = refRows == 0 ? 0 : (double) refNulls / refRows;
    OptionalDouble allowed = spec.threshold(c.name(), DriftStatistic.NULL_SHARE);
    OptionalDouble threshold =
        allowed.isPresent() ? OptionalDouble.of(refShare + allowed.getAsDouble()) : allowed;
    return new DriftMeasure(
        c,
        DriftStatistic.NULL_SHARE,
        (double) curNulls / curRows,
        threshold,
        DriftMeasure.OK,
        refRows,
        curRows,
        Double.NaN,
        Map.of("reference_null_share", number(refShare)));
  }

  private static String status(long referenceValues, long currentValues) {
    if (currentValues == 0) {
      return DriftMeasure.NO_DATA;
    }
    return referenceValues == 0 ? DriftMeasure.NO_REFERENCE : DriftMeasure.OK;
  }

  private DriftMeasure measure(
      DriftColumn c,
      DriftStatistic s,
      double value,
      String status,
      long r,
      long n,
      double bound,
      Map<String, String> detail) {
    return new DriftMeasure(c, s, value, spec.threshold(c.name(), s), status, r, n, bound, detail);
  }

  private static double[] shares(long[] counts) {
    long total = Arrays.stream(counts).sum();
    return Arrays.stream(counts).mapToDouble(x -> total == 0 ? 0 : (double) x / total).toArray();
  }

  /** The 20 largest categories of either side with both shares, for the page. */
  private static Map<String, String> categoryShares(
      Map<String, Long> reference, Map<String, Long> current) {
    long r = reference.values().stream().mapToLong(Long::longValue).sum();
    long c = current.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Long> both = new LinkedHashMap<>();
    reference.forEach((k, v) -> both.merge(k, v, Long::sum));
    current.forEach((k, v) -> both.merge(k, v, Long::sum));
    List<String> top =
        both.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(20)
            .map(Map.Entry::getKey)
            .toList();
    return Map.of(
        "categories",
        top.stream().map(DriftComparison::quoted).collect(Collectors.joining(",", "[", "]")),
        "reference_shares",
        json(top.stream().mapToDouble(k -> (double) reference.getOrDefault(k, 0L) / r).toArray()),
        "current_shares",
        json(top.stream().mapToDouble(k -> (double) current.getOrDefault(k, 0L) / c).toArray()));
  }

  private static String quoted(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String json(double[] values) {
    return Arrays.stream(values)
        .mapToObj(DriftComparison::number)
        .collect(Collectors.joining(",", "[", "]"));
  }

  /** Shortest text that reads back as the same double: edges are compared exactly. */
  private static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }
}
