package dev.lakeml.cli;

import dev.lakeml.schemas.auth.ApiKeys;
import dev.lakeml.sql.SqlServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lakeml sql-server}: the JDBC/ODBC endpoint (Spark's Thrift server) over every lakehouse
 * table, read-only, with the serving API's keys, until stopped.
 */
@Command(
    name = "sql-server",
    description =
        "Serve the lakehouse's tables over JDBC/ODBC (Spark's Thrift server, HiveServer2 protocol)"
            + " until stopped: read-only; log in with an API key (user = its name, password = the"
            + " key).")
final class SqlServerCommand extends SparkCommand {
  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "The address to listen on (default ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "10000",
      description = "The port to listen on (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--api-keys",
      description =
          "The key file (name:key:role per line, as the serving API's). Default:"
              + " LAKEML_API_KEYS_FILE, then LAKEML_API_KEYS, then <lakehouse>/_serving/api-keys.")
  Path apiKeys;

  /** Counted down by the shutdown hook (Ctrl-C, SIGTERM) to end {@link #run}. */
  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  void check() {
    if (port < 0 || port > 65535) {
      throw new LakemlCli.UsageException("--port must be from 0 to 65535, found " + port);
    }
    // The session must start with the read-only check; SqlServer.start proves it is there.
    global.conf.putAll(SqlServer.sessionSettings());
  }

  @Override
  int run(LakemlContext ctx) throws Exception {
    ApiKeys keys = keys(ctx);
    Path work = Files.createTempDirectory("lakeml-sql-server");
    try (SqlServer server =
        SqlServer.start(ctx.spark, keys, new SqlServer.Settings(host, port, work))) {
      List<String> tables = SqlServer.tables(ctx.spark);
      ctx.err.println(
          "lakeml sql-server: "
              + server.jdbcUrl()
              + " serves "
              + tables.size()
              + " tables and views of "
              + ctx.lakehouse.root()
              + " (read-only; "
              + keys.size()
              + " API keys). Stop with Ctrl-C.");
      Thread hook = new Thread(stopped::countDown, "lakeml-sql-server-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      stopped.await();
      ctx.err.println("lakeml sql-server: stopped");
    }
    return LakemlCli.OK;
  }

  /** The keys: --api-keys, then LAKEML_API_KEYS_FILE, LAKEML_API_KEYS, then the local key file. */
  private ApiKeys keys(LakemlContext ctx) throws java.io.IOException {
    Optional<Path> file = Optional.ofNullable(apiKeys);
    Optional<String> inline = Optional.empty();
    if (file.isEmpty()) {
      String fromEnv = System.getenv("LAKEML_API_KEYS_FILE");
      String listed = System.getenv("LAKEML_API_KEYS");
      if (fromEnv != null && !fromEnv.isBlank()) {
        file = Optional.of(Path.of(fromEnv));
      } else if (listed != null && !listed.isBlank()) {
        inline = Optional.of(listed);
      } else {
        file =
            Optional.of(ServingProcess.localKeys(ServeCommand.localLakehouse(global, ctx.project)));
      }
    }
    try {
      return ApiKeys.load(file, inline);
    } catch (ApiKeys.KeyException e) {
      throw new LakemlCli.UsageException(e.getMessage());
    }
  }
}
