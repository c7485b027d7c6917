package dev.lakeml.schemas.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lakeml.schemas.project.LakehouseSpec.SchemaEvolution;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import dev.lakeml.schemas.yaml.ConfigException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectLoaderTest {
  @TempDir Path dir;

  static final String SOURCE =
      """
      sources:
        - name: orders
          format: csv
          location: raw/{date}.csv
          columns:
            - {name: order_id, source: OrderId, type: string, nullable: false}
            - {name: amount, type: "decimal(10,2)"}
            - {name: ordered_at, type: timestamp, format: "yyyy-MM-dd HH:mm:ss", zone: Europe/London}
          key: [order_id]
          rules:
            - {name: amount_positive, type: range, column: amount, min: 0}
      """;

  private Path write(String name, String yaml) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, yaml);
    return file;
  }

  private Path project(String yaml) throws IOException {
    return write("lakeml.yaml", yaml);
  }

  @Test
  void loadsTheBundledExampleProject() {
    Path example = Path.of(System.getProperty("user.dir")).resolveSibling("examples/online-retail");
    Project p = ProjectLoader.load(example);
    assertThat(p.name()).isEqualTo("online-retail");
    assertThat(p.lakehouse().schemaEvolution()).isEqualTo(SchemaEvolution.ADDITIVE);
    SourceSpec lines = p.source("invoice_lines").orElseThrow();
    assertThat(lines.key()).containsExactly("invoice_no", "stock_code", "quantity", "unit_price");
    assertThat(lines.column("invoice_ts").orElseThrow().zone()).contains("Europe/London");
    assertThat(lines.sourceColumnNames())
        .containsExactly(
            "InvoiceNo",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country");
    assertThat(lines.rules())
        .extracting(Rule::name)
        .contains("invoice_no_format", "quantity_sign_matches_invoice");
  }

  @Test
  void readsColumnsRulesAndDefaults() throws IOException {
    Project p = ProjectLoader.load(project("name: shop\n" + SOURCE));
    SourceSpec s = p.source("orders").orElseThrow();
    assertThat(p.spark().master()).isEqualTo("local[2]");
    assertThat(p.lakehouse().schemaEvolution()).isEqualTo(SchemaEvolution.NONE);
    assertThat(s.column("amount").orElseThrow().sourceName()).isEqualTo("amount");
    assertThat(s.column("amount").orElseThrow().type().ddl()).isEqualTo("DECIMAL(10,2)");
    assertThat(s.rules().get(0))
        .isEqualTo(
            new Rule.Range(
                "amount_positive",
                "amount",
                java.util.Optional.of(BigDecimal.ZERO),
                java.util.Optional.empty(),
                java.util.Optional.empty()));
    assertThat(s.stream().orElseThrow().landing()).isEqualTo("landing/orders");
    assertThat(p.resolve("raw/x.csv")).isEqualTo(dir.resolve("raw/x.csv").toString());
    assertThat(p.resolve("s3a://bucket/raw/x.csv")).isEqualTo("s3a://bucket/raw/x.csv");
  }

  @Test
  void loadsAProjectFolderWithSourcesInSeveralFiles() throws IOException {
    project("name: shop\nlakehouse: {root: lake}\n");
    write("sources/orders.yaml", SOURCE);
    Project p = ProjectLoader.load(dir);
    assertThat(p.sources()).extracting(SourceSpec::name).containsExactly("orders");
  }

  @Test
  void refusesAnUnknownKeyNamingFileLineAndPath() throws IOException {
    Path file =
        project("name: shop\n" + SOURCE.replace("format: csv", "format: csv\n    fromat: csv"));
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            file + ":5: at 'sources[0].fromat': unknown key 'fromat'; expected one of:")
        .hasMessageContaining("location");
  }

  @Test
  void refusesAWrongType() throws IOException {
    Path file = project("name: shop\n" + SOURCE.replace("type: \"decimal(10,2)\"", "type: money"));
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            file
                + ":8: at 'sources[0].columns[1].type': 'money' is not a type; expected one of string, int");
  }

  @Test
  void refusesAListWhereTextIsExpected() throws IOException {
    Path file = project("name: [a, b]\n");
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ":1: at 'name': expected the project's name, found a list");
  }

  @Test
  void refusesAMissingRequiredKey() throws IOException {
    Path file = project("name: shop\n" + SOURCE.replace("    location: raw/{date}.csv\n", ""));
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "at 'sources[0]': missing required key 'location': a path pattern with {date}");
  }

  @Test
  void refusesInvalidYamlWithItsLine() throws IOException {
    Path file = project("name: shop\nsources:\n  - name: [unclosed\n");
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ":")
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void refusesRulesOnUnknownColumnsAndBadPatterns() throws IOException {
    Path unknown =
        project(
            "name: shop\n" + SOURCE.replace("column: amount, min: 0", "column: amuont, min: 0"));
    assertThatThrownBy(() -> ProjectLoader.load(unknown))
        .hasMessageContaining(
            "at 'sources[0].rules[0].column': unknown column 'amuont'; expected one of [order_id, amount, ordered_at]");
    Path regex =
        project(
            "name: shop\n"
                + SOURCE.replace(
                    "{name: amount_positive, type: range, column: amount, min: 0}",
                    "{name: r, type: regex, column: order_id, pattern: \"[a-\"}"));
    assertThatThrownBy(() -> ProjectLoader.load(regex))
        .hasMessageContaining("at 'sources[0].rules[0].pattern': not a valid regular expression");
    Path range =
        project(
            "name: shop\n" + SOURCE.replace("column: amount, min: 0", "column: order_id, min: 0"));
    assertThatThrownBy(() -> ProjectLoader.load(range))
        .hasMessageContaining("a range rule needs a numeric column; 'order_id' is string");
  }

  @Test
  void refusesALocationWithoutDateAndABadZone() throws IOException {
    Path noDate = project("name: shop\n" + SOURCE.replace("raw/{date}.csv", "raw/orders.csv"));
    assertThatThrownBy(() -> ProjectLoader.load(noDate))
        .hasMessageContaining(
            "at 'sources[0].location': 'raw/orders.csv' has no {date} placeholder");
    Path zone = project("name: shop\n" + SOURCE.replace("Europe/London", "Europe/Londres"));
    assertThatThrownBy(() -> ProjectLoader.load(zone))
        .hasMessageContaining("at 'sources[0].columns[2].zone'")
        .hasMessageContaining("Europe/Londres");
  }

  @Test
  void refusesAKeyColumnThatIsNotDeclared() throws IOException {
    Path file =
        project("name: shop\n" + SOURCE.replace("key: [order_id]", "key: [order_id, line]"));
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .hasMessageContaining("key column 'line' is not one of the source's columns");
  }

  @Test
  void refusesAMissingFile() {
    Path file = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> ProjectLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": file not found or not a regular file");
  }

  @Test
  void derivesTheIngestionTableContracts() throws IOException {
    SourceSpec s =
        ProjectLoader.load(project("name: shop\n" + SOURCE)).source("orders").orElseThrow();
    TableContract bronze = IngestTables.bronze(s);
    TableContract silver = IngestTables.silver(s);
    assertThat(bronze.qualifiedName()).isEqualTo("bronze.orders");
    assertThat(bronze.columns())
        .allMatch(c -> c.type().equals("STRING") || c.name().startsWith("_"));
    assertThat(bronze.columnNames())
        .contains("_source_file", "_row_number", "_ingested_at", "_run_id", "_logical_date");
    assertThat(silver.column("amount").orElseThrow().type()).isEqualTo("DECIMAL(10,2)");
    assertThat(silver.column("order_id").orElseThrow().nullable()).isFalse();
    assertThat(silver.partitionColumns()).containsExactly("_logical_month");
    assertThat(IngestTables.quarantine(s).columnNames()).contains("_failed_rules", "_reason");
  }
}
