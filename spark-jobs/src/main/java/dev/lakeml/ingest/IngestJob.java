package dev.lakeml.ingest;

import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_DATE;
import static dev.lakeml.schemas.tables.IngestTables.LOGICAL_MONTH;

import dev.lakeml.ingest.RawFiles.Listing;
import dev.lakeml.ingest.RawFiles.RawFile;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.schemas.project.Project;
import dev.lakeml.schemas.project.SourceSpec;
import dev.lakeml.schemas.tables.IngestTables;
import dev.lakeml.schemas.tables.TableContract;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Batch ingestion of one source for a logical date or a range of dates (backfill): raw files to
 * {@code bronze}, {@code silver} and {@code quarantine}, each written with {@code replaceWhere} on
 * the dates, so that a rerun replaces its own output and never duplicates it. The counts are
 * checked against what the tables hold afterwards and recorded in {@code ops.ingest_runs}.
 */
public final class IngestJob {
  private final Project project;
  private final Lakehouse lakehouse;
  private final Clock clock;
  private final Consumer<String> log;

  public IngestJob(Project project, Lakehouse lakehouse, Clock clock, Consumer<String> log) {
    this.project = project;
    this.lakehouse = lakehouse;
    this.clock = clock;
    this.log = log;
  }

  /** What a batch run did. */
  public record Result(IngestRun run, List<LocalDate> missingDates) {}

  public Result run(SourceSpec source, LocalDate from, LocalDate to) {
    if (to.isBefore(from)) {
      throw new LakehouseException(
          "The date range is empty: --to " + to + " is before --from " + from + ".");
    }
    Instant started = clock.instant();
    String runId = "batch-" + UUID.randomUUID();
    Validation.checkExpressions(lakehouse.spark(), source);

    RawFiles rawFiles = new RawFiles(lakehouse.spark().sparkContext().hadoopConfiguration());
    Listing listing = rawFiles.list(project, source, from, to);
    if (from.equals(to) && listing.files().isEmpty()) {
      throw IngestErrors.missingFile(source, from, RawFiles.expectedPath(project, source, from));
    }
    if (listing.files().isEmpty()) {
      throw IngestErrors.noFiles(source, from, to, RawFiles.expectedPath(project, source, from));
    }
    long lap = System.nanoTime();
    for (RawFile f : listing.files()) {
      rawFiles.checkCsvHeader(source, f.path());
    }
    lap = lap("files listed and headers checked", lap);
    log.accept(
        "ingest "
            + source.name()
            + " "
            + from
            + (from.equals(to) ? "" : ".." + to)
            + ": "
            + listing.files().size()
            + " file(s)"
            + (listing.missing().isEmpty()
                ? ""
                : ", no file for " + listing.missing().size() + " date(s)"));

    TableContract bronze = IngestTables.bronze(source);
    TableContract silver = IngestTables.silver(source);
    TableContract quarantine = IngestTables.quarantine(source);
    lakehouse.ensure(List.of(bronze, silver, quarantine, IngestTables.INGEST_RUNS));
    lap = lap("tables checked against their contracts", lap);

    String range =
        // The month bounds let Delta prune partitions; the date bounds say what is replaced.
        LOGICAL_MONTH
            + " >= DATE'"
            + from.withDayOfMonth(1)
            + "' AND "
            + LOGICAL_MONTH
            + " <= DATE'"
            + to.withDayOfMonth(1)
            + "' AND "
            + LOGICAL_DATE
            + " >= DATE'"
            + from
            + "' AND "
            + LOGICAL_DATE
            + " <= DATE'"
            + to
            + "'";
    List<String> files = listing.files().stream().map(RawFile::path).toList();
    IngestRunLog runLog = new IngestRunLog(lakehouse);
    try {
      Dataset<Row> records = RawReader.read(lakehouse.spark(), source, listing.files());
      Dataset<Row> classified =
          IngestTransforms.withRunMetadata(
              Validation.classify(records, source), runId, Timestamp.from(started));
      Dataset<Row> existingKeys = lakehouse.read(silver).where("NOT (" + range + ")");
      Dataset<Row> decided =
          IngestTransforms.byLogicalMonth(
              IngestTransforms.decideOutcome(classified, source, existingKeys));

      List<String> rules = Validation.ruleNames(source);
      IngestCounts counts;
      Dataset<Row> outcome;
      try {
        // Materialized once, without lineage: the plan reads silver (existing keys), and writing
        // silver would otherwise invalidate a cache and make the next write recompute everything.
        outcome = decided.localCheckpoint(true);
        counts = IngestTransforms.counts(outcome, rules);
      } catch (Exception e) {
        // Spark's error rarely names the file: find the one that cannot be read to the end.
        throw IngestErrors.readFailed(source, rawFiles.firstUnreadable(files).orElse(null), e);
      }
      if (!counts.reconciles()) {
        throw IngestErrors.countsDoNotReconcile(source, counts.toString());
      }
      lap = lap("read, validated and deduplicated " + counts.read() + " records", lap);

      write(IngestTransforms.bronzeRows(outcome, source), bronze, range);
      lap = lap("bronze written", lap);
      write(IngestTransforms.silverRows(outcome, source), silver, range);
      lap = lap("silver written", lap);
      write(IngestTransforms.quarantineRows(outcome, source), quarantine, range);
      lap = lap("quarantine written", lap);
      reconcileWithTables(source, counts, range, bronze, silver, quarantine);
      lap("tables reconciled", lap);

      IngestRun run =
          runRecord(
              runId,
              source,
              from,
              to,
              started,
              IngestRun.SUCCEEDED,
              files,
              counts,
              Optional.empty());
      runLog.append(run, Optional.empty());
      return new Result(run, listing.missing());
    } catch (Exception e) {
      IngestRun failed =
          runRecord(
              runId,
              source,
              from,
              to,
              started,
              IngestRun.FAILED,
              files,
              IngestCounts.NONE,
              Optional.of(String.valueOf(e.getMessage())));
      try {
        runLog.append(failed, Optional.empty());
      } catch (Exception logFailure) {
        e.addSuppressed(logFailure);
      }
      throw e;
    }
    // The checkpointed blocks are released by Spark's context cleaner once unreferenced.
  }

  private IngestRun runRecord(
      String runId,
      SourceSpec source,
      LocalDate from,
      LocalDate to,
      Instant started,
      String status,
      List<String> files,
      IngestCounts counts,
      Optional<String> message) {
    return new IngestRun(
        runId,
        source.name(),
        "batch",
        Optional.of(from),
        Optional.of(to),
        Optional.empty(),
        started,
        clock.instant(),
        status,
        files,
        counts,
        message);
  }

  /** Reports how long a step took; returns the new start. */
  private long lap(String step, long since) {
    long now = System.nanoTime();
    log.accept(String.format("  %-45s %6.2f s", step, (now - since) / 1e9));
    return now;
  }

  private void write(Dataset<Row> rows, TableContract table, String range) {
    rows.write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", range)
        .save(lakehouse.location(table));
  }

  /** The tables must now hold exactly what the counts say for these dates. */
  private void reconcileWithTables(
      SourceSpec source,
      IngestCounts counts,
      String range,
      TableContract bronze,
      TableContract silver,
      TableContract quarantine) {
    long inBronze = lakehouse.read(bronze).where(range).count();
    long inSilver = lakehouse.read(silver).where(range).count();
    long inQuarantine = lakehouse.read(quarantine).where(range).count();
    List<String> problems = new ArrayList<>();
    if (inBronze != counts.read()) {
      problems.add(
          "bronze holds " + inBronze + " rows for these dates, " + counts.read() + " were read");
    }
    if (inSilver != counts.accepted()) {
      problems.add("silver holds " + inSilver + " rows, " + counts.accepted() + " were accepted");
    }
    if (inQuarantine != counts.quarantined()) {
      problems.add(
          "quarantine holds "
              + inQuarantine
              + " rows, "
              + counts.quarantined()
              + " were quarantined");
    }
    if (!problems.isEmpty()) {
      throw IngestErrors.countsDoNotReconcile(source, String.join("; ", problems));
    }
  }
}
