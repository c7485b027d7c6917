package dev.lakeml.schemas.snapshot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

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
    List<FileEntry> files) {

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
    Names.requireName(project, "project");
    Objects.requireNonNull(createdAt, "createdAt");
    if (!ROCKSDB.equals(backend) && !REDIS.equals(backend)) {
      throw new IllegalArgumentException(
          "backend '" + backend + "' is unknown; expected " + ROCKSDB + " or " + REDIS);
    }
    views = List.copyOf(views);
    files = List.copyOf(files);
    Names.requireUnique(views, ViewEntry::name, "view", "snapshot manifest");
    Names.requireUnique(views, ViewEntry::viewId, "view_id", "snapshot manifest");
    Names.requireUnique(files, FileEntry::path, "file", "snapshot manifest");
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

  public SnapshotManifest withFiles(List<FileEntry> files) {
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
      Names.requireName(name, "view");
      KeyCodec.requireViewId(viewId);
      Names.requireName(entity, "entity of view '" + name + "'");
      keys = List.copyOf(keys);
      features = List.copyOf(features);
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("view '" + name + "' needs at least one key column");
      }
      if (features.isEmpty()) {
        throw new IllegalArgumentException("view '" + name + "' needs at least one feature");
      }
      Names.requireUnique(keys, KeyColumn::name, "key column", "view '" + name + "'");
      Names.requireUnique(features, FeatureColumn::name, "feature", "view '" + name + "'");
      if (ttlSeconds < 0) {
        throw new IllegalArgumentException(
            "view '" + name + "': ttl_seconds must be 0 (no TTL) or more, got " + ttlSeconds);
      }
      Names.requireName(definitionHash, "definition hash of view '" + name + "'");
      Names.requireName(sourceTable, "source table of view '" + name + "'");
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

  /**
   * One file of a RocksDB snapshot.
   *
   * @param path relative to the snapshot folder, with '/' separators, e.g. {@code db/000012.sst}
   * @param sha256 64 lower-case hex digits
   */
  public record FileEntry(String path, long bytes, String sha256) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public FileEntry {
      Names.requireName(path, "file");
      if (path.startsWith("/")
          || path.contains("\\")
          || path.contains("//")
          || List.of(path.split("/")).stream().anyMatch(p -> p.equals("..") || p.equals("."))) {
        throw new IllegalArgumentException(
            "file path '"
                + path
                + "' must be relative to the snapshot folder, with '/' separators and no '.' or"
                + " '..' parts");
      }
      if (bytes < 0) {
        throw new IllegalArgumentException("file '" + path + "': bytes must be 0 or more");
      }
      if (sha256 == null || !SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException(
            "file '" + path + "': sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
      }
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
    List<Object> fileList = new ArrayList<>();
    for (FileEntry f : files) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", f.path());
      m.put("bytes", f.bytes());
      m.put("sha256", f.sha256());
      fileList.add(m);
    }
    root.put("files", fileList);
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setSplitLines(false);
    return "# lakeml online snapshot manifest; written last, so a snapshot without it is incomplete\n"
        + new Yaml(options).dump(root);
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
    StrictYaml root = StrictYaml.parse(text, origin);
    int format = root.intValue("format_version");
    if (format != FORMAT_VERSION) {
      throw root.required("format_version", "")
          .error(
              "format_version "
                  + format
                  + " is not supported; this lakeml reads format_version "
                  + FORMAT_VERSION
                  + " (was the snapshot written by a newer lakeml?)");
    }
    long version = root.longValue("version");
    String project = root.string("project");
    Instant createdAt = root.instant("created_at");
    String backend = root.string("backend");
    List<ViewEntry> views = new ArrayList<>();
    for (StrictYaml v : root.list("views", "feature views")) {
      views.add(view(v));
    }
    List<FileEntry> files = new ArrayList<>();
    for (StrictYaml f : root.list("files", "files")) {
      String path = f.string("path");
      long bytes = f.longValue("bytes");
      String sha = f.string("sha256");
      f.finish();
      files.add(f.build(() -> new FileEntry(path, bytes, sha)));
    }
    root.finish();
    return root.build(
        () -> new SnapshotManifest(format, version, project, createdAt, backend, views, files));
  }

  private static ViewEntry view(StrictYaml v) {
    String name = v.string("name");
    int viewId = v.intValue("view_id");
    String entity = v.string("entity");
    List<KeyColumn> keys = new ArrayList<>();
    for (StrictYaml k : v.list("keys", "key columns")) {
      String keyName = k.string("name");
      FeatureType type = type(k);
      k.finish();
      keys.add(k.build(() -> new KeyColumn(keyName, type)));
    }
    List<FeatureColumn> features = new ArrayList<>();
    for (StrictYaml f : v.list("features", "feature columns")) {
      String featureName = f.string("name");
      FeatureType type = type(f);
      f.finish();
      features.add(f.build(() -> new FeatureColumn(featureName, type)));
    }
    long ttl = v.longValue("ttl_seconds");
    String hash = v.string("definition_hash");
    String table = v.string("source_table");
    long deltaVersion = v.longValue("source_delta_version");
    long rows = v.longValue("rows");
    Instant asOf = v.instant("features_as_of");
    v.finish();
    return v.build(
        () ->
            new ViewEntry(
                name, viewId, entity, keys, features, ttl, hash, table, deltaVersion, rows, asOf));
  }

  private static FeatureType type(StrictYaml column) {
    String text = column.string("type");
    try {
      return FeatureType.parse(text);
    } catch (IllegalArgumentException e) {
      throw column.required("type", "").error(e.getMessage());
    }
  }
}
