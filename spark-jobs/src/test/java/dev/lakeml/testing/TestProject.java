package dev.lakeml.testing;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.ProjectLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * A small project in a temporary folder: an "orders" CSV source with a few rules, a lakehouse
 * beside it, and helpers to write raw files.
 */
public final class TestProject {
  public static final String HEADER = "OrderId,Line,Customer,Amount,OrderedAt,Status";

  public static final String SOURCE_YAML =
      """
        - name: orders
          format: csv
          location: raw/{date}.csv
          options: {header: "true"}
          zone: Europe/London
          columns:
            - {name: order_id, source: OrderId, type: string, nullable: false}
            - {name: line, source: Line, type: int, nullable: false}
            - {name: customer, source: Customer, type: long}
            - {name: amount, source: Amount, type: "decimal(10,2)", nullable: false}
            - {name: ordered_at, source: OrderedAt, type: timestamp, format: "yyyy-MM-dd HH:mm:ss", nullable: false}
            - {name: status, source: Status, type: string}
          derived:
            - {name: is_big, type: boolean, expr: "amount >= 100"}
          key: [order_id, line]
          rules:
            - {name: amount_positive, type: range, column: amount, min: 0.01}
            - {name: order_id_format, type: regex, column: order_id, pattern: "^O[0-9]+$"}
            - {name: known_status, type: allowed_values, column: status, values: [NEW, PAID, SHIPPED]}
            - {name: customer_for_paid, type: sql, expr: "status <> 'PAID' OR customer IS NOT NULL",
               message: "a paid order names its customer"}
      %s
      """;

  public final Path dir;

  private TestProject(Path dir) {
    this.dir = dir;
  }

  public static TestProject create(Path dir, String evolution) {
    return create(dir, evolution, SOURCE_YAML.formatted(""));
  }

  public static TestProject create(Path dir, String evolution, String sourcesYaml) {
    TestProject p = new TestProject(dir);
    p.writeProject(evolution, sourcesYaml);
    return p;
  }

  public void writeProject(String evolution, String sourcesYaml) {
    String yaml =
        "name: test\nlakehouse:\n  root: lake\n  schema_evolution: "
            + evolution
            + "\nsources:\n"
            + sourcesYaml;
    write(dir.resolve("lakeml.yaml"), yaml.getBytes(StandardCharsets.UTF_8));
  }

  public Project load() {
    return ProjectLoader.load(dir.resolve("lakeml.yaml"));
  }

  public Lakehouse lakehouse(Project project) {
    return new Lakehouse(
        SharedSpark.session(),
        project.resolve(project.lakehouse().root()),
        project.lakehouse().schemaEvolution());
  }

  public Path rawFile(String date) {
    return dir.resolve("raw/" + date + ".csv");
  }

  /** Writes a raw CSV file for a date: the header, then the given lines. */
  public Path csv(String date, String header, List<String> lines) {
    StringBuilder sb = new StringBuilder(header).append('\n');
    lines.forEach(l -> sb.append(l).append('\n'));
    Path file = rawFile(date);
    write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    return file;
  }

  public Path csv(String date, List<String> lines) {
    return csv(date, HEADER, lines);
  }

  /**
   * A project whose source reads {@code raw/{date}.csv.gz}, and for {@code date} a gzip file of
   * 20,000 lines cut in half ({@code dir/raw/<date>.csv.gz}): a truncated compressed file.
   */
  public static TestProject withTruncatedGzip(Path dir, String date) {
    TestProject p =
        create(
            dir, "none", SOURCE_YAML.formatted("").replace("raw/{date}.csv", "raw/{date}.csv.gz"));
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (int i = 0; i < 20_000; i++) {
      sb.append("O").append(i).append(",1,1,10.00,").append(date).append(" 09:00:00,NEW\n");
    }
    byte[] gz = gzip(sb.toString().getBytes(StandardCharsets.UTF_8));
    Path file = dir.resolve("raw/" + date + ".csv.gz");
    write(file, java.util.Arrays.copyOf(gz, gz.length / 2));
    return p;
  }

  public static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] gzip(byte[] bytes) {
    try (var buffer = new java.io.ByteArrayOutputStream();
        OutputStream gz = new GZIPOutputStream(buffer)) {
      gz.write(bytes);
      gz.close();
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
