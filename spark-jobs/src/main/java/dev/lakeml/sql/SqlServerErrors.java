package dev.lakeml.sql;

import dev.lakeml.lakehouse.LakehouseException;

/** Every error the JDBC endpoint shows to people: what is wrong and what to do. */
public final class SqlServerErrors {
  private SqlServerErrors() {}

  /** A statement the endpoint does not run, or a server that cannot start as asked. */
  public static final class Refused extends LakehouseException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }

    Refused(String message, Throwable cause) {
      super(message, cause);
    }

    /** The message alone: HiveServer2 sends {@code toString()} to the client. */
    @Override
    public String toString() {
      return getMessage();
    }
  }

  static final String NO_KEY =
      "an API key is required: connect with user = the key's name and password = the key";

  static final String WRONG_KEY =
      "the user and API key do not match a key of the server's key file (user = the key's name,"
          + " password = the key)";

  static Refused notReadOnly(String command) {
    return new Refused(
        "lakeml sql-server is read-only: "
            + command
            + " is refused. Only queries, SHOW, DESCRIBE, EXPLAIN, SET and USE run here; tables"
            + " are written by lakeml's jobs.");
  }

  static Refused checkNotInstalled() {
    return new Refused(
        "the read-only check is not installed in this Spark session (spark.sql.extensions must"
            + " include "
            + ReadOnlyCheck.class.getName()
            + " when the session starts); the server was not started");
  }

  static Refused cannotListen(String host, int port, Throwable cause) {
    String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return new Refused(
        "cannot listen on "
            + host
            + ":"
            + port
            + " ("
            + reason
            + "). Is another server on that port? Choose another with --port.",
        cause);
  }
}
