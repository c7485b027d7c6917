package dev.lakeml.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.schemas.monitoring.DriftStatistic;
import dev.lakeml.schemas.monitoring.MonitoringSpec;
import dev.lakeml.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Drift on small in-memory frames: the cases that have no statistic to compute. */
class DriftProfilerTest {
  private static final DriftColumn X = DriftColumn.numeric("x", DriftColumn.Role.INPUT);
  private static final DriftColumn C = DriftColumn.categorical("c", DriftColumn.Role.INPUT);

  private static Dataset<Row> frame(Object[]... rows) {
    List<Row> list = new ArrayList<>();
    for (Object[] r : rows) {
      list.add(RowFactory.create(r));
    }
    return SharedSpark.session()
        .createDataFrame(
            list,
            new StructType()
                .add("x", DataTypes.DoubleType, true)
                .add("c", DataTypes.StringType, true));
  }

  private static final Dataset<Row> REFERENCE =
      frame(
          new Object[] {1.0, "a"},
          new Object[] {2.0, "b"},
          new Object[] {3.0, "a"},
          new Object[] {null, null});

  @Test
  void anEmptyWindowSaysNoDataAndDividesByNothing() {
    DriftProfiler.Reference reference = DriftProfiler.reference(REFERENCE, List.of(X, C));
    List<DriftMeasure> measures =
        DriftProfiler.compare(
            reference, REFERENCE.where("false"), List.of(X, C), MonitoringSpec.DEFAULTS);
    assertThat(measures).isNotEmpty();
    assertThat(measures).allSatisfy(m -> assertThat(m.status()).isEqualTo(DriftMeasure.NO_DATA));
    assertThat(measures).allSatisfy(m -> assertThat(m.value()).isNaN());
    assertThat(measures).noneMatch(DriftMeasure::breached);
    assertThat(measures).allSatisfy(m -> assertThat(m.currentRows()).isZero());
  }

  @Test
  void aWindowOfOnlyNullsHasANullShareAndNoDataForTheRest() {
    DriftProfiler.Reference reference = DriftProfiler.reference(REFERENCE, List.of(X));
    List<DriftMeasure> measures =
        DriftProfiler.compare(
            reference, frame(new Object[] {null, "a"}), List.of(X), MonitoringSpec.DEFAULTS);
    DriftMeasure nulls = find(measures, DriftStatistic.NULL_SHARE);
    assertThat(nulls.value()).isEqualTo(1.0);
    // The reference had 1 NULL in 4: the allowed share is 0.25 + 0.05.
    assertThat(nulls.threshold()).hasValue(0.3);
    assertThat(nulls.breached()).isTrue();
    assertThat(find(measures, DriftStatistic.PSI).status()).isEqualTo(DriftMeasure.NO_DATA);
  }

  @Test
  void aColumnMissingFromTheReferenceIsReportedNotCompared() {
    DriftColumn y = DriftColumn.numeric("y", DriftColumn.Role.INPUT);
    DriftProfiler.Reference reference = DriftProfiler.reference(REFERENCE, List.of(X, y));
    Dataset<Row> current = REFERENCE.withColumn("y", REFERENCE.col("x"));
    List<DriftMeasure> measures =
        DriftProfiler.compare(reference, current, List.of(X, y), MonitoringSpec.DEFAULTS);
    List<DriftMeasure> ofY = measures.stream().filter(m -> m.column().equals(y)).toList();
    assertThat(ofY)
        .extracting(DriftMeasure::status)
        .containsOnly(DriftMeasure.MISSING_IN_REFERENCE);
    assertThat(ofY).extracting(DriftMeasure::statistic).contains(DriftStatistic.PSI);
    // x is compared as usual: the same rows, no drift.
    assertThat(find(measures, DriftStatistic.PSI).value()).isZero();
    assertThat(find(measures, DriftStatistic.KS_D).value()).isZero();
    assertThat(find(measures, DriftStatistic.WASSERSTEIN).value()).isZero();
    // And a column the current rows lack.
    List<DriftMeasure> noX =
        DriftProfiler.compare(reference, current.drop("x"), List.of(X), MonitoringSpec.DEFAULTS);
    assertThat(noX).extracting(DriftMeasure::status).containsOnly(DriftMeasure.MISSING_IN_CURRENT);
  }

  @Test
  void thresholdsComeFromTheColumnThenTheModelThenTheDefault() {
    MonitoringSpec spec =
        new MonitoringSpec(
            Map.of(DriftStatistic.PSI, 0.5, DriftStatistic.KS_D, Double.NaN),
            Map.of("x", Map.of(DriftStatistic.PSI, 0.01)),
            null);
    assertThat(spec.threshold("x", DriftStatistic.PSI)).hasValue(0.01);
    assertThat(spec.threshold("other", DriftStatistic.PSI)).hasValue(0.5);
    assertThat(spec.threshold("other", DriftStatistic.KS_D)).isEmpty();
    assertThat(spec.threshold("other", DriftStatistic.JS_DISTANCE)).hasValue(0.1);
    DriftProfiler.Reference reference = DriftProfiler.reference(REFERENCE, List.of(X));
    List<DriftMeasure> shifted =
        DriftProfiler.compare(
            reference,
            frame(new Object[] {3.0, "a"}, new Object[] {3.0, "a"}, new Object[] {2.5, "a"}),
            List.of(X),
            spec);
    DriftMeasure psi = find(shifted, DriftStatistic.PSI);
    assertThat(psi.threshold()).hasValue(0.01);
    assertThat(psi.breached()).isTrue();
    assertThat(find(shifted, DriftStatistic.KS_D).breached()).isFalse();
    // 2.5 lies between the reference's points 2 and 3; 3 sits on one: KS D is exact at 2/3.
    assertThat(find(shifted, DriftStatistic.KS_D).value()).isCloseTo(2.0 / 3, within());
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-12);
  }

  private static DriftMeasure find(List<DriftMeasure> measures, DriftStatistic s) {
    return measures.stream()
        .filter(m -> m.statistic() == s && m.column().equals(X))
        .findFirst()
        .orElseThrow();
  }
}
