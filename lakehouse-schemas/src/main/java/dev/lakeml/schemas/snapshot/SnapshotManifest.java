package dev.lakeml.schemas.snapshot;

import dev.lakeml.schemas.sealed.SealedFile;
import dev.lakeml.schemas.yaml.ConfigException;
import dev.lakeml.schemas.yaml.ConfigNode;
import dev.lakeml.schemas.yaml.YamlFiles;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a snapshot holds, written as {@code manifest.yaml}. The manifest is the commit record of a
 * snapshot: it is written last, so a snapshot without one is incomplete; it carries the column
 * lists that the values are decoded with, and, for RocksDB, the size and SHA-256 of every file so a
 * server can refuse a damaged copy before serving from it.
 *
 * @param formatVersion the manifest format; this code reads {@value #FORMAT_VERSION}
 * @param version the snapshot version (1, 2, ...), also its folder or key namespace
 * @param project the lakeml project the features belong to
 * @param backend {@value #ROCKSDB} or {@value #REDIS}
 * @param files the files of a RocksDB snapshot (empty for Redis), paths relative to the snapshot
 *     folder
 */
public record SnapshotManifest(
    int formatVersion,
    long version,
    String project,
    Instant createdAt,
    String backend,
    List<ViewEntry> views,
    List<SealedFile> files) {

  /** The manifest format this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  public static final String ROCKSDB = "rocksdb";
  public static final String REDIS = "redis";

  public SnapshotManifest {
    if (formatVersion != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "manifest format_version "
              + formatVersion
              + " is not supported; this lakeml reads format_version "
              + FORMAT_VERSION);
    }
    if (version < 1) {
      throw new IllegalArgumentException("snapshot version must be 1 or more, got " + version);
    }
    RecordChecks.requireName(project, "project");
    Objects.requireNonNull(createdAt, "createdAt");
    if (!ROCKSDB.equals(backend) && !REDIS.equals(backend)) {
      throw new IllegalArgumentException(
          "backend '" + backend + "' is unknown; expected " + ROCKSDB + " or " + REDIS);
    }
    views = List.copyOf(views);
    files = List.copyOf(files);
    RecordChecks.requireUnique(views, ViewEntry::name, "view", "snapshot manifest");
    RecordChecks.requireUnique(views, ViewEntry::viewId, "view_id", "snapshot manifest");
    RecordChecks.requireUnique(files, SealedFile::path, "file", "snapshot manifest");
  }

  /** The view with this name. */
  public Optional<ViewEntry> view(String name) {
    for (ViewEntry v : views) {
      if (v.name().equals(name)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  /** The names of the views, in manifest order (for messages). */
  public List<String> viewNames() {
    return views.stream().map(ViewEntry::name).toList();
  }

  /** The total number of rows over all views. */
  public long totalRows() {
    long total = 0;
    for (ViewEntry v : views) {
      total = Math.addExact(total, v.rows());
    }
    return total;
  }

  public SnapshotManifest withFiles(List<SealedFile> files) {
    return new SnapshotManifest(formatVersion, version, project, createdAt, backend, views, files);
  }

  /**
   * One feature view in the snapshot.
   *
   * @param viewId the two-byte key prefix of the view's rows (see {@link KeyCodec})
   * @param ttlSeconds how old a row's event time may be before it is served as expired; 0 means no
   *     limit
   * @param definitionHash the hash of the view's declaration, so a server can tell that the
   *     features it serves are the ones a model was trained with
   * @param sourceDeltaVersion the Delta table version the rows were read from
   * @param rows the number of entities (keys) of this view in the snapshot
   * @param featuresAsOf the point in time the feature values describe
   */
  public record ViewEntry(
      String name,
      int viewId,
      String entity,
      List<KeyColumn> keys,
      List<FeatureColumn> features,
      long ttlSeconds,
      String definitionHash,
      String sourceTable,
      long sourceDeltaVersion,
      long rows,
      Instant featuresAsOf) {
    public ViewEntry {
      RecordChecks.requireName(name, "view");
      KeyCodec.requireViewId(viewId);
      RecordChecks.requireName(entity, "entity of view '" + name + "'");
      keys = List.copyOf(keys);
      features = List.copyOf(features);
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("view '" + name + "' needs at least one key column");
      }
      if (features.isEmpty()) {
        throw new IllegalArgumentException("view '" + name + "' needs at least one feature");
      }
      RecordChecks.requireUnique(keys, KeyColumn::name, "key column", "view '" + name + "'");
      RecordChecks.requireUnique(features, FeatureColumn::name, "feature", "view '" + name + "'");
      if (ttlSeconds < 0) {
        throw new IllegalArgumentException(
            "view '" + name + "': ttl_seconds must be 0 (no TTL) or more, got " + ttlSeconds);
      }
      RecordChecks.requireName(definitionHash, "definition hash of view '" + name + "'");
      RecordChecks.requireName(sourceTable, "source table of view '" + name + "'");
      if (sourceDeltaVersion < 0) {
        throw new IllegalArgumentException(
            "view '"
                + name
                + "': source_delta_version must be 0 or more, got "
                + sourceDeltaVersion);
      }
      if (rows < 0) {
        throw new IllegalArgumentException(
            "view '" + name + "': rows must be 0 or more, got " + rows);
      }
      Objects.requireNonNull(featuresAsOf, () -> "view '" + name + "' needs features_as_of");
    }
  }

  /** The manifest as YAML; {@link #fromYaml} reads it back to an equal manifest. */
  public String toYaml() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format_version", formatVersion);
    root.put("version", version);
    root.put("project", project);
    root.put("created_at", createdAt.toString());
    root.put("backend", backend);
    List<Object> viewList = new ArrayList<>();
    for (ViewEntry v : views) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.name());
      m.put("view_id", v.viewId());
      m.put("entity", v.entity());
      m.put("keys", v.keys().stream().map(k -> column(k.name(), k.type())).toList());
      m.put("features", v.features().stream().map(f -> column(f.name(), f.type())).toList());
      m.put("ttl_seconds", v.ttlSeconds());
      m.put("definition_hash", v.definitionHash());
      m.put("source_table", v.sourceTable());
      m.put("source_delta_version", v.sourceDeltaVersion());
      m.put("rows", v.rows());
      m.put("features_as_of", v.featuresAsOf().toString());
      viewList.add(m);
    }
    root.put("views", viewList);
    root.put("files", SealedFile.toYaml(files));
    return YamlFiles.write(
        "lakeml online snapshot manifest; written last, so a snapshot without it is incomplete",
        root);
  }

  private static Map<String, Object> column(String name, FeatureType type) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("type", type.yamlName());
    return m;
  }

  /**
   * Reads a manifest strictly: a missing key, an unknown key or a value of the wrong type is a
   * {@link SnapshotException} naming {@code origin}, the line and the key.
   *
   * @param origin where the text came from (a file path or a Redis key), for messages
   */
  public static SnapshotManifest fromYaml(String text, String origin) {
    try {
      return read(YamlFiles.parse(text, origin));
    } catch (ConfigException e) {
      throw new SnapshotException(e.getMessage(), e);
    }
  }

  private static SnapshotManifest read(ConfigNode root) {
    ConfigNode formatNode = root.required("format_version", "a whole number");
    long format = formatNode.longValue("a whole number");
    if (format != FORMAT_VERSION) {
      throw formatNode.error(
          "format_version "
              + format
              + " is not supported; this lakeml reads format_version "
              + FORMAT_VERSION
              + " (was the snapshot written by a newer lakeml?)");
    }
    long version = whole(root, "version");
    String project = root.requiredString("project", "text");
    Instant createdAt = root.required("created_at", "an ISO-8601 instant").instant();
    String backend = root.requiredString("backend", "text");
    List<ViewEntry> views = new ArrayList<>();
    for (ConfigNode v : root.required("views", "a list of feature views").list("feature views")) {
      views.add(view(v));
    }
    List<SealedFile> files = SealedFile.read(root);
    root.finish();
    return root.build(
        () ->
            new SnapshotManifest(
                FORMAT_VERSION, version, project, createdAt, backend, views, files));
  }

  private static ViewEntry view(ConfigNode v) {
    String name = v.requiredString("name", "text");
    ConfigNode idNode = v.required("view_id", "a whole number");
    long id = idNode.longValue("a whole number");
    if (id != (int) id) {
      throw idNode.error("expected a whole number that fits 32 bits, found " + id);
    }
    int viewId = (int) id;
    String entity = v.requiredString("entity", "text");
    List<KeyColumn> keys = new ArrayList<>();
    for (ConfigNode k : v.required("keys", "a list of key columns").list("key columns")) {
      String keyName = k.requiredString("name", "text");
      FeatureType type = type(k);
      k.finish();
      keys.add(k.build(() -> new KeyColumn(keyName, type)));
    }
    List<FeatureColumn> features = new ArrayList<>();
    for (ConfigNode f : v.required("features", "a list of feature columns").list("columns")) {
      String featureName = f.requiredString("name", "text");
      FeatureType type = type(f);
      f.finish();
      features.add(f.build(() -> new FeatureColumn(featureName, type)));
    }
    long ttl = whole(v, "ttl_seconds");
    String hash = v.requiredString("definition_hash", "text");
    String table = v.requiredString("source_table", "text");
    long deltaVersion = whole(v, "source_delta_version");
    long rows = whole(v, "rows");
    Instant asOf = v.required("features_as_of", "an ISO-8601 instant").instant();
    v.finish();
    return v.build(
        () ->
            new ViewEntry(
                name, viewId, entity, keys, features, ttl, hash, table, deltaVersion, rows, asOf));
  }

  private static long whole(ConfigNode n, String key) {
    return n.required(key, "a whole number").longValue("a whole number");
  }

  private static FeatureType type(ConfigNode column) {
    ConfigNode type = column.required("type", "a feature type");
    return type.build(() -> FeatureType.parse(type.string("a feature type")));
  }
}
