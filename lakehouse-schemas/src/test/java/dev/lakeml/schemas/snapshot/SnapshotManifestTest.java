package dev.lakeml.schemas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotManifestTest {
  static final String SHA = "0123456789abcdef".repeat(4);

  static SnapshotManifest manifest() {
    return TestData.manifest(3, SnapshotManifest.ROCKSDB, TestData.rows(0))
        .withFiles(
            List.of(
                new dev.lakeml.schemas.sealed.SealedFile("db/000012.sst", 12_345, SHA),
                new dev.lakeml.schemas.sealed.SealedFile("db/CURRENT", 16, SHA)));
  }

  @Test
  void roundTripsThroughYaml() {
    SnapshotManifest m = manifest();
    String yaml = m.toYaml();
    assertThat(SnapshotManifest.fromYaml(yaml, "manifest.yaml")).isEqualTo(m);
    assertThat(yaml)
        .contains(
            "format_version: 1",
            "version: 3",
            "view_id: 1",
            "ttl_seconds: 2592000",
            "path: db/000012.sst");
    assertThat(m.view("product_stats")).map(SnapshotManifest.ViewEntry::viewId).contains(2);
    assertThat(m.view("nope")).isEmpty();
    assertThat(m.totalRows()).isEqualTo(9);
  }

  @Test
  void roundTripsTextThatLooksLikeOtherYamlTypes() {
    SnapshotManifest m = manifest();
    SnapshotManifest odd =
        new SnapshotManifest(
            1,
            1,
            "true",
            m.createdAt(),
            m.backend(),
            m.views(),
            List.of(new dev.lakeml.schemas.sealed.SealedFile("db/0012", 0, SHA)));
    assertThat(SnapshotManifest.fromYaml(odd.toYaml(), "odd.yaml")).isEqualTo(odd);
  }

  @Test
  void refusesAMissingKeyNamingFileAndKey() {
    String yaml = manifest().toYaml().replaceFirst("(?m)^ *ttl_seconds: .*\\n", "");
    assertThatThrownBy(
            () -> SnapshotManifest.fromYaml(yaml, "/srv/online/snapshots/v000003/manifest.yaml"))
        .isInstanceOf(SnapshotException.class)
        .hasMessageStartingWith("/srv/online/snapshots/v000003/manifest.yaml:")
        .hasMessageContaining("at 'views[0]'")
        .hasMessageContaining("missing required key 'ttl_seconds': a whole number");
  }

  @Test
  void refusesAValueOfTheWrongTypeNamingFileAndKey() {
    String yaml = manifest().toYaml().replaceFirst("rows: 2", "rows: two");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(yaml, "m.yaml"))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("m.yaml:")
        .hasMessageContaining("at 'views[1].rows': expected a whole number, found 'two'");
    String full = manifest().toYaml();
    String list = full.substring(0, full.indexOf("files:")) + "files: none\n";
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(list, "m.yaml"))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("at 'files'")
        .hasMessageContaining("found 'none'");
    String time = manifest().toYaml().replaceFirst("created_at: .*", "created_at: yesterday");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(time, "m.yaml"))
        .hasMessageContaining("at 'created_at': expected an ISO-8601 instant");
  }

  @Test
  void refusesUnknownKeys() {
    String yaml = manifest().toYaml().replaceFirst("(?m)^version: 3$", "version: 3\ncolour: blue");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(yaml, "m.yaml"))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("at 'colour': unknown key 'colour'; expected one of:")
        .hasMessageContaining("format_version, version, project");
  }

  @Test
  void refusesInvalidValuesNamingTheEntry() {
    String type = manifest().toYaml().replaceFirst("type: boolean", "type: decimal");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(type, "m.yaml"))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("at 'views[0].features[4].type'")
        .hasMessageContaining(
            "'decimal' is not a feature type; expected long, double, timestamp, string or boolean");
    String key = manifest().toYaml().replaceFirst("type: long", "type: double");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(key, "m.yaml"))
        .hasMessageContaining("at 'views[0].keys[0]'")
        .hasMessageContaining(
            "key column 'customer_id' has type double; key columns must be long or string");
    String sha = manifest().toYaml().replaceFirst("sha256: 0123", "sha256: XYZ");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(sha, "m.yaml"))
        .hasMessageContaining("at 'files[0]'")
        .hasMessageContaining("file 'db/000012.sst': sha256 must be 64 lower-case hex digits");
    String escape =
        manifest().toYaml().replaceFirst("path: db/000012.sst", "path: ../../etc/passwd");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(escape, "m.yaml"))
        .hasMessageContaining("file path '../../etc/passwd' must be relative to its folder");
    String format = manifest().toYaml().replaceFirst("format_version: 1", "format_version: 2");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(format, "m.yaml"))
        .hasMessageContaining(
            "format_version 2 is not supported; this lakeml reads format_version 1");
    String ids = manifest().toYaml().replaceFirst("view_id: 2", "view_id: 1");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml(ids, "m.yaml"))
        .hasMessageContaining("view_id '1' appears twice");
    assertThatThrownBy(() -> SnapshotManifest.fromYaml("version: [", "m.yaml"))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("m.yaml:")
        .hasMessageContaining("not valid YAML");
  }
}
