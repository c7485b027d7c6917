package dev.lakeml.monitoring;

import dev.lakeml.schemas.monitoring.MonitoringSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Compares populations with a reference, column by column, in a fixed number of Spark passes: the
 * reference twice (a quantile sketch, then counts in its own decile bins), each current population
 * once for its numeric columns (sketch and bin counts together) and once more when it has
 * categorical columns. Only the summaries reach the driver.
 */
public final class DriftProfiler {
  private DriftProfiler() {}

  /** A profiled reference, reused for every population compared with it. */
  public static final class Reference {
    private final Map<String, Profiles.Numeric> numeric;
    private final Map<String, Profiles.Categorical> categorical;
    private final Map<String, DriftProfiles.Bins> bins;

    private Reference(
        Map<String, Profiles.Numeric> numeric,
        Map<String, Profiles.Categorical> categorical,
        Map<String, DriftProfiles.Bins> bins) {
      this.numeric = numeric;
      this.categorical = categorical;
      this.bins = bins;
    }

    /** Rows of the reference. */
    public long rows() {
      return numeric.values().stream()
          .mapToLong(Profiles.Numeric::rows)
          .findFirst()
          .orElse(
              categorical.values().stream()
                  .mapToLong(Profiles.Categorical::rows)
                  .findFirst()
                  .orElse(0));
    }
  }

  /** Profiles the reference's columns (those it has; see {@link #compare} for the others). */
  public static Reference reference(Dataset<Row> rows, List<DriftColumn> columns) {
    List<String> present = List.of(rows.columns());
    List<String> numeric = names(columns, true, present);
    List<String> categorical = names(columns, false, present);
    Map<String, Profiles.Numeric> sketched = Map.of();
    Map<String, DriftProfiles.Bins> bins = new LinkedHashMap<>();
    Map<String, Profiles.Numeric> binned = Map.of();
    if (!numeric.isEmpty()) {
      Row first =
          DriftProfiles.summarize(rows, numeric, Map.of(), DriftProfiles.Sketch.QUANTILES).first();
      sketched = DriftProfiles.numeric(first, numeric, Map.of());
      for (Map.Entry<String, Profiles.Numeric> e : sketched.entrySet()) {
        Profiles.Numeric p = e.getValue();
        bins.put(
            e.getKey(),
            new DriftProfiles.Bins(DriftMath.decileEdges(p.quantiles()), p.min(), p.max()));
      }
      Row second = DriftProfiles.summarize(rows, numeric, bins, DriftProfiles.Sketch.NONE).first();
      binned = DriftProfiles.numeric(second, numeric, bins);
    }
    Map<String, Profiles.Numeric> merged = new LinkedHashMap<>();
    for (String c : numeric) {
      Profiles.Numeric s = sketched.get(c);
      merged.put(
          c,
          new Profiles.Numeric(
              s.rows(),
              s.nulls(),
              s.min(),
              s.max(),
              s.mean(),
              s.std(),
              s.quantiles(),
              binned.get(c).binCounts(),
              0));
    }
    return new Reference(merged, categorical(rows, categorical), bins);
  }

  /**
   * The measures of every column: the current population profiled against the reference's bins. A
   * column one side lacks gives rows with the status {@code missing in reference} or {@code missing
   * in current}.
   */
  public static List<DriftMeasure> compare(
      Reference reference, Dataset<Row> current, List<DriftColumn> columns, MonitoringSpec spec) {
    List<String> present = List.of(current.columns());
    List<String> numeric =
        names(columns, true, present).stream().filter(reference.numeric::containsKey).toList();
    List<String> categorical =
        names(columns, false, present).stream().filter(reference.categorical::containsKey).toList();
    Map<String, Profiles.Numeric> cur = Map.of();
    if (!numeric.isEmpty()) {
      Map<String, DriftProfiles.Bins> bins = new LinkedHashMap<>();
      numeric.forEach(c -> bins.put(c, reference.bins.get(c)));
      Row summary =
          DriftProfiles.summarize(current, numeric, bins, DriftProfiles.Sketch.QUANTILES).first();
      cur = DriftProfiles.numeric(summary, numeric, bins);
    }
    Map<String, Profiles.Categorical> curCategories = categorical(current, categorical);
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
        out.addAll(comparison.numeric(c, reference.numeric.get(c.name()), cur.get(c.name())));
      } else {
        out.addAll(
            comparison.categorical(
                c, reference.categorical.get(c.name()), curCategories.get(c.name())));
      }
    }
    return out;
  }

  private static Map<String, Profiles.Categorical> categorical(
      Dataset<Row> rows, List<String> categorical) {
    if (categorical.isEmpty()) {
      return Map.of();
    }
    return DriftProfiles.categorical(
        DriftProfiles.categoryCounts(rows, categorical).collectAsList(), categorical);
  }

  private static List<String> names(
      List<DriftColumn> columns, boolean numeric, List<String> present) {
    return columns.stream()
        .filter(c -> c.numeric() == numeric && present.contains(c.name()))
        .map(DriftColumn::name)
        .toList();
  }
}
