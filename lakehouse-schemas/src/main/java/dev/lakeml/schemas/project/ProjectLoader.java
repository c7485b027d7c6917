package dev.lakeml.schemas.project;

import dev.lakeml.schemas.features.FeatureCatalog;
import dev.lakeml.schemas.features.FeatureLoader;
import dev.lakeml.schemas.models.ModelLoader;
import dev.lakeml.schemas.models.ModelSpec;
import dev.lakeml.schemas.pipelines.PipelineLoader;
import dev.lakeml.schemas.pipelines.PipelineSpec;
import dev.lakeml.schemas.project.LakehouseSpec.SchemaEvolution;
import dev.lakeml.schemas.project.StreamSpec.KafkaSpec;
import dev.lakeml.schemas.yaml.ConfigException;
import dev.lakeml.schemas.yaml.ConfigNode;
import dev.lakeml.schemas.yaml.YamlFiles;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * Loads a lakeml project from one YAML file, or from a folder holding {@code lakeml.yaml} plus
 * further {@code *.yaml} files that each declare more {@code sources}. Every problem is reported
 * with the file, line and key path, and what was expected.
 */
public final class ProjectLoader {
  /** The file a project folder must contain. */
  public static final String PROJECT_FILE = "lakeml.yaml";

  private ProjectLoader() {}

  public static Project load(Path fileOrFolder) {
    Path path = fileOrFolder.toAbsolutePath().normalize();
    if (Files.isDirectory(path)) {
      return loadFolder(path);
    }
    ConfigNode root = YamlFiles.read(path);
    Project project = readProject(root, path.getParent(), new ArrayList<>());
    root.finish();
    return project;
  }

  private static Project loadFolder(Path folder) {
    Path main = folder.resolve(PROJECT_FILE);
    if (!Files.isRegularFile(main)) {
      throw new ConfigException(
          folder.toString(),
          "",
          0,
          "a project folder must contain " + PROJECT_FILE + " (project name, lakehouse, spark)");
    }
    List<Path> extra;
    try (Stream<Path> files = Files.walk(folder)) {
      extra =
          files
              .filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .filter(p -> !p.equals(main))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new ConfigException(folder.toString(), "", 0, "cannot list the folder: " + e);
    }
    List<SourceSpec> more = new ArrayList<>();
    for (Path file : extra) {
      ConfigNode node = YamlFiles.read(file);
      for (SourceSpec s : readSources(node, folder)) {
        more.add(s);
      }
      node.finish("sources (files beside " + PROJECT_FILE + " may only declare sources)");
    }
    ConfigNode root = YamlFiles.read(main);
    Project project = readProject(root, folder, more);
    root.finish();
    return project;
  }

  private static Project readProject(ConfigNode root, Path baseDir, List<SourceSpec> more) {
    String name = root.requiredString("name", "the project's name");
    LakehouseSpec lakehouse =
        root.optional("lakehouse")
            .map(ProjectLoader::readLakehouse)
            .orElse(new LakehouseSpec("lakehouse", SchemaEvolution.NONE));
    SparkSpec spark =
        root.optional("spark")
            .map(ProjectLoader::readSpark)
            .orElse(new SparkSpec(SparkSpec.DEFAULT_MASTER, Map.of()));
    List<SourceSpec> sources = new ArrayList<>(readSources(root, baseDir));
    Set<String> names = new HashSet<>();
    for (SourceSpec s : sources) {
      names.add(s.name());
    }
    for (SourceSpec s : more) {
      if (!names.add(s.name())) {
        throw root.error("source '" + s.name() + "' is declared twice (source names are unique)");
      }
      sources.add(s);
    }
    FeatureCatalog features = FeatureLoader.read(root, sources);
    List<ModelSpec> models = ModelLoader.read(root, features, sources);
    List<PipelineSpec> pipelines = PipelineLoader.read(root, models);
    return new Project(name, baseDir, lakehouse, spark, sources, features, models, pipelines);
  }

  private static LakehouseSpec readLakehouse(ConfigNode node) {
    String root = node.optionalString("root", "a folder or a URI").orElse("lakehouse");
    SchemaEvolution evolution =
        node.optional("schema_evolution")
            .map(
                n -> {
                  String v = n.string("none or additive").trim().toLowerCase(Locale.ROOT);
                  return switch (v) {
                    case "none" -> SchemaEvolution.NONE;
                    case "additive" -> SchemaEvolution.ADDITIVE;
                    default -> throw n.error("expected none or additive, found '" + v + "'");
                  };
                })
            .orElse(SchemaEvolution.NONE);
    node.finish();
    return new LakehouseSpec(root, evolution);
  }

  private static SparkSpec readSpark(ConfigNode node) {
    String master =
        node.optionalString("master", "a Spark master URL").orElse(SparkSpec.DEFAULT_MASTER);
    Map<String, String> conf =
        node.optional("conf").map(n -> n.stringMap("a Spark setting value")).orElse(Map.of());
    node.finish();
    return new SparkSpec(master, conf);
  }

  private static List<SourceSpec> readSources(ConfigNode root, Path baseDir) {
    Optional<ConfigNode> list = root.optional("sources");
    if (list.isEmpty()) {
      return List.of();
    }
    List<SourceSpec> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode n : list.get().list("a list of sources")) {
      SourceSpec source = readSource(n);
      if (!names.add(source.name())) {
        throw n.error("source '" + source.name() + "' is declared twice (source names are unique)");
      }
      out.add(source);
    }
    return out;
  }

  private static String identifier(ConfigNode node, String key, String what) {
    return node.requiredIdentifier(key, what);
  }

  private static SourceSpec readSource(ConfigNode node) {
    String name = identifier(node, "name", "source name");
    ConfigNode formatNode = node.required("format", "csv, json or parquet");
    SourceFormat format =
        parse(formatNode, () -> SourceFormat.parse(formatNode.string("a format")));
    ConfigNode locationNode =
        node.required("location", "a path pattern with {date}, e.g. data/{date}.csv.gz");
    String location = locationNode.string("a path pattern");
    if (!location.contains("{date}")) {
      throw locationNode.error(
          "'"
              + location
              + "' has no {date} placeholder; expected a pattern such as data/{date}.csv");
    }
    String dateFormat = node.optionalString("date_format", "a date pattern").orElse("yyyy-MM-dd");
    node.optional("date_format")
        .ifPresent(n -> parse(n, () -> DateTimeFormatter.ofPattern(dateFormat)));
    Map<String, String> options =
        node.optional("options").map(n -> n.stringMap("a reader option")).orElse(Map.of());
    Optional<String> defaultZone = node.optionalString("zone", "a time zone id");
    node.optional("zone").ifPresent(n -> parse(n, () -> ZoneId.of(defaultZone.get())));

    List<ColumnSpec> columns = new ArrayList<>();
    Set<String> columnNames = new HashSet<>();
    Set<String> sourceNames = new HashSet<>();
    for (ConfigNode c : node.required("columns", "the list of expected columns").list("columns")) {
      ColumnSpec column = readColumn(c, defaultZone);
      if (!columnNames.add(column.name())) {
        throw c.error("column '" + column.name() + "' is declared twice");
      }
      if (!sourceNames.add(column.sourceName())) {
        throw c.error("source column '" + column.sourceName() + "' is mapped twice");
      }
      columns.add(column);
    }
    if (columns.isEmpty()) {
      throw node.error("a source needs at least one column");
    }

    List<DerivedColumn> derived = new ArrayList<>();
    for (ConfigNode d :
        node.optional("derived").map(n -> n.list("derived columns")).orElse(List.of())) {
      String dname = identifier(d, "name", "column name");
      if (!columnNames.add(dname)) {
        throw d.error("derived column '" + dname + "' clashes with another column");
      }
      ConfigNode typeNode = d.required("type", ColumnType.ACCEPTED);
      ColumnType type = parse(typeNode, () -> ColumnType.parse(typeNode.string("a type")));
      String expr = d.requiredString("expr", "a Spark SQL expression over the typed columns");
      String description = d.optionalString("description", "text").orElse("");
      d.finish();
      derived.add(new DerivedColumn(dname, type, expr, description));
    }

    ConfigNode keyNode = node.required("key", "the column(s) that identify a row");
    List<String> key = keyNode.stringList("column names");
    for (String k : key) {
      if (!columnNames.contains(k) || derived.stream().anyMatch(d -> d.name().equals(k))) {
        throw keyNode.error(
            "key column '" + k + "' is not one of the source's columns " + sourceColumns(columns));
      }
    }

    List<Rule> rules = new ArrayList<>();
    Set<String> ruleNames = new HashSet<>();
    for (ConfigNode r : node.optional("rules").map(n -> n.list("rules")).orElse(List.of())) {
      Rule rule = readRule(r, columns);
      if (!ruleNames.add(rule.name())) {
        throw r.error(
            "rule '" + rule.name() + "' is declared twice (rule names are unique per source)");
      }
      rules.add(rule);
    }

    Optional<StreamSpec> stream = node.optional("stream").map(s -> readStream(s, name));
    String description = node.optionalString("description", "text").orElse("");
    node.finish();
    return new SourceSpec(
        name,
        format,
        location,
        dateFormat,
        options,
        columns,
        derived,
        key,
        rules,
        Optional.of(stream.orElse(new StreamSpec("landing/" + name, 1, Optional.empty()))),
        description);
  }

  private static String sourceColumns(List<ColumnSpec> columns) {
    return columns.stream().map(ColumnSpec::name).toList().toString();
  }

  private static ColumnSpec readColumn(ConfigNode node, Optional<String> defaultZone) {
    String name = identifier(node, "name", "column name");
    String sourceName =
        node.optionalString("source", "the column's name in the raw data").orElse(name);
    ConfigNode typeNode = node.required("type", ColumnType.ACCEPTED);
    ColumnType type = parse(typeNode, () -> ColumnType.parse(typeNode.string("a type")));
    boolean nullable =
        node.optionalBool("nullable", "whether the column may be empty").orElse(true);
    Optional<String> format = node.optionalString("format", "a date/time pattern");
    Optional<ConfigNode> formatNode = node.optional("format");
    if (formatNode.isPresent()) {
      if (type.kind() != ColumnType.Kind.TIMESTAMP && type.kind() != ColumnType.Kind.DATE) {
        throw formatNode
            .get()
            .error("'format' applies to timestamp and date columns only, not " + type);
      }
      parse(formatNode.get(), () -> DateTimeFormatter.ofPattern(format.get()));
    }
    Optional<String> declaredZone =
        node.optionalString("zone", "a time zone id such as Europe/London");
    Optional<ConfigNode> zoneNode = node.optional("zone");
    if (zoneNode.isPresent()) {
      if (type.kind() != ColumnType.Kind.TIMESTAMP) {
        throw zoneNode.get().error("'zone' applies to timestamp columns only, not " + type);
      }
      parse(zoneNode.get(), () -> ZoneId.of(declaredZone.get()));
    }
    Optional<String> zone = declaredZone;
    if (type.kind() == ColumnType.Kind.TIMESTAMP && zone.isEmpty()) {
      zone = defaultZone.or(() -> Optional.of("UTC"));
    }
    String description = node.optionalString("description", "text").orElse("");
    node.finish();
    return new ColumnSpec(name, sourceName, type, nullable, format, zone, description);
  }

  private static Rule readRule(ConfigNode node, List<ColumnSpec> columns) {
    String name = identifier(node, "name", "rule name");
    ConfigNode typeNode = node.required("type", "not_null, range, allowed_values, regex or sql");
    String type = typeNode.string("a rule type");
    Optional<String> message =
        node.optionalString("message", "text shown in the quarantine reason");
    Rule rule =
        switch (type) {
          case "not_null" -> new Rule.NotNull(name, column(node, columns), message);
          case "range" -> {
            String column = column(node, columns);
            ColumnSpec spec =
                columns.stream().filter(c -> c.name().equals(column)).findFirst().orElseThrow();
            if (!spec.type().isNumeric()) {
              throw node.error(
                  "a range rule needs a numeric column; '" + column + "' is " + spec.type());
            }
            Optional<BigDecimal> min = node.optional("min").map(ProjectLoader::decimal);
            Optional<BigDecimal> max = node.optional("max").map(ProjectLoader::decimal);
            yield parse(node, () -> new Rule.Range(name, column, min, max, message));
          }
          case "allowed_values" -> {
            String column = column(node, columns);
            List<String> values =
                node.required("values", "the list of allowed values").stringList("values");
            yield parse(node, () -> new Rule.AllowedValues(name, column, values, message));
          }
          case "regex" -> {
            String column = column(node, columns);
            ConfigNode p = node.required("pattern", "a regular expression");
            String pattern = p.string("a regular expression");
            try {
              Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
              throw p.error("not a valid regular expression: " + e.getDescription());
            }
            yield new Rule.Regex(name, column, pattern, message);
          }
          case "sql" ->
              new Rule.Sql(
                  name, node.requiredString("expr", "a Spark SQL boolean expression"), message);
          default ->
              throw typeNode.error(
                  "unknown rule type '"
                      + type
                      + "'; expected not_null, range, allowed_values, regex or sql");
        };
    node.finish();
    return rule;
  }

  private static String column(ConfigNode node, List<ColumnSpec> columns) {
    ConfigNode c = node.required("column", "the column the rule checks");
    String name = c.string("a column name");
    if (columns.stream().noneMatch(s -> s.name().equals(name))) {
      throw c.error("unknown column '" + name + "'; expected one of " + sourceColumns(columns));
    }
    return name;
  }

  private static BigDecimal decimal(ConfigNode node) {
    String text = node.string("a number");
    try {
      return new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      throw node.error("expected a number, found '" + text + "'");
    }
  }

  private static StreamSpec readStream(ConfigNode node, String sourceName) {
    String landing = node.optionalString("landing", "a folder").orElse("landing/" + sourceName);
    int maxFiles =
        node.optional("max_files_per_trigger")
            .map(n -> n.integer("a positive whole number"))
            .orElse(1);
    if (maxFiles < 1) {
      throw node.error("max_files_per_trigger must be at least 1, found " + maxFiles);
    }
    Optional<KafkaSpec> kafka = node.optional("kafka").map(ProjectLoader::readKafka);
    node.finish();
    return new StreamSpec(landing, maxFiles, kafka);
  }

  private static KafkaSpec readKafka(ConfigNode node) {
    String servers = node.requiredString("bootstrap_servers", "host:port[,host:port]");
    String topic = node.requiredString("topic", "a Kafka topic name");
    String starting =
        node.optionalString("starting_offsets", "earliest or latest").orElse("earliest");
    if (!starting.equals("earliest") && !starting.equals("latest")) {
      throw node.required("starting_offsets", "")
          .error("expected earliest or latest, found '" + starting + "'");
    }
    long maxOffsets =
        node.optional("max_offsets_per_trigger")
            .map(n -> (long) n.integer("a whole number"))
            .orElse(10_000L);
    Map<String, String> options =
        new LinkedHashMap<>(
            node.optional("options")
                .map(n -> n.stringMap("a Kafka client setting"))
                .orElse(Map.of()));
    node.finish();
    return new KafkaSpec(servers, topic, starting, maxOffsets, options);
  }

  /** Runs a constructor or parser and turns its IllegalArgumentException into a located error. */
  private static <T> T parse(ConfigNode node, java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException | DateTimeException e) {
      throw node.error(e.getMessage());
    }
  }
}
