package dev.lakeml.sql;

import dev.lakeml.schemas.auth.ApiKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;

/**
 * The JDBC/ODBC endpoint over the lakehouse ({@code lakeml sql-server}, ADR 0024): Spark's Thrift
 * server (HiveServer2's protocol, binary transport) started inside a lakeml session whose catalog
 * holds every lakehouse table under its name. Any HiveServer2 client (the Hive JDBC driver, BI
 * tools, beeline) connects with an API key; each connection is its own Spark session, held to
 * read-only by {@link ReadOnlyCheck}. Queries read the newest Delta version of each table.
 */
public final class SqlServer implements AutoCloseable {
  /** Extensions the session must start with: Delta's and the read-only check. */
  public static final String SESSION_EXTENSIONS =
      "io.delta.sql.DeltaSparkSessionExtension," + ReadOnlyCheck.class.getName();

  /**
   * Settings of the session that serves JDBC: the extensions, and Delta writing each table's schema
   * into the catalog when it is registered, so that {@code DatabaseMetaData.getColumns} (what BI
   * tools browse) lists the columns.
   */
  public static Map<String, String> sessionSettings() {
    return Map.of(
        "spark.sql.extensions",
        SESSION_EXTENSIONS,
        "spark.databricks.delta.catalog.update.enabled",
        "true",
        "spark.sql.hive.thriftServer.singleSession",
        "false",
        // Thrift sessions use java.time values (spark.sql.datetime.java8API.enabled), and Delta
        // 3.3's answer of max(date) from the log's statistics then fails with a
        // ClassCastException (LocalDate to java.sql.Date): read the rows instead.
        "spark.databricks.delta.optimizeMetadataQuery.enabled",
        "false");
  }

  /** Where and how it listens; {@code workDir} holds HiveServer2's scratch and operation logs. */
  public record Settings(String host, int port, Path workDir) {}

  private final HiveThriftServer2 server;
  private final Settings settings;

  private SqlServer(HiveThriftServer2 server, Settings settings) {
    this.server = server;
    this.settings = settings;
  }

  /**
   * Starts the endpoint on {@code spark}, whose catalog already holds the lakehouse's tables.
   *
   * @throws SqlServerErrors.Refused when the session lacks the read-only check or the port is taken
   */
  public static SqlServer start(SparkSession spark, ApiKeys keys, Settings settings) {
    ReadOnlyCheck.enforceExcept(spark);
    assertReadOnly(spark);
    ApiKeyAuthentication.use(keys);
    Path work = settings.workDir().toAbsolutePath();
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new SqlServerErrors.Refused("cannot make the work folder " + work + ": " + e, e);
    }
    // HiveServer2 and its embedded Derby write scratch files, operation logs and derby.log; all go
    // into the work folder instead of /tmp and the current directory.
    System.setProperty("derby.stream.error.file", work.resolve("derby.log").toString());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    hadoop.set("hive.server2.thrift.bind.host", settings.host());
    hadoop.set("hive.server2.thrift.port", Integer.toString(settings.port()));
    hadoop.set("hive.server2.transport.mode", "binary");
    hadoop.set("hive.server2.authentication", "CUSTOM");
    // HiveServer2 reads the provider's class from a HiveConf of its own, made from system
    // properties, at each login.
    System.setProperty(
        "hive.server2.custom.authentication.class", ApiKeyAuthentication.class.getName());
    hadoop.set("hive.server2.enable.doAs", "false");
    hadoop.set("hive.exec.scratchdir", work.resolve("scratch").toString());
    hadoop.set("hive.exec.local.scratchdir", work.resolve("local-scratch").toString());
    hadoop.set("hive.downloaded.resources.dir", work.resolve("resources").toString());
    hadoop.set(
        "hive.server2.logging.operation.log.location", work.resolve("operation-logs").toString());
    hadoop.set("hive.metastore.warehouse.dir", work.resolve("warehouse").toString());
    HiveThriftServer2 server;
    try {
      server = HiveThriftServer2.startWithContext(spark.sqlContext());
    } catch (RuntimeException e) {
      throw SqlServerErrors.cannotListen(settings.host(), settings.port(), e);
    }
    return new SqlServer(server, settings);
  }

  /** Proves the check holds for a client's session before any client can connect. */
  private static void assertReadOnly(SparkSession spark) {
    SparkSession probe = spark.newSession();
    try {
      probe.sql("CREATE TEMPORARY VIEW lakeml_read_only_probe AS SELECT 1 AS one");
    } catch (SqlServerErrors.Refused expected) {
      return;
    }
    probe.catalog().dropTempView("lakeml_read_only_probe");
    throw SqlServerErrors.checkNotInstalled();
  }

  /** The JDBC URL clients use. */
  public String jdbcUrl() {
    return "jdbc:hive2://" + settings.host() + ":" + settings.port() + "/default";
  }

  /** Every table and view clients can name, as {@code database.table}, sorted. */
  public static List<String> tables(SparkSession spark) {
    List<String> names = new ArrayList<>();
    for (Row db : spark.sql("SHOW DATABASES").collectAsList()) {
      String database = db.getString(0);
      for (Row t : spark.sql("SHOW TABLES IN `" + database + "`").collectAsList()) {
        if (!t.getBoolean(2)) {
          names.add(database + "." + t.getString(1));
        }
      }
    }
    names.sort(String::compareTo);
    return names;
  }

  @Override
  public void close() {
    server.stop();
  }
}
