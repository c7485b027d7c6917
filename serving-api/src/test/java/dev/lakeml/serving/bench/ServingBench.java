package dev.lakeml.serving.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of {@code serving-api/bench/tail-latency.sh} and {@code soak.sh}: an independent
 * load generator in its own JVM, on the app jar's classpath.
 *
 * <ul>
 *   <li>{@code latency <port> <key> <requests-file> <connections> <pace-us> <seconds>}: each
 *       connection (HTTP/1.1 keep-alive, raw socket) sends pre-formatted requests with random keys
 *       on a fixed schedule, one every {@code pace-us}; a request's latency is measured from its
 *       scheduled time, so a stall is charged to every request it delays (no coordinated omission).
 *       Prints p50/p90/p99/p99.9/max and the count of answers other than 200.
 *   <li>{@code soak <port> <key> <requests-dir> <seconds> <server-pid> <gc-log> <online-root>
 *       <out-tsv>}: lookups, feature lookups and scores on three paced connections; two snapshot
 *       swaps (a copy published at one third and two thirds of the run); every 10 s the server's
 *       RSS (from /proc) and its heap after the last GC (from its GC log) are sampled. Prints p99
 *       and errors per minute and writes the series to {@code out-tsv}.
 * </ul>
 */
public final class ServingBench {
  private ServingBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 7 && args[0].equals("latency")) {
      latency(args);
    } else if (args.length == 4 && args[0].equals("jitter")) {
      jitter(args);
    } else if (args.length == 9 && args[0].equals("soak")) {
      soak(args);
    } else {
      System.err.println(
          "usage: ServingBench latency <port> <key> <requests-file> <connections> <pace-us>"
              + " <seconds>\n"
              + "       ServingBench soak <port> <key> <requests-dir> <seconds> <server-pid>"
              + " <gc-log> <online-root> <out-tsv>");
      System.exit(2);
    }
  }

  /** Pre-formatted requests (bytes on the wire) from a LoadTestTool request file. */
  static List<byte[]> requests(Path file, String key) throws IOException {
    List<byte[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] p = line.split("\t", 3);
      String body = p.length > 2 ? p[2] : "";
      StringBuilder b = new StringBuilder();
      b.append(p[0]).append(' ').append(p[1]).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      b.append("X-API-Key: ").append(key).append("\r\n");
      if (!body.isEmpty()) {
        b.append("Content-Type: application/json\r\n");
      }
      b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length);
      b.append("\r\n\r\n").append(body);
      out.add(b.toString().getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  /** One keep-alive connection: sends a request, reads one whole answer, returns its status. */
  static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Connection(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    int exchange(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.substring(9, 12));
      long length = 0;
      for (String h = line(); !h.isEmpty(); h = line()) {
        if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          length = Long.parseLong(h.substring(15).trim());
        }
      }
      in.skipNBytes(length);
      return code;
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("the server closed the connection");
        }
        if (c != '\r') {
          b.append((char) c);
        }
      }
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Latencies in microseconds, one recorder per connection. */
  static final class Recorder {
    long[] micros = new long[1 << 16];
    long[] atMillis = new long[1 << 16];
    int n;
    long errors;

    void add(long us) {
      add(us, 0);
    }

    void add(long us, long at) {
      if (n == micros.length) {
        micros = Arrays.copyOf(micros, n * 2);
        atMillis = Arrays.copyOf(atMillis, n * 2);
      }
      atMillis[n] = at;
      micros[n++] = us;
    }

    static long[] sorted(List<Recorder> all) {
      int total = all.stream().mapToInt(r -> r.n).sum();
      long[] out = new long[total];
      int i = 0;
      for (Recorder r : all) {
        System.arraycopy(r.micros, 0, out, i, r.n);
        i += r.n;
      }
      Arrays.sort(out);
      return out;
    }

    static double percentile(long[] sorted, double p) {
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
      return sorted[Math.max(0, i)] / 1000.0;
    }
  }

  private static void latency(String[] a) throws Exception {
    int port = Integer.parseInt(a[1]);
    List<byte[]> requests = requests(Path.of(a[3]), a[2]);
    int conns = Integer.parseInt(a[4]);
    // "1000": a fixed schedule (one request per 1000 us, latency from the scheduled time);
    // "gap:1000": each connection waits 1000 us after an answer (wrk's paced loop), latency from
    // the send.
    boolean gap = a[5].startsWith("gap:");
    long paceNanos = Long.parseLong(gap ? a[5].substring(4) : a[5]) * 1000;
    long seconds = Long.parseLong(a[6]);
    List<Recorder> recorders = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime() + 100_000_000L;
    long end = start + seconds * 1_000_000_000L;
    for (int c = 0; c < conns; c++) {
      Recorder r = new Recorder();
      recorders.add(r);
      long offset = paceNanos * c / conns; // connections interleave, not in lockstep
      Random random = new Random(c);
      Thread t =
          new Thread(
              () -> {
                try (Connection conn = new Connection(port)) {
                  long next = start + offset;
                  for (long i = 0; ; i++) {
                    long scheduled = gap ? next : start + offset + i * paceNanos;
                    if (scheduled >= end) {
                      break;
                    }
                    long wait = scheduled - System.nanoTime();
                    if (wait > 0) {
                      LockSupport.parkNanos(wait);
                    }
                    long sent = System.nanoTime();
                    int code = conn.exchange(requests.get(random.nextInt(requests.size())));
                    long done = System.nanoTime();
                    r.add(
                        (done - (gap ? sent : scheduled)) / 1000, (scheduled - start) / 1_000_000);
                    next = done + paceNanos;
                    if (code != 200) {
                      r.errors++;
                    }
                  }
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              },
              "bench-" + c);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long[] all = Recorder.sorted(recorders);
    long errors = recorders.stream().mapToLong(r -> r.errors).sum();
    if (System.getenv("LAKEML_BENCH_SLOW") != null) {
      // When the slow requests happen (ms since the start), to tell periodic stalls from noise.
      long threshold = all.length == 0 ? 0 : all[(int) (all.length * 0.99)];
      StringBuilder slow = new StringBuilder("slow (>= p99) at ms:");
      for (Recorder r : recorders) {
        for (int i = 0; i < r.n; i++) {
          if (r.micros[i] >= threshold) {
            slow.append(' ').append(r.atMillis[i]).append('/').append(r.micros[i] / 1000);
          }
        }
      }
      System.err.println(slow);
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT requests=%d rps=%.0f p50=%.3f p90=%.3f p99=%.3f p999=%.3f max=%.3f errors=%d%n",
        all.length,
        all.length / (double) seconds,
        Recorder.percentile(all, 0.50),
        Recorder.percentile(all, 0.90),
        Recorder.percentile(all, 0.99),
        Recorder.percentile(all, 0.999),
        all.length == 0 ? Double.NaN : all[all.length - 1] / 1000.0,
        errors);
  }

  /**
   * The machine's own floor: the same schedule as {@code latency} with no request, so the "latency"
   * is only how late a parked thread wakes (timer slack, scheduling, the hypervisor).
   */
  private static void jitter(String[] a) throws Exception {
    int threads = Integer.parseInt(a[1]);
    long paceNanos = Long.parseLong(a[2]) * 1000;
    long seconds = Long.parseLong(a[3]);
    List<Recorder> recorders = new ArrayList<>();
    List<Thread> all = new ArrayList<>();
    long start = System.nanoTime() + 100_000_000L;
    long end = start + seconds * 1_000_000_000L;
    for (int c = 0; c < threads; c++) {
      Recorder r = new Recorder();
      recorders.add(r);
      long offset = paceNanos * c / threads;
      Thread t =
          new Thread(
              () -> {
                for (long i = 0; ; i++) {
                  long scheduled = start + offset + i * paceNanos;
                  if (scheduled >= end) {
                    break;
                  }
                  long wait = scheduled - System.nanoTime();
                  if (wait > 0) {
                    LockSupport.parkNanos(wait);
                  }
                  r.add((System.nanoTime() - scheduled) / 1000);
                }
              });
      all.add(t);
      t.start();
    }
    for (Thread t : all) {
      t.join();
    }
    long[] sorted = Recorder.sorted(recorders);
    System.out.printf(
        Locale.ROOT,
        "RESULT wakeups=%d p50=%.3f p90=%.3f p99=%.3f p999=%.3f max=%.3f%n",
        sorted.length,
        Recorder.percentile(sorted, 0.50),
        Recorder.percentile(sorted, 0.90),
        Recorder.percentile(sorted, 0.99),
        Recorder.percentile(sorted, 0.999),
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1000.0);
  }

  private static final Pattern GC_LINE =
      Pattern.compile("\\[([0-9.]+)s\\].*GC\\(\\d+\\) Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\)");

  private static void soak(String[] a) throws Exception {
    int port = Integer.parseInt(a[1]);
    String key = a[2];
    Path dir = Path.of(a[3]);
    long seconds = Long.parseLong(a[4]);
    long pid = Long.parseLong(a[5]);
    Path gcLog = Path.of(a[6]);
    Path online = Path.of(a[7]);
    Path out = Path.of(a[8]);
    List<List<byte[]>> mixes =
        List.of(
            requests(dir.resolve("prediction.txt"), key),
            requests(dir.resolve("features.txt"), key),
            concat(
                requests(dir.resolve("score-churn.txt"), key),
                requests(dir.resolve("score-cancel.txt"), key)));
    int minutes = (int) Math.ceil(seconds / 60.0);
    List<List<Recorder>> perMinute = new ArrayList<>();
    for (int m = 0; m < minutes; m++) {
      List<Recorder> rs = new ArrayList<>();
      for (int c = 0; c < mixes.size(); c++) {
        rs.add(new Recorder());
      }
      perMinute.add(rs);
    }
    long paceNanos = 2_000_000L; // 500 requests/s per connection, 1,500/s in all
    long start = System.nanoTime() + 100_000_000L;
    long end = start + seconds * 1_000_000_000L;
    AtomicLong failures = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < mixes.size(); c++) {
      int conn = c;
      List<byte[]> requests = mixes.get(c);
      Random random = new Random(c);
      Thread t =
          new Thread(
              () -> {
                Connection connection = null;
                try {
                  for (long i = 0; ; i++) {
                    long scheduled = start + paceNanos * conn / mixes.size() + i * paceNanos;
                    if (scheduled >= end) {
                      break;
                    }
                    long wait = scheduled - System.nanoTime();
                    if (wait > 0) {
                      LockSupport.parkNanos(wait);
                    }
                    int minute = (int) ((scheduled - start) / 60_000_000_000L);
                    Recorder r = perMinute.get(minute).get(conn);
                    try {
                      if (connection == null) {
                        connection = new Connection(port);
                      }
                      int code = connection.exchange(requests.get(random.nextInt(requests.size())));
                      r.add((System.nanoTime() - scheduled) / 1000);
                      if (code != 200) {
                        r.errors++;
                      }
                    } catch (IOException e) {
                      r.errors++;
                      failures.incrementAndGet();
                      connection = null;
                    }
                  }
                } finally {
                  if (connection != null) {
                    try {
                      connection.close();
                    } catch (IOException ignored) {
                      // closing
                    }
                  }
                }
              },
              "soak-" + c);
      threads.add(t);
      t.start();
    }
    List<String> samples = new ArrayList<>();
    samples.add("seconds\trss_mib\theap_after_gc_mib\theap_committed_mib\tevent");
    boolean[] swapped = new boolean[2];
    for (long next = start; next < end; next += 10_000_000_000L) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000);
      }
      double at = (System.nanoTime() - start) / 1e9;
      String event = "";
      for (int s = 0; s < 2; s++) {
        if (!swapped[s] && at >= seconds * (s + 1) / 3.0) {
          swapped[s] = true;
          event = "swap to v" + LoadTestTool.publishCopy(online);
        }
      }
      double[] heap = lastHeapAfterGc(gcLog);
      samples.add(
          String.format(
              Locale.ROOT, "%.0f\t%.1f\t%.1f\t%.1f\t%s", at, rssMib(pid), heap[0], heap[1], event));
      System.err.println("soak: " + samples.get(samples.size() - 1).replace('\t', ' '));
    }
    for (Thread t : threads) {
      t.join();
    }
    Files.write(out, samples, StandardCharsets.UTF_8);
    System.out.println("minute\trequests\terrors\tp50_ms\tp99_ms\tmax_ms");
    long total = 0;
    long errors = 0;
    for (int m = 0; m < minutes; m++) {
      long[] all = Recorder.sorted(perMinute.get(m));
      long e = perMinute.get(m).stream().mapToLong(r -> r.errors).sum();
      total += all.length;
      errors += e;
      System.out.printf(
          Locale.ROOT,
          "%d\t%d\t%d\t%.3f\t%.3f\t%.3f%n",
          m + 1,
          all.length,
          e,
          Recorder.percentile(all, 0.5),
          Recorder.percentile(all, 0.99),
          all.length == 0 ? Double.NaN : all[all.length - 1] / 1000.0);
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT requests=%d errors=%d socket_failures=%d%n",
        total,
        errors,
        failures.get());
  }

  private static List<byte[]> concat(List<byte[]> a, List<byte[]> b) {
    List<byte[]> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static double rssMib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }

  /** The heap after the newest GC pause in the server's {@code -Xlog:gc} file, and committed. */
  private static double[] lastHeapAfterGc(Path gcLog) throws IOException {
    double[] out = {Double.NaN, Double.NaN};
    for (String line : Files.readAllLines(gcLog)) {
      Matcher m = GC_LINE.matcher(line);
      if (m.find()) {
        out[0] = Double.parseDouble(m.group(3));
        out[1] = Double.parseDouble(m.group(4));
      }
    }
    return out;
  }
}
