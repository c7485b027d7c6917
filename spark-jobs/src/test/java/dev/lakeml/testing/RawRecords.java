package dev.lakeml.testing;

import dev.lakeml.schemas.tables.IngestTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Raw records of the test project's "orders" source, as the reader makes them. */
public final class RawRecords {
  private static final List<String> TEXT_COLUMNS =
      List.of(
          "order_id",
          "line",
          "customer",
          "amount",
          "ordered_at",
          "status",
          IngestTables.MALFORMED_RECORD);

  private RawRecords() {}

  /** The six columns then the malformed record, all text; short rows are padded with NULL. */
  public static Dataset<Row> of(SparkSession spark, String[]... rows) {
    List<Row> out = new ArrayList<>();
    for (String[] r : rows) {
      out.add(RowFactory.create((Object[]) Arrays.copyOf(r, TEXT_COLUMNS.size())));
    }
    return spark.createDataFrame(out, schema(false));
  }

  /** Like {@link #of}, each row followed by its file and record number. */
  public static Dataset<Row> withOrigin(SparkSession spark, Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r));
    }
    return spark.createDataFrame(out, schema(true));
  }

  private static StructType schema(boolean withOrigin) {
    List<StructField> fields = new ArrayList<>();
    for (String name : TEXT_COLUMNS) {
      fields.add(DataTypes.createStructField(name, DataTypes.StringType, true));
    }
    if (withOrigin) {
      fields.add(
          DataTypes.createStructField(IngestTables.SOURCE_FILE, DataTypes.StringType, false));
      fields.add(DataTypes.createStructField(IngestTables.ROW_NUMBER, DataTypes.LongType, false));
    }
    return new StructType(fields.toArray(StructField[]::new));
  }
}
