package dev.lakeml.feedback;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.tables.ServingTables;
import dev.lakeml.schemas.tables.TableColumn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code lakeml ingest-predictions}: loads the serving API's closed prediction-log files ({@code
 * *.jsonl}; files still being written end in {@code .jsonl.tmp} and are left alone) into {@code
 * serving.prediction_log}. Each file is loaded exactly once: its name is in every row it gave
 * ({@code _source_file}), files already there are skipped, and all new files go in one Delta
 * commit, so a crash leaves either all of them or none.
 */
public final class PredictionLogJob {
  /** What a run loaded. */
  public record Result(int files, int skipped, long rows) {}

  private final Lakehouse lakehouse;
  private final SparkSession spark;
  private final Consumer<String> log;

  public PredictionLogJob(Lakehouse lakehouse, Consumer<String> log) {
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
    this.log = log;
  }

  public Result run(Path logDir) {
    if (!Files.isDirectory(logDir)) {
      throw new LakehouseException(
          "the prediction log folder " + logDir + " does not exist (the API's --log-dir)");
    }
    List<Path> closed;
    try (Stream<Path> files = Files.list(logDir)) {
      closed = files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    } catch (IOException e) {
      throw new LakehouseException("could not list " + logDir + ": " + e, e);
    }
    lakehouse.ensure(List.of(ServingTables.PREDICTION_LOG));
    String location = lakehouse.location(ServingTables.PREDICTION_LOG);
    // A file is known by its path relative to the lakehouse root (its whole URI outside it), so a
    // moved lakehouse does not load its log again; rows stored with whole URIs still match.
    String prefix = rootUri();
    Set<String> loaded = new HashSet<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(location)
            .select("_source_file")
            .distinct()
            .collectAsList()) {
      loaded.add(stored(r.getString(0), prefix));
    }
    List<String> fresh = new ArrayList<>();
    for (Path f : closed) {
      String uri = f.toAbsolutePath().toUri().toString();
      if (!loaded.contains(stored(uri, prefix))) {
        fresh.add(uri);
      }
    }
    int skipped = closed.size() - fresh.size();
    if (fresh.isEmpty()) {
      log.accept("  no new prediction-log files (" + skipped + " already loaded)");
      return new Result(0, skipped, 0);
    }
    StructType json =
        new StructType()
            .add("time", DataTypes.TimestampType)
            .add("request_id", DataTypes.StringType)
            .add("model", DataTypes.StringType)
            .add("version", DataTypes.IntegerType)
            .add("run_id", DataTypes.StringType)
            .add("variant", DataTypes.StringType)
            .add("returned", DataTypes.BooleanType)
            .add("entities", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
            .add("features", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
            .add("reference_time", DataTypes.TimestampType)
            .add("score", DataTypes.DoubleType)
            .add("latency_ms", DataTypes.DoubleType)
            .add("_corrupt", DataTypes.StringType);
    Dataset<Row> raw =
        spark
            .read()
            .schema(json)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt")
            .json(fresh.toArray(String[]::new))
            .withColumn(
                "_source_file",
                prefix == null
                    ? input_file_name()
                    : when(
                            input_file_name().startsWith(prefix),
                            input_file_name().substr(prefix.length() + 1, Integer.MAX_VALUE))
                        .otherwise(input_file_name()))
            .localCheckpoint(true);
    // A line that does not parse, or lacks a required field, stops the load and names its file:
    // the writer only renames complete files, so this is damage, not a normal case.
    Column bad = col("_corrupt").isNotNull();
    for (TableColumn c : ServingTables.PREDICTION_LOG.columns()) {
      if (!c.nullable() && !c.name().startsWith("_") && !c.name().equals("log_date")) {
        bad = bad.or(col(c.name()).isNull());
      }
    }
    List<Row> broken = raw.where(bad).select("_source_file", "_corrupt").limit(1).collectAsList();
    if (!broken.isEmpty()) {
      long count = raw.where(bad).count();
      throw new LakehouseException(
          count
              + " line(s) of the prediction log do not parse or lack a required field, e.g. in "
              + broken.get(0).getString(0)
              + (broken.get(0).isNullAt(1) ? "" : ": " + broken.get(0).getString(1))
              + "; nothing was loaded");
    }
    List<Column> out = new ArrayList<>();
    for (TableColumn c : ServingTables.PREDICTION_LOG.columns()) {
      DataType type = DataType.fromDDL(c.type());
      switch (c.name()) {
        case "log_date" -> out.add(to_date(col("time")).as("log_date"));
        case "_ingested_at" -> out.add(current_timestamp().as("_ingested_at"));
        default -> out.add(col(c.name()).cast(type).as(c.name()));
      }
    }
    Dataset<Row> rows = raw.select(out.toArray(Column[]::new));
    long n = rows.count();
    rows.write().format("delta").mode("append").save(location);
    log.accept("  " + fresh.size() + " file(s), " + n + " rows into serving.prediction_log");
    return new Result(fresh.size(), skipped, n);
  }

  /** The lakehouse root as a file URI ending in '/', or null when the root is not local. */
  private String rootUri() {
    try {
      String uri = lakehouse.localRoot().toUri().toString();
      return uri.endsWith("/") ? uri : uri + "/";
    } catch (LakehouseException notLocal) {
      return null;
    }
  }

  private static String stored(String uri, String prefix) {
    return prefix != null && uri.startsWith(prefix) ? uri.substring(prefix.length()) : uri;
  }
}
