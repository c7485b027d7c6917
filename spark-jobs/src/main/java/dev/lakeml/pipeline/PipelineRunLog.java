package dev.lakeml.pipeline;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.LakehouseException;
import dev.lakeml.lakehouse.TableRow;
import dev.lakeml.schemas.tables.PipelineTables;
import dev.lakeml.schemas.tables.PipelineTables.State;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/**
 * {@code ops.pipeline_runs}: one row per ended attempt of a step of a pipeline for a logical date
 * (SUCCEEDED, FAILED or SKIPPED), the only reader and writer of its rows; one Delta append per
 * attempt.
 *
 * <p>An attempt in progress is a small marker file under {@code
 * <lakehouse>/ops/_pipeline_attempts/<pipeline>/<date>/<step>/<attempt>}, written when it starts
 * and removed when its row is appended. A process killed during a step leaves its marker behind:
 * {@link #history} reports it as RUNNING with no end, and the next run records it as FAILED before
 * it runs the step again.
 */
public final class PipelineRunLog implements PipelineRunner.RunLog {
  /** Longest error kept in a row. */
  static final int ERROR_LIMIT = 4000;

  /** One attempt. {@code finished} and {@code error} may be null; RUNNING comes from a marker. */
  public record Attempt(
      String pipeline,
      LocalDate date,
      String step,
      int attempt,
      State state,
      String runId,
      String command,
      Instant started,
      Instant finished,
      String error,
      String trigger) {

    Attempt ended(State end, Instant at, String why) {
      return new Attempt(
          pipeline, date, step, attempt, end, runId, command, started, at, why, trigger);
    }
  }

  private final Lakehouse lakehouse;
  private boolean ensured;

  public PipelineRunLog(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** Every attempt of the pipeline: the recorded ones, then those still in progress (markers). */
  @Override
  public List<Attempt> history(String pipeline) {
    List<Attempt> out = new ArrayList<>();
    if (lakehouse.exists(PipelineTables.PIPELINE_RUNS)) {
      for (Row r :
          lakehouse
              .read(PipelineTables.PIPELINE_RUNS)
              .where(col("pipeline").equalTo(pipeline))
              .orderBy("logical_date", "step", "attempt")
              .collectAsList()) {
        out.add(
            new Attempt(
                r.getAs("pipeline"),
                r.<Date>getAs("logical_date").toLocalDate(),
                r.getAs("step"),
                r.<Integer>getAs("attempt"),
                State.valueOf(r.getAs("state")),
                r.getAs("run_id"),
                r.getAs("command"),
                r.<Timestamp>getAs("started_at").toInstant(),
                r.<Timestamp>getAs("finished_at").toInstant(),
                r.getAs("error"),
                r.getAs("trigger")));
      }
    }
    out.addAll(inProgress(pipeline));
    return out;
  }

  /** Marks an attempt as started (a marker file; no Delta commit). */
  @Override
  public synchronized void started(Attempt a) {
    Properties p = new Properties();
    p.setProperty("run_id", a.runId());
    p.setProperty("command", a.command());
    p.setProperty("started_at", a.started().toString());
    if (a.trigger() != null) {
      p.setProperty("trigger", a.trigger());
    }
    StringWriter text = new StringWriter();
    try {
      p.store(text, "lakeml: an attempt in progress; see ops.pipeline_runs");
      Path marker = marker(a);
      try (OutputStream out = fs(marker).create(marker, true)) {
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new LakehouseException("could not mark the start of " + describe(a) + ": " + e, e);
    }
  }

  /** Records how an attempt ended (one Delta append) and removes its marker, if it has one. */
  @Override
  public synchronized void ended(Attempt a) {
    if (!ensured) {
      lakehouse.ensure(List.of(PipelineTables.PIPELINE_RUNS));
      ensured = true;
    }
    lakehouse.append(
        PipelineTables.PIPELINE_RUNS,
        List.of(
            TableRow.of(PipelineTables.PIPELINE_RUNS)
                .set("pipeline", a.pipeline())
                .set("logical_date", Date.valueOf(a.date()))
                .set("step", a.step())
                .set("attempt", a.attempt())
                .set("state", a.state().name())
                .set("run_id", a.runId())
                .set("command", a.command())
                .set("started_at", Timestamp.from(a.started()))
                .set("finished_at", Timestamp.from(a.finished()))
                .set("error", cut(a.error()))
                .set("trigger", a.trigger())
                .build()));
    Path marker = marker(a);
    try {
      fs(marker).delete(marker, false);
    } catch (IOException e) {
      throw new LakehouseException("could not remove the marker " + marker + ": " + e, e);
    }
  }

  private List<Attempt> inProgress(String pipeline) {
    Path dir = new Path(lakehouse.root() + "/ops/_pipeline_attempts/" + pipeline);
    List<Attempt> out = new ArrayList<>();
    try {
      FileSystem fs = fs(dir);
      if (!fs.exists(dir)) {
        return out;
      }
      for (FileStatus date : fs.listStatus(dir)) {
        for (FileStatus step : fs.listStatus(date.getPath())) {
          for (FileStatus attempt : fs.listStatus(step.getPath())) {
            Properties p = new Properties();
            try (InputStream in = fs.open(attempt.getPath())) {
              p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
            out.add(
                new Attempt(
                    pipeline,
                    LocalDate.parse(date.getPath().getName()),
                    step.getPath().getName(),
                    Integer.parseInt(attempt.getPath().getName()),
                    State.RUNNING,
                    p.getProperty("run_id"),
                    p.getProperty("command"),
                    Instant.parse(p.getProperty("started_at")),
                    null,
                    null,
                    p.getProperty("trigger")));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new LakehouseException(
          "could not read the attempts in progress under " + dir + ": " + e, e);
    }
    return out;
  }

  private Path marker(Attempt a) {
    return new Path(
        lakehouse.root()
            + "/ops/_pipeline_attempts/"
            + a.pipeline()
            + "/"
            + a.date()
            + "/"
            + a.step()
            + "/"
            + a.attempt());
  }

  private FileSystem fs(Path p) throws IOException {
    return p.getFileSystem(lakehouse.spark().sparkContext().hadoopConfiguration());
  }

  private static String describe(Attempt a) {
    return a.pipeline() + " " + a.date() + " " + a.step() + " attempt " + a.attempt();
  }

  private static String cut(String error) {
    return error == null || error.length() <= ERROR_LIMIT ? error : error.substring(0, ERROR_LIMIT);
  }
}
