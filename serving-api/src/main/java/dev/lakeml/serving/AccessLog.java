package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The access log: one JSON object per request on its own line (time, method, path, route, status,
 * latency, request id, the API key's name). The key itself is never written.
 *
 * <p>Lines are written by a background thread in batches: a request only formats its line and
 * queues it, so it never waits for the output stream (a synchronous {@code println} on stdout, one
 * write system call per request under the stream's lock, was the longest step of a lookup). No line
 * is dropped: when the queue is full the request writes its line itself.
 */
final class AccessLog implements AutoCloseable {
  private static final int QUEUE = 16_384;
  private static final int BATCH = 1024;

  private final PrintStream out;
  private final ObjectMapper json;
  private final Clock clock;
  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final Thread writer;
  private volatile boolean closed;

  AccessLog(PrintStream out, ObjectMapper json, Clock clock) {
    this.out = out;
    this.json = json;
    this.clock = clock;
    this.writer = new Thread(this::writeLoop, "lakeml-access-log");
    writer.setDaemon(true);
    writer.start();
  }

  void log(
      String method,
      String path,
      String route,
      int status,
      double latencyMs,
      String requestId,
      String keyName) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", clock.instant().toString());
    line.put("log", "access");
    line.put("method", method);
    line.put("path", path);
    line.put("route", route);
    line.put("status", status);
    line.put("latency_ms", Math.round(latencyMs * 1000) / 1000.0);
    line.put("request_id", requestId);
    line.put("key_name", keyName);
    String text;
    try {
      text = json.writeValueAsString(line);
    } catch (Exception e) {
      return; // an access log line must never fail a request
    }
    if (!closed && queue.offer(text)) {
      queued.incrementAndGet();
    } else {
      out.println(text); // full (or closing): written here rather than lost
    }
  }

  private void writeLoop() {
    List<String> batch = new ArrayList<>(BATCH);
    StringBuilder text = new StringBuilder(64 * 1024);
    while (!closed || !queue.isEmpty()) {
      try {
        String first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
      } catch (InterruptedException e) {
        queue.drainTo(batch);
      }
      for (String line : batch) {
        text.append(line).append('\n');
      }
      out.print(text);
      out.flush();
      written.addAndGet(batch.size());
      batch.clear();
      text.setLength(0);
    }
  }

  /** Waits (at most 5 s) until every queued line is written. */
  void flush() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (written.get() < queued.get() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Writes what is queued and stops the writer. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.flush();
  }
}
