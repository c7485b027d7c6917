package dev.lakeml.ingest;

import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_DATE;
import static dev.lakeml.schemas.tables.IngestTables.MALFORMED_RECORD;
import static dev.lakeml.schemas.tables.IngestTables.SOURCE_FILE;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import dev.lakeml.ingest.RawFiles.RawFile;
import dev.lakeml.schemas.project.ColumnSpec;
import dev.lakeml.schemas.project.SourceFormat;
import dev.lakeml.schemas.project.SourceSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads raw files into bronze-shaped records: every declared column as text, the raw record when it
 * could not be split, the file it came from, its record number and logical date.
 */
public final class RawReader {
  private RawReader() {}

  /** The text schema the reader applies: one string per declared column, then the raw record. */
  public static StructType textSchema(SourceSpec source, boolean sourceNames) {
    List<StructField> fields = new ArrayList<>();
    for (ColumnSpec c : source.columns()) {
      fields.add(
          DataTypes.createStructField(
              sourceNames ? c.sourceName() : c.name(), DataTypes.StringType, true));
    }
    fields.add(DataTypes.createStructField(MALFORMED_RECORD, DataTypes.StringType, true));
    return new StructType(fields.toArray(StructField[]::new));
  }

  /** Reads the given files as one dataset; records keep their file order within each file. */
  public static Dataset<Row> read(SparkSession spark, SourceSpec source, List<RawFile> files) {
    String[] paths = files.stream().map(RawFile::path).toArray(String[]::new);
    Dataset<Row> raw;
    if (source.format() == SourceFormat.PARQUET) {
      raw = spark.read().options(source.readerOptions()).parquet(paths);
      List<Column> cols = new ArrayList<>();
      for (ColumnSpec c : source.columns()) {
        cols.add(col("`" + c.sourceName() + "`").cast("string").as(c.name()));
      }
      cols.add(org.apache.spark.sql.functions.lit(null).cast("string").as(MALFORMED_RECORD));
      cols.add(col("_metadata.file_path").as(SOURCE_FILE));
      raw = raw.select(cols.toArray(Column[]::new));
    } else {
      raw =
          spark
              .read()
              .format(source.format().sparkName())
              .schema(textSchema(source, true))
              .options(source.readerOptions())
              .option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", MALFORMED_RECORD)
              .load(paths)
              .withColumn(SOURCE_FILE, col("_metadata.file_path"));
      for (ColumnSpec c : source.columns()) {
        if (!c.sourceName().equals(c.name())) {
          raw = raw.withColumnRenamed(c.sourceName(), c.name());
        }
      }
    }
    raw = raw.withColumn(IngestTransforms.SCAN_ORDER, monotonically_increasing_id());
    return IngestTransforms.numberRecords(raw).join(broadcast(dates(spark, files)), SOURCE_FILE);
  }

  private static Dataset<Row> dates(SparkSession spark, List<RawFile> files) {
    StructType schema =
        new StructType(
            new StructField[] {
              DataTypes.createStructField(SOURCE_FILE, DataTypes.StringType, false),
              DataTypes.createStructField(LOGICAL_DATE, DataTypes.DateType, false)
            });
    List<Row> rows = new ArrayList<>();
    for (RawFile f : files) {
      rows.add(RowFactory.create(f.path(), java.sql.Date.valueOf(f.date())));
    }
    return spark.createDataFrame(rows, schema);
  }
}
