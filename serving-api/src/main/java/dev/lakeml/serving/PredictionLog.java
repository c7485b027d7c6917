package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prediction log: every score appended as one JSON line by a background writer.
 *
 * <p>Requests hand records to a bounded queue and never wait: a full queue drops the record and
 * counts it ({@code lakeml_prediction_log_dropped_total}). The writer appends to {@code
 * predictions-<time>-<seq>.jsonl.tmp}; when the file passes the rotation size (and on close) it is
 * flushed, closed and renamed atomically to {@code .jsonl}, so a loader reads only closed files.
 */
final class PredictionLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PredictionLog.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

  private final Path dir;
  private final long rotateBytes;
  private final BlockingQueue<Map<String, Object>> queue;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final ServingMetrics metrics;
  private final Thread writer;
  private final AtomicLong written = new AtomicLong();
  private volatile boolean stopping;
  private BufferedWriter out;
  private Path tmp;
  private long bytes;
  private long seq;

  PredictionLog(
      Path dir,
      long rotateBytes,
      int capacity,
      ObjectMapper mapper,
      Clock clock,
      ServingMetrics metrics) {
    this.dir = dir;
    this.rotateBytes = rotateBytes;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.mapper = mapper;
    this.clock = clock;
    this.metrics = metrics;
    metrics.gauge("lakeml_prediction_log_queue", "records waiting for the writer", queue::size);
    metrics.gauge("lakeml_prediction_log_written", "records written", written::get);
    this.writer = new Thread(this::run, "lakeml-prediction-log");
    writer.setDaemon(true);
    writer.start();
  }

  /** Queues a record; never blocks. */
  void offer(Map<String, Object> record) {
    if (stopping || !queue.offer(record)) {
      metrics.count(
          "lakeml_prediction_log_dropped_total", "prediction log records dropped (queue full)");
    }
  }

  long written() {
    return written.get();
  }

  private void run() {
    while (!stopping || !queue.isEmpty()) {
      try {
        Map<String, Object> r = queue.poll(200, TimeUnit.MILLISECONDS);
        if (r == null) {
          if (out != null) {
            out.flush();
          }
          continue;
        }
        write(r);
        Map<String, Object> more;
        while ((more = queue.poll()) != null) {
          write(more);
        }
        out.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | RuntimeException e) {
        metrics.count("lakeml_prediction_log_errors_total", "prediction log write failures");
        LOG.error("prediction log write failed in {}: {}", dir, e.toString());
        sleepQuietly();
      }
    }
    try {
      finish();
    } catch (IOException e) {
      LOG.error("cannot close the prediction log file {}: {}", tmp, e.toString());
    }
  }

  private void write(Map<String, Object> r) throws IOException {
    if (out == null) {
      Files.createDirectories(dir);
      tmp =
          dir.resolve(
              "predictions-"
                  + STAMP.format(clock.instant())
                  + "-"
                  + String.format("%06d", seq++)
                  + ".jsonl.tmp");
      out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
      bytes = 0;
    }
    String line = mapper.writeValueAsString(r) + "\n";
    out.write(line);
    bytes += line.length();
    written.incrementAndGet();
    if (bytes >= rotateBytes) {
      finish();
    }
  }

  /** Closes the open file and renames it to {@code .jsonl}. */
  private void finish() throws IOException {
    if (out == null) {
      return;
    }
    out.close();
    out = null;
    String name = tmp.getFileName().toString();
    Path done = tmp.resolveSibling(name.substring(0, name.length() - ".tmp".length()));
    Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
    tmp = null;
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes what is queued, closes the last file, and stops the writer. */
  @Override
  public void close() {
    stopping = true;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
