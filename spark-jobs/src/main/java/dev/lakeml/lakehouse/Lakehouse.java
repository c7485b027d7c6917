package dev.lakeml.lakehouse;

import dev.lakeml.schemas.project.LakehouseSpec.SchemaEvolution;
import dev.lakeml.schemas.tables.Layer;
import dev.lakeml.schemas.tables.TableColumn;
import dev.lakeml.schemas.tables.TableContract;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The lakehouse on disk (or object store): Delta tables under one root, one folder per table
 * ({@code <root>/<layer>/<name>}), registered by name in the session catalog so that SQL can say
 * {@code SELECT ... FROM bronze.invoice_lines}. Delta's log is the only source of truth; the
 * catalog is derived from the contracts each time a process starts (ADR 0003).
 */
public final class Lakehouse {
  private final SparkSession spark;
  private final String root;
  private final SchemaEvolution evolution;

  public Lakehouse(SparkSession spark, String root, SchemaEvolution evolution) {
    this.spark = spark;
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.evolution = evolution;
  }

  /**
   * Checks that the root's file system can be reached from this process: for a root on an object
   * store, that the store's Hadoop connector is on the class path. Fails with what to add, before a
   * Spark session starts; credentials are the store's own business and fail on first access.
   *
   * @throws LakehouseException naming the root, the connector and where the docs are
   */
  public static void checkFileSystem(String root, org.apache.hadoop.conf.Configuration hadoop) {
    java.net.URI uri = new org.apache.hadoop.fs.Path(root).toUri();
    String scheme = uri.getScheme();
    if (scheme == null || scheme.equalsIgnoreCase("file")) {
      return;
    }
    try {
      org.apache.hadoop.fs.FileSystem.getFileSystemClass(scheme, hadoop);
    } catch (java.io.IOException | RuntimeException e) {
      // No class for the scheme (IOException), or a class named by core-default.xml that is not
      // on the class path (fs.s3a.impl: RuntimeException of a ClassNotFoundException).
      String connector =
          switch (scheme.toLowerCase(java.util.Locale.ROOT)) {
            case "s3a" -> "hadoop-aws 3.3.4 and its AWS SDK bundle (fs.s3a.*)";
            case "abfs", "abfss" -> "hadoop-azure 3.3.4 (fs.azure.*)";
            case "gs" -> "the GCS connector, gcs-connector-hadoop3 (fs.gs.*)";
            case "s3", "s3n" -> "nothing: use s3a:// (the s3:// and s3n:// schemes are gone)";
            default -> "the Hadoop file system of '" + scheme + "' (fs." + scheme + ".impl)";
          };
      throw new LakehouseException(
          "the lakehouse root "
              + root
              + " is on a file system this process cannot open: no Hadoop connector for '"
              + scheme
              + "://' is on the class path. Add "
              + connector
              + " to the Spark installation (or --packages/--jars of spark-submit), with"
              + " credentials from the environment; see docs/deployment.md#object-storage."
              + " Nothing was read or written.",
          e);
    }
  }

  public SparkSession spark() {
    return spark;
  }

  public String root() {
    return root;
  }

  public String location(TableContract table) {
    return root + "/" + table.relativePath();
  }

  /**
   * The location of a table known by layer and name (a table whose contract is derived at run time:
   * {@code features.<view>}, {@code predictions.<model>}, {@code training_sets.<name>}).
   */
  public String location(Layer layer, String name) {
    return root + "/" + layer.database() + "/" + name;
  }

  /**
   * The folder of one training run's artifacts, {@code <root>/ml/artifacts/<model>/<run>}, as a
   * local path: model files and reports are written by the driver itself (see {@link #localRoot}).
   */
  public String artifacts(String model, String runId) {
    return localRoot()
        .resolve(Layer.ML.database())
        .resolve("artifacts")
        .resolve(model)
        .resolve(runId)
        .toString();
  }

  /**
   * The root as a local folder, for the files the driver writes without Spark: model artifacts and
   * reports, serving pointers, online snapshots, the prediction log. A plain path or a {@code
   * file:} URI (spaces and all) is one.
   *
   * @throws LakehouseException for a root on another file system
   */
  public java.nio.file.Path localRoot() {
    return localFolder(root);
  }

  /** {@code root} (a plain path or a {@code file:} URI) as a local folder. */
  public static java.nio.file.Path localFolder(String root) {
    if (root.regionMatches(true, 0, "file:", 0, 5)) {
      return java.nio.file.Path.of(new org.apache.hadoop.fs.Path(root).toUri()).toAbsolutePath();
    }
    if (hasScheme(root)) {
      throw new LakehouseException(
          "the lakehouse root "
              + root
              + " is not a local folder: model artifacts, reports, serving pointers and online"
              + " snapshots are written as local files. Use a local or mounted folder (a plain"
              + " path or file:///...) for --lakehouse, see docs/deployment.md#object-storage");
    }
    return java.nio.file.Path.of(root).toAbsolutePath();
  }

  /**
   * How a location under the root is stored in a table or a pointer: relative to the root, so that
   * a copied or moved lakehouse (a restore, a bucket copy) reads its own files. Locations outside
   * the root are kept whole. {@link #resolve} and {@link #localPath} turn it back.
   */
  public String relative(String location) {
    if (location == null) {
      return null;
    }
    if (location.startsWith(root + "/")) {
      return location.substring(root.length() + 1);
    }
    if (!hasScheme(location) || location.regionMatches(true, 0, "file:", 0, 5)) {
      try {
        java.nio.file.Path local = localRoot();
        java.nio.file.Path path = localFolder(location);
        if (path.normalize().startsWith(local.normalize())) {
          return local.normalize().relativize(path.normalize()).toString().replace('\\', '/');
        }
      } catch (LakehouseException | java.nio.file.InvalidPathException notLocal) {
        return location;
      }
    }
    return location;
  }

  /** A stored location (relative to the root, or whole) as a location Spark and Hadoop read. */
  public String resolve(String stored) {
    if (stored == null || isAbsolute(stored)) {
      return stored;
    }
    return root + "/" + stored;
  }

  /** A stored location (relative to the root, or whole) as a local path. */
  public String localPath(String stored) {
    if (stored == null) {
      return null;
    }
    return isAbsolute(stored)
        ? localFolder(stored).toString()
        : localRoot().resolve(stored).toString();
  }

  private static boolean isAbsolute(String location) {
    return location.startsWith("/") || hasScheme(location);
  }

  private static boolean hasScheme(String location) {
    return location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
  }

  /** The checkpoint folder of a stream. */
  public String checkpoint(String streamId) {
    return root + "/_checkpoints/" + streamId;
  }

  /**
   * The newest Delta version of the table at {@code location}, read from its log afresh; a job pins
   * it and reads with {@link #readAt}, so one run sees one version even while others write.
   *
   * @throws LakehouseException naming the table when there is none at {@code location}
   */
  public long currentVersion(String location) {
    DeltaTable table;
    try {
      table = DeltaTable.forPath(spark, location);
    } catch (Exception e) {
      throw new LakehouseException("no Delta table at " + location + " (not written yet)", e);
    }
    return table.history(1).select("version").first().getLong(0);
  }

  /** The current version of a table with a contract. */
  public long currentVersion(TableContract table) {
    return currentVersion(location(table));
  }

  /** The table at {@code location} as of Delta version {@code version} (time travel). */
  public Dataset<Row> readAt(String location, long version) {
    return spark.read().format("delta").option("versionAsOf", version).load(location);
  }

  /**
   * Whether the table has been created. Reads the log afresh: {@code DeltaTable.isDeltaTable}
   * answers from a cached snapshot and stays false in this JVM after another process creates the
   * table.
   */
  public boolean exists(TableContract table) {
    try {
      DeltaTable.forPath(spark, location(table));
      return true;
    } catch (Exception e) {
      return false; // not a Delta table (yet)
    }
  }

  /**
   * A creation killed before its first commit (a pipeline step killed mid-way) leaves a {@code
   * _delta_log} folder with no commit in it: no table, yet Delta takes the folder for one and would
   * skip creating it. Such a log holds nothing, so it is removed; a log with any commit or
   * checkpoint is left alone.
   */
  private void clearUncommittedLog(TableContract t) {
    org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(location(t), "_delta_log");
    try {
      org.apache.hadoop.fs.FileSystem fs =
          log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(log)) {
        return;
      }
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(log)) {
        String name = f.getPath().getName();
        if (name.endsWith(".json") || name.contains(".checkpoint")) {
          return; // committed: a table, whatever made it unreadable
        }
      }
      fs.delete(log, true);
    } catch (java.io.IOException e) {
      throw new LakehouseException("Could not inspect " + log + ": " + e, e);
    }
  }

  /** Registers every contract whose Delta table exists, so SQL can name it. */
  public void registerExisting(List<TableContract> tables) {
    for (TableContract t : tables) {
      if (exists(t)) {
        register(t);
      }
    }
  }

  private void register(TableContract table) {
    register(table.layer(), table.name());
  }

  private void register(Layer layer, String name) {
    synchronized (SCHEMA_CHANGES) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + layer.database());
      // The name may point at another lakehouse's table in this session (tests, --lakehouse):
      // dropping an external table only forgets the name, never the data.
      String qualified = layer.database() + ".`" + name + "`";
      spark.sql("DROP TABLE IF EXISTS " + qualified);
      spark.sql(
          "CREATE TABLE "
              + qualified
              + " USING delta LOCATION '"
              + escape(root + "/" + layer.database() + "/" + name)
              + "'");
    }
  }

  /**
   * Registers every Delta table found in a layer's folder: layers whose tables are not known from
   * the project alone (training sets, whose names are chosen when they are built).
   */
  public List<String> registerLayer(Layer layer) {
    List<String> names = new ArrayList<>();
    try {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root + "/" + layer.database());
      org.apache.hadoop.fs.FileSystem fs =
          dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir)) {
        return names;
      }
      for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dir)) {
        String name = st.getPath().getName();
        if (st.isDirectory()
            && fs.exists(new org.apache.hadoop.fs.Path(st.getPath(), "_delta_log"))) {
          register(layer, name);
          names.add(name);
        }
      }
    } catch (java.io.IOException e) {
      throw new LakehouseException("Could not list " + root + "/" + layer.database() + ": " + e, e);
    }
    return names;
  }

  /**
   * Makes sure each table exists and matches its contract, before anything is written: missing
   * tables are created; new nullable columns are added when the project allows additive evolution;
   * every other difference is refused with the list of differences. One caller at a time in a JVM:
   * steps of a pipeline that run side by side must not both create the same table (Delta lets only
   * one writer create version 0).
   */
  public void ensure(List<TableContract> tables) {
    synchronized (SCHEMA_CHANGES) {
      ensureNow(tables);
    }
  }

  private static final Object SCHEMA_CHANGES = new Object();

  /**
   * Runs {@code work} while no other thread of this JVM changes the catalog: for work that swaps
   * catalog entries and puts them back (pinned spine queries), or must read them unswapped.
   */
  public <T> T withCatalogHeld(java.util.function.Supplier<T> work) {
    synchronized (SCHEMA_CHANGES) {
      return work.get();
    }
  }

  private void ensureNow(List<TableContract> tables) {
    List<TableContract> toCreate = new ArrayList<>();
    List<Runnable> evolutions = new ArrayList<>();
    for (TableContract t : tables) {
      if (exists(t)) {
        evolutions.addAll(plannedEvolution(t));
      } else {
        toCreate.add(t);
      }
    }
    // All checks passed: now change things.
    evolutions.forEach(Runnable::run);
    for (TableContract t : toCreate) {
      create(t);
    }
    for (TableContract t : tables) {
      register(t);
    }
  }

  private void create(TableContract t) {
    clearUncommittedLog(t);
    spark.sql("CREATE DATABASE IF NOT EXISTS " + t.layer().database());
    String columns =
        t.columns().stream()
            .map(
                c ->
                    "`"
                        + c.name()
                        + "` "
                        + c.type()
                        + (c.nullable() ? "" : " NOT NULL")
                        + " COMMENT '"
                        + escape(c.comment())
                        + "'")
            .collect(Collectors.joining(", "));
    StringBuilder sql =
        new StringBuilder("CREATE TABLE IF NOT EXISTS delta.`")
            .append(location(t).replace("`", "``"))
            .append("`")
            .append(" (")
            .append(columns)
            .append(") USING delta");
    if (!t.partitionColumns().isEmpty()) {
      sql.append(" PARTITIONED BY (").append(String.join(", ", t.partitionColumns())).append(")");
    }
    if (!t.description().isEmpty()) {
      sql.append(" COMMENT '").append(escape(t.description())).append("'");
    }
    if (!t.properties().isEmpty()) {
      sql.append(" TBLPROPERTIES (")
          .append(
              t.properties().entrySet().stream()
                  .sorted(Map.Entry.comparingByKey())
                  .map(e -> "'" + e.getKey() + "' = '" + escape(e.getValue()) + "'")
                  .collect(Collectors.joining(", ")))
          .append(")");
    }
    try {
      spark.sql(sql.toString());
    } catch (RuntimeException e) {
      throw new LakehouseException(
          "Could not create table "
              + t.qualifiedName()
              + " at "
              + location(t)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The schema changes needed, or a refusal naming every incompatible difference. */
  private List<Runnable> plannedEvolution(TableContract t) {
    StructType actual = spark.read().format("delta").load(location(t)).schema();
    List<String> problems = new ArrayList<>();
    List<TableColumn> added = new ArrayList<>();
    List<String> relaxed = new ArrayList<>();
    for (StructField f : actual.fields()) {
      if (t.column(f.name()).isEmpty()) {
        problems.add(
            "column '"
                + f.name()
                + "' is in the table but not in the contract (columns are never dropped)");
      }
    }
    for (TableColumn c : t.columns()) {
      StructField f = field(actual, c.name());
      if (f == null) {
        if (c.nullable()) {
          added.add(c);
        } else {
          problems.add(
              "new column '"
                  + c.name()
                  + "' is NOT NULL; existing rows have no value (add it as nullable)");
        }
        continue;
      }
      DataType expected = DataType.fromDDL(c.type());
      if (!expected.sameType(f.dataType())) {
        problems.add(
            "column '"
                + c.name()
                + "' is "
                + f.dataType().sql()
                + " in the table but "
                + expected.sql()
                + " in the contract (type changes are incompatible)");
      } else if (!f.nullable() && c.nullable()) {
        relaxed.add(c.name());
      } else if (f.nullable() && !c.nullable()) {
        problems.add(
            "column '" + c.name() + "' may be NULL in the table but is NOT NULL in the contract");
      }
    }
    List<String> partitions = partitionColumns(t);
    if (!partitions.equals(t.partitionColumns())) {
      problems.add(
          "the table is partitioned by "
              + partitions
              + " but the contract says "
              + t.partitionColumns());
    }
    if (!problems.isEmpty()) {
      throw new LakehouseException(
          "Table "
              + t.qualifiedName()
              + " at "
              + location(t)
              + " does not match its contract:\n  - "
              + String.join("\n  - ", problems)
              + "\nNothing was written. Restore the previous definition, or migrate the table by hand"
              + " (see docs/runbooks/schema-changes.md).");
    }
    if ((!added.isEmpty() || !relaxed.isEmpty()) && evolution != SchemaEvolution.ADDITIVE) {
      throw new LakehouseException(
          "Table "
              + t.qualifiedName()
              + " would change: "
              + (added.isEmpty()
                  ? ""
                  : "new columns " + added.stream().map(TableColumn::name).toList() + " ")
              + (relaxed.isEmpty() ? "" : "columns that become nullable " + relaxed)
              + ", but the project's lakehouse.schema_evolution is 'none'. Nothing was written."
              + " Set schema_evolution: additive to accept additive changes.");
    }
    List<Runnable> out = new ArrayList<>();
    if (!added.isEmpty()) {
      String columns =
          added.stream()
              .map(c -> "`" + c.name() + "` " + c.type() + " COMMENT '" + escape(c.comment()) + "'")
              .collect(Collectors.joining(", "));
      out.add(
          () -> spark.sql("ALTER TABLE delta.`" + location(t) + "` ADD COLUMNS (" + columns + ")"));
    }
    for (String c : relaxed) {
      out.add(
          () ->
              spark.sql(
                  "ALTER TABLE delta.`"
                      + location(t)
                      + "` ALTER COLUMN `"
                      + c
                      + "` DROP NOT NULL"));
    }
    return out;
  }

  private List<String> partitionColumns(TableContract t) {
    Row detail = DeltaTable.forPath(spark, location(t)).detail().select("partitionColumns").first();
    return detail.getList(0).stream().map(Object::toString).toList();
  }

  private static StructField field(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** The contract's columns as a Spark schema, in contract order. */
  public static StructType schemaOf(TableContract table) {
    return new StructType(
        table.columns().stream()
            .map(
                c ->
                    org.apache.spark.sql.types.DataTypes.createStructField(
                        c.name(), DataType.fromDDL(c.type()), c.nullable()))
            .toArray(StructField[]::new));
  }

  /**
   * Rows built in contract order as a DataFrame. Delta appends match columns by name, so this stays
   * right after additive evolution has appended new columns at the end of the table.
   */
  public Dataset<Row> rows(TableContract table, List<Row> rows) {
    return spark.createDataFrame(rows, schemaOf(table));
  }

  /** Appends rows built in contract order (see {@link TableRow}) to the table. */
  public void append(TableContract table, List<Row> rows) {
    rows(table, rows).write().format("delta").mode("append").save(location(table));
  }

  public Dataset<Row> read(TableContract table) {
    return spark.read().format("delta").load(location(table));
  }

  static String escape(String text) {
    return text.replace("\\", "\\\\").replace("'", "\\'");
  }
}
