package dev.lakeml.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lakeml.schemas.project.LakehouseSpec.SchemaEvolution;
import dev.lakeml.schemas.tables.MonitoringTables;
import dev.lakeml.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating tables on a real Delta lakehouse when a step before was killed half-way. */
class LakehouseIT {
  @TempDir Path lake;

  @Test
  void aCreationKilledBeforeItsFirstCommitIsCreatedOnTheNextRun() throws Exception {
    Lakehouse lakehouse =
        new Lakehouse(SharedSpark.session(), lake.toString(), SchemaEvolution.NONE);
    // What a process killed inside CREATE TABLE leaves: the log folder, no commit in it.
    Path log = Files.createDirectories(lake.resolve("monitoring/skew/_delta_log"));
    Files.writeString(log.resolve(".00000000000000000000.json.tmp"), "{");
    assertThat(lakehouse.exists(MonitoringTables.SKEW)).isFalse();

    lakehouse.ensure(List.of(MonitoringTables.SKEW));

    assertThat(lakehouse.exists(MonitoringTables.SKEW)).isTrue();
    assertThat(log.resolve("00000000000000000000.json")).exists();
    assertThat(SharedSpark.session().sql("SELECT * FROM monitoring.skew").count()).isZero();
  }

  @Test
  void aTableWithACommitIsNeverCleared() throws Exception {
    Lakehouse lakehouse =
        new Lakehouse(SharedSpark.session(), lake.toString(), SchemaEvolution.NONE);
    lakehouse.ensure(List.of(MonitoringTables.SKEW));
    long version = lakehouse.currentVersion(MonitoringTables.SKEW);
    lakehouse.ensure(List.of(MonitoringTables.SKEW));
    assertThat(lakehouse.currentVersion(MonitoringTables.SKEW)).isEqualTo(version);
    assertThat(lake.resolve("monitoring/skew/_delta_log/00000000000000000000.json")).exists();
  }
}
