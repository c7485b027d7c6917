package dev.lakeml.testing;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A JDBC client for the JDBC endpoint's test and benchmark, run in a JVM of its own with only the
 * Hive JDBC driver (standalone jar) and this class on its class path, as a BI tool would be. It
 * uses nothing but {@code java.sql}.
 *
 * <p>Arguments: URL, user, password, then actions; one tab-separated line per result:
 *
 * <ul>
 *   <li>{@code tables:<schema pattern>} → {@code table schema name type}
 *   <li>{@code columns:<schema>:<table pattern>} → {@code column table name type}
 *   <li>{@code query:<sql>} → {@code row v1 v2 ...} lines, then {@code done rows millis}
 *   <li>{@code repeat:<n>:<sql with one ? for a long>:<key1,key2,...>} → the statement prepared
 *       once and run n times with the keys in turn: {@code latency micros rows} per run
 * </ul>
 *
 * A failed action prints {@code error <first line of the message>} and the next one runs; a failed
 * connection prints {@code connect-error <message>} and exits with 3.
 */
public final class JdbcProbe {
  private JdbcProbe() {}

  public static void main(String[] args) throws Exception {
    Connection connection;
    try {
      connection = DriverManager.getConnection(args[0], args[1], args[2]);
    } catch (SQLException e) {
      System.out.println("connect-error\t" + oneLine(e));
      System.out.flush();
      System.exit(3);
      return;
    }
    try (Connection c = connection) {
      for (int i = 3; i < args.length; i++) {
        try {
          act(c, args[i]);
        } catch (SQLException e) {
          System.out.println("error\t" + oneLine(e));
        }
      }
    }
    System.out.flush();
  }

  private static void act(Connection c, String action) throws SQLException {
    String[] parts = action.split(":", 2);
    switch (parts[0]) {
      case "tables" -> {
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(null, parts[1], "%", null)) {
          while (rs.next()) {
            print(
                "table",
                rs.getString("TABLE_SCHEM"),
                rs.getString("TABLE_NAME"),
                rs.getString("TABLE_TYPE"));
          }
        }
      }
      case "columns" -> {
        String[] where = parts[1].split(":", 2);
        try (ResultSet rs = c.getMetaData().getColumns(null, where[0], where[1], "%")) {
          while (rs.next()) {
            print(
                "column",
                rs.getString("TABLE_NAME"),
                rs.getString("COLUMN_NAME"),
                rs.getString("TYPE_NAME"));
          }
        }
      }
      case "query" -> {
        long t0 = System.nanoTime();
        int rows = 0;
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery(parts[1])) {
          int n = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            List<String> cells = new ArrayList<>();
            cells.add("row");
            for (int k = 1; k <= n; k++) {
              cells.add(String.valueOf(rs.getString(k)));
            }
            print(cells.toArray(String[]::new));
            rows++;
          }
        }
        print("done", Integer.toString(rows), Long.toString((System.nanoTime() - t0) / 1_000_000));
      }
      case "repeat" -> {
        String[] p = parts[1].split(":", 3);
        int n = Integer.parseInt(p[0]);
        String[] keys = p[2].split(",");
        try (PreparedStatement s = c.prepareStatement(p[1])) {
          for (int k = 0; k < n; k++) {
            s.setLong(1, Long.parseLong(keys[k % keys.length]));
            long t0 = System.nanoTime();
            int rows = 0;
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                rows++;
              }
            }
            print(
                "latency", Long.toString((System.nanoTime() - t0) / 1000), Integer.toString(rows));
          }
        }
      }
      default -> throw new SQLException("unknown action " + parts[0]);
    }
  }

  /**
   * Runs the probe in a JVM of its own (this class and the Hive JDBC driver only) and returns its
   * lines, split at tabs.
   */
  public static List<String[]> run(String url, String user, String password, String... actions)
      throws java.io.IOException, InterruptedException {
    String jar = System.getProperty("lakeml.hive.jdbc.jar");
    if (jar == null || !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(jar))) {
      throw new IllegalStateException(
          "the Hive JDBC driver jar (lakeml.hive.jdbc.jar, copied by the build) is missing: "
              + jar);
    }
    String classes = java.nio.file.Path.of(classesUri()).toString();
    List<String> command = new ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx256m", "-cp", classes + java.io.File.pathSeparator + jar));
    command.add(JdbcProbe.class.getName());
    command.addAll(List.of(url, user, password));
    command.addAll(List.of(actions));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<String[]> lines = new ArrayList<>();
    try (java.io.BufferedReader r =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lines.add(line.split("\t", -1));
      }
    }
    p.waitFor();
    return lines;
  }

  private static java.net.URI classesUri() {
    try {
      return JdbcProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void print(String... cells) {
    System.out.println(String.join("\t", cells));
  }

  private static String oneLine(SQLException e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse(m).replace('\t', ' ');
  }
}
