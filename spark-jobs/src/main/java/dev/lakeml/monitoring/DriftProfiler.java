package dev.lakeml.monitoring;

import dev.lakeml.schemas.monitoring.MonitoringSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Compares populations with a reference, column by column, in a fixed number of Spark passes
 * whatever the number of columns: the reference twice (a quantile sketch, then exact counts and
 * sums in bins of its own points), and each current population once for its numeric columns and
 * once for its categorical ones. Only the summaries reach the driver: a few thousand numbers per
 * column.
 */
public final class DriftProfiler {
  private DriftProfiler() {}

  /** A profiled reference, reused for every population compared with it. */
  public static final class Reference {
    private final Map<String, double[]> points;
    private final Map<String, Profiles.Numeric> numeric;
    private final Map<String, Profiles.Categorical> categorical;
    private final long rows;

    private Reference(
        Map<String, double[]> points,
        Map<String, Profiles.Numeric> numeric,
        Map<String, Profiles.Categorical> categorical,
        long rows) {
      this.points = points;
      this.numeric = numeric;
      this.categorical = categorical;
      this.rows = rows;
    }

    /** Rows of the reference. */
    public long rows() {
      return rows;
    }
  }

  /** Profiles the reference's columns (those it has; see {@link #compare} for the others). */
  public static Reference reference(Dataset<Row> rows, List<DriftColumn> columns) {
    List<String> present = List.of(rows.columns());
    List<String> numeric = names(columns, true, present);
    List<String> categorical = names(columns, false, present);
    Map<String, double[]> points = new LinkedHashMap<>();
    Map<String, Profiles.Numeric> profiles = new LinkedHashMap<>();
    long total = 0;
    if (!numeric.isEmpty()) {
      Map<Integer, Row> sketches = byPosition(DriftProfiles.sketch(rows, numeric).collectAsList());
      double[][] byPosition = new double[numeric.size()][];
      for (int i = 0; i < numeric.size(); i++) {
        Row s = sketches.get(i);
        double[] q = quantiles(s);
        double min = doubleOr(s, "min");
        double max = doubleOr(s, "max");
        byPosition[i] = q.length == 0 ? new double[] {0} : DriftMath.points(q, min, max);
        points.put(numeric.get(i), byPosition[i]);
      }
      Map<String, Bins> bins = bins(rows, numeric, byPosition);
      for (int i = 0; i < numeric.size(); i++) {
        Row s = sketches.get(i);
        String c = numeric.get(i);
        Bins b = bins.get(c);
        total = Math.max(total, s == null ? 0 : s.getLong(s.fieldIndex("rows")));
        profiles.put(
            c,
            new Profiles.Numeric(
                b.rows(),
                b.nulls(),
                doubleOr(s, "min"),
                doubleOr(s, "max"),
                doubleOr(s, "mean"),
                doubleOr(s, "std"),
                quantiles(s),
                b.counts(),
                b.sums()));
      }
    }
    Map<String, Profiles.Categorical> cats = categorical(rows, categorical);
    for (Profiles.Categorical p : cats.values()) {
      total = Math.max(total, p.rows());
    }
    return new Reference(points, profiles, cats, total);
  }

  /**
   * The measures of every column: the current population binned on the reference's points. A column
   * one side lacks gives rows with the status {@code missing in reference} or {@code missing in
   * current}.
   */
  public static List<DriftMeasure> compare(
      Reference reference, Dataset<Row> current, List<DriftColumn> columns, MonitoringSpec spec) {
    List<String> present = List.of(current.columns());
    List<String> numeric =
        names(columns, true, present).stream().filter(reference.numeric::containsKey).toList();
    List<String> categorical =
        names(columns, false, present).stream().filter(reference.categorical::containsKey).toList();
    Map<String, Bins> bins = Map.of();
    if (!numeric.isEmpty()) {
      double[][] points = numeric.stream().map(reference.points::get).toArray(double[][]::new);
      bins = bins(current, numeric, points);
    }
    Map<String, Profiles.Categorical> cats = categorical(current, categorical);
    DriftComparison comparison = new DriftComparison(spec);
    List<DriftMeasure> out = new ArrayList<>();
    for (DriftColumn c : columns) {
      boolean inReference =
          c.numeric()
              ? reference.numeric.containsKey(c.name())
              : reference.categorical.containsKey(c.name());
      if (!inReference) {
        out.addAll(comparison.missing(c, DriftMeasure.MISSING_IN_REFERENCE));
      } else if (!present.contains(c.name())) {
        out.addAll(comparison.missing(c, DriftMeasure.MISSING_IN_CURRENT));
      } else if (c.numeric()) {
        Bins b = bins.get(c.name());
        Profiles.Numeric cur =
            new Profiles.Numeric(
                b.rows(),
                b.nulls(),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                new double[0],
                b.counts(),
                b.sums());
        out.addAll(
            comparison.numeric(
                c, reference.points.get(c.name()), reference.numeric.get(c.name()), cur));
      } else {
        out.addAll(
            comparison.categorical(c, reference.categorical.get(c.name()), cats.get(c.name())));
      }
    }
    return out;
  }

  /** Counts and sums per bin of one column, and its rows and NULLs. */
  private record Bins(long rows, long nulls, long[] counts, double[] sums) {}

  private static Map<String, Bins> bins(
      Dataset<Row> rows, List<String> numeric, double[][] points) {
    long[][] counts = new long[numeric.size()][];
    double[][] sums = new double[numeric.size()][];
    long[] nulls = new long[numeric.size()];
    for (int i = 0; i < numeric.size(); i++) {
      counts[i] = new long[DriftMath.bins(points[i].length)];
      sums[i] = new double[counts[i].length];
    }
    for (Row r : DriftProfiles.binned(rows, numeric, points).collectAsList()) {
      int i = r.getInt(0);
      int bin = r.getInt(1);
      if (bin < 0) {
        nulls[i] += r.getLong(2);
      } else {
        counts[i][bin] += r.getLong(2);
        sums[i][bin] += r.isNullAt(3) ? 0 : r.getDouble(3);
      }
    }
    Map<String, Bins> out = new LinkedHashMap<>();
    for (int i = 0; i < numeric.size(); i++) {
      long values = java.util.Arrays.stream(counts[i]).sum();
      out.put(numeric.get(i), new Bins(values + nulls[i], nulls[i], counts[i], sums[i]));
    }
    return out;
  }

  private static Map<Integer, Row> byPosition(List<Row> rows) {
    Map<Integer, Row> out = new TreeMap<>();
    rows.forEach(r -> out.put(r.getInt(0), r));
    return out;
  }

  /** The sketch's quantile grid of a column; empty when it had no values. */
  private static double[] quantiles(Row sketch) {
    if (sketch == null || sketch.isNullAt(sketch.fieldIndex("quantiles"))) {
      return new double[0];
    }
    return sketch.<Double>getList(sketch.fieldIndex("quantiles")).stream()
        .mapToDouble(Double::doubleValue)
        .toArray();
  }

  private static double doubleOr(Row r, String field) {
    if (r == null) {
      return Double.NaN;
    }
    int i = r.fieldIndex(field);
    return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
  }

  private static Map<String, Profiles.Categorical> categorical(
      Dataset<Row> rows, List<String> categorical) {
    Map<String, Profiles.Categorical> out = new LinkedHashMap<>();
    if (categorical.isEmpty()) {
      return out;
    }
    List<Row> counts = DriftProfiles.categoryCounts(rows, categorical).collectAsList();
    for (String c : categorical) {
      Map<String, Long> byCategory = new TreeMap<>();
      long nulls = 0;
      long total = 0;
      for (Row r : counts) {
        if (!r.getString(0).equals(c)) {
          continue;
        }
        total += r.getLong(2);
        if (r.isNullAt(1)) {
          nulls += r.getLong(2);
        } else {
          byCategory.put(r.getString(1), r.getLong(2));
        }
      }
      out.put(c, new Profiles.Categorical(total, nulls, byCategory));
    }
    return out;
  }

  private static List<String> names(
      List<DriftColumn> columns, boolean numeric, List<String> present) {
    return columns.stream()
        .filter(c -> c.numeric() == numeric && present.contains(c.name()))
        .map(DriftColumn::name)
        .toList();
  }
}
