package dev.lakeml.features;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.tables.Layer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.LogicalRelation;

/**
 * Reads at pinned Delta versions, for training-set builds: which lakehouse tables a spine query
 * reads, and the query run with each of them held at the version the build pinned.
 */
final class PinnedTables {
  private final Lakehouse lakehouse;
  private final SparkSession spark;

  PinnedTables(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
    this.spark = lakehouse.spark();
  }

  /** Records {@code table}'s current Delta version and location in the plan maps. */
  void pin(
      String table, String location, Map<String, Long> versions, Map<String, String> locations) {
    versions.put(table, lakehouse.currentVersion(location));
    locations.put(table, location);
  }

  /** The table at the version the plan pinned. */
  Dataset<Row> read(String table, TrainingSetPlan plan) {
    Long version = plan.versions().get(table);
    if (version == null) {
      throw new LakehouseException("the manifest has no version for " + table);
    }
    return lakehouse.readAt(plan.locations().get(table), version);
  }

  /** The lakehouse tables a SQL query reads, with their locations. */
  Map<String, String> tablesRead(String sql) {
    return lakehouse.withCatalogHeld(() -> tablesReadNow(sql));
  }

  private Map<String, String> tablesReadNow(String sql) {
    LogicalPlan analyzed;
    try {
      analyzed = spark.sql(sql).queryExecution().analyzed();
    } catch (Exception e) {
      throw new LakehouseException("the spine query does not run: " + firstLine(e), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    collectTables(analyzed, out);
    return out;
  }

  private static void collectTables(LogicalPlan plan, Map<String, String> out) {
    if (plan instanceof LogicalRelation r && r.catalogTable().isDefined()) {
      CatalogTable t = r.catalogTable().get();
      String name = t.identifier().database().get() + "." + t.identifier().table();
      // As Hadoop writes a path (spaces as they are), not as a URI (%20): the location is read
      // back by Delta, stored relative to the root and compared with it.
      String location = new org.apache.hadoop.fs.Path(t.location()).toString();
      out.put(name, location.replaceFirst("^file:(?!//)", "file://"));
    }
    for (LogicalPlan child : scala.collection.JavaConverters.seqAsJavaList(plan.children())) {
      collectTables(child, out);
    }
    for (LogicalPlan sub : scala.collection.JavaConverters.seqAsJavaList(plan.subqueries())) {
      collectTables(sub, out);
    }
  }

  /**
   * Runs a spine query with each table it reads replaced, for this query only, by a view of the
   * pinned Delta version. The catalog entries are restored before returning; the query's plan keeps
   * the pinned snapshots. Other threads (steps of a pipeline run side by side) do not see the swap:
   * the catalog is held meanwhile.
   */
  Dataset<Row> runPinned(String sql, Map<String, Long> versions, Map<String, String> locations) {
    return lakehouse.withCatalogHeld(() -> runPinnedNow(sql, versions, locations));
  }

  private Dataset<Row> runPinnedNow(
      String sql, Map<String, Long> versions, Map<String, String> locations) {
    List<String> swapped = new ArrayList<>();
    try {
      for (Map.Entry<String, Long> e : versions.entrySet()) {
        String name = e.getKey();
        if (name.startsWith(Layer.FEATURES.database() + ".")) {
          continue; // feature tables are read by the join, not by the spine query
        }
        spark.sql("DROP TABLE IF EXISTS " + name);
        spark.sql(
            "CREATE VIEW "
                + name
                + " AS SELECT * FROM delta.`"
                + locations.get(name).replace("`", "``")
                + "` VERSION AS OF "
                + e.getValue());
        swapped.add(name);
      }
      try {
        return spark.sql(sql).localCheckpoint(true);
      } catch (Exception ex) {
        throw new LakehouseException("the spine query does not run: " + firstLine(ex), ex);
      }
    } finally {
      for (String name : swapped) {
        spark.sql("DROP VIEW IF EXISTS " + name);
        spark.sql(
            "CREATE TABLE "
                + name
                + " USING delta LOCATION '"
                + locations.get(name).replace("\\", "\\\\").replace("'", "\\'")
                + "'");
      }
    }
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
