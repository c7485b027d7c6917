package dev.lakeml.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.TableColumn;
import dev.lakeml.schemas.tables.TableContract;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TableRowTest {
  private static final TableContract RUNS =
      new TableContract(
          Layer.OPS,
          "runs",
          List.of(
              TableColumn.required("id", "STRING", ""),
              TableColumn.optional("message", "STRING", ""),
              TableColumn.required("rows", "BIGINT", "")),
          List.of(),
          List.of("id"),
          Map.of(),
          "");

  @Test
  void valuesLandInContractOrderWhateverTheOrderTheyAreSetIn() {
    Row row = TableRow.of(RUNS).set("rows", 12L).set("id", "r1").build();

    assertThat(row.size()).isEqualTo(3);
    assertThat(row.getString(0)).isEqualTo("r1");
    assertThat(row.isNullAt(1)).as("an unset optional column is null").isTrue();
    assertThat(row.getLong(2)).isEqualTo(12L);
  }

  @Test
  void anUnknownColumnIsRefusedWithTheColumnsThereAre() {
    assertThatThrownBy(() -> TableRow.of(RUNS).set("row_count", 1L))
        .hasMessage("ops.runs has no column row_count; it has [id, message, rows]");
  }

  @Test
  void aRequiredColumnLeftUnsetOrNullIsRefused() {
    assertThatThrownBy(() -> TableRow.of(RUNS).set("id", "r1").build())
        .hasMessage("ops.runs: required column(s) not set: rows");
    assertThatThrownBy(() -> TableRow.of(RUNS).set("id", null))
        .hasMessage("ops.runs: column id is required and cannot be null");
  }

  @Test
  void aColumnSetTwiceIsRefused() {
    assertThatThrownBy(() -> TableRow.of(RUNS).set("id", "a").set("id", "b"))
        .hasMessage("ops.runs: column id is set twice");
  }
}
