package dev.lakeml.online.bench;

import dev.lakeml.online.RocksDbOnlineStore;
import dev.lakeml.online.RocksDbSnapshotStore;
import dev.lakeml.schemas.snapshot.FeatureColumn;
import dev.lakeml.schemas.snapshot.FeatureRowCodec;
import dev.lakeml.schemas.snapshot.FeatureType;
import dev.lakeml.schemas.snapshot.FeatureVector;
import dev.lakeml.schemas.snapshot.KeyCodec;
import dev.lakeml.schemas.snapshot.KeyColumn;
import dev.lakeml.schemas.snapshot.SnapshotManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * Single-threaded read latency of the RocksDB online store: builds a three-view snapshot the way
 * the publish job does ({@code writeSst} per range partition, then {@code commit}), opens it, warms
 * up, then times random {@code getAll} calls over the three views. Not a test: run it with {@code
 * serving-api/online-store/bench/online-read-benchmark.sh}.
 *
 * <p>Arguments (all optional): {@code --customers N --products N --pairs N --requests N --warmup N
 * --partitions N --block-cache-mb N --dir PATH} (the snapshot root; a temp folder, deleted
 * afterwards, by default).
 */
public final class OnlineReadBenchmark {
  private static final Instant NOW = Instant.parse("2024-06-01T12:00:00Z");

  private OnlineReadBenchmark() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> opts = parse(args);
    long customers = Long.parseLong(opts.getOrDefault("customers", "1000000"));
    long products = Long.parseLong(opts.getOrDefault("products", "200000"));
    long pairs = Long.parseLong(opts.getOrDefault("pairs", "1000000"));
    int requests = Integer.parseInt(opts.getOrDefault("requests", "200000"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "200000"));
    int partitions = Integer.parseInt(opts.getOrDefault("partitions", "4"));
    long cacheBytes = Long.parseLong(opts.getOrDefault("block-cache-mb", "256")) << 20;
    boolean temporary = !opts.containsKey("dir");
    Path root = temporary ? Files.createTempDirectory("online-bench-") : Path.of(opts.get("dir"));

    List<FeatureColumn> customerFeatures = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      customerFeatures.add(new FeatureColumn("count_" + i, FeatureType.LONG));
    }
    for (int i = 0; i < 4; i++) {
      customerFeatures.add(new FeatureColumn("amount_" + i, FeatureType.DOUBLE));
    }
    customerFeatures.add(new FeatureColumn("last_purchase_ts", FeatureType.TIMESTAMP));
    customerFeatures.add(new FeatureColumn("segment", FeatureType.STRING));
    List<FeatureColumn> productFeatures = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      productFeatures.add(new FeatureColumn("units_" + i, FeatureType.LONG));
      productFeatures.add(new FeatureColumn("price_" + i, FeatureType.DOUBLE));
    }
    List<FeatureColumn> pairFeatures =
        List.of(
            new FeatureColumn("bought_90d", FeatureType.LONG),
            new FeatureColumn("spend_90d", FeatureType.DOUBLE),
            new FeatureColumn("last_bought_ts", FeatureType.TIMESTAMP),
            new FeatureColumn("returned", FeatureType.BOOLEAN));

    List<KeyColumn> customerKey = List.of(new KeyColumn("customer_id", FeatureType.LONG));
    List<KeyColumn> productKey = List.of(new KeyColumn("stock_code", FeatureType.STRING));
    List<KeyColumn> pairKey =
        List.of(
            new KeyColumn("customer_id", FeatureType.LONG),
            new KeyColumn("stock_code", FeatureType.STRING));

    FeatureRowCodec customerCodec = new FeatureRowCodec(customerFeatures);
    FeatureRowCodec productCodec = new FeatureRowCodec(productFeatures);
    FeatureRowCodec pairCodec = new FeatureRowCodec(pairFeatures);
    Instant t = NOW.minusSeconds(3_600);
    String[] segments = {"new", "bronze", "silver", "gold", "platinum"};

    // Row i of each view, generated on the fly in key order (what a sorted Spark partition yields).
    LongFunction<Map.Entry<byte[], byte[]>> customerRow =
        i -> {
          Object[] v = new Object[12];
          for (int c = 0; c < 6; c++) {
            v[c] = i * 7 + c;
          }
          for (int c = 0; c < 4; c++) {
            v[6 + c] = i * 0.37 + c;
          }
          v[10] = t.minusSeconds(i % 86_400);
          v[11] = segments[(int) (i % segments.length)];
          return entry(KeyCodec.encode(1, customerKey, List.of(i)), customerCodec.encode(t, t, v));
        };
    LongFunction<Map.Entry<byte[], byte[]>> productRow =
        i -> {
          Object[] v = new Object[8];
          for (int c = 0; c < 4; c++) {
            v[2 * c] = i + c;
            v[2 * c + 1] = 1.0 + (i % 1000) / 100.0 + c;
          }
          return entry(
              KeyCodec.encode(2, productKey, List.of(productCode(i))),
              productCodec.encode(t, t, v));
        };
    long productsPerCustomer = Math.max(1, pairs / Math.max(1, customers));
    LongFunction<Map.Entry<byte[], byte[]>> pairRow =
        i -> {
          long customer = i / productsPerCustomer;
          String product =
              pairProduct(customer, i % productsPerCustomer, productsPerCustomer, products);
          Object[] v = {i % 5, i * 1.5, t, i % 11 == 0};
          return entry(
              KeyCodec.encode(3, pairKey, List.of(customer, product)), pairCodec.encode(t, t, v));
        };

    long buildStart = System.nanoTime();
    RocksDbSnapshotStore store = new RocksDbSnapshotStore(root);
    long version = store.nextVersion();
    Path staging = store.stagingDir(version);
    List<Path> files = new ArrayList<>();
    long[] counts = {customers, products, pairs};
    List<LongFunction<Map.Entry<byte[], byte[]>>> rows = List.of(customerRow, productRow, pairRow);
    for (int view = 0; view < 3; view++) {
      long n = counts[view];
      for (int p = 0; p < partitions; p++) {
        long from = n * p / partitions;
        long to = n * (p + 1) / partitions;
        Path file = staging.resolve("part-%d-%05d.sst".formatted(view + 1, p));
        if (RocksDbSnapshotStore.writeSst(file, range(from, to, rows.get(view))) > 0) {
          files.add(file);
        }
      }
    }
    long sstNanos = System.nanoTime() - buildStart;
    Instant asOf = NOW.minusSeconds(12 * 3_600);
    List<SnapshotManifest.ViewEntry> views =
        List.of(
            new SnapshotManifest.ViewEntry(
                "customer_activity",
                1,
                "customer",
                customerKey,
                customerFeatures,
                180 * 86_400L,
                "bench",
                "features.customer_activity",
                1,
                customers,
                asOf),
            new SnapshotManifest.ViewEntry(
                "product_stats",
                2,
                "product",
                productKey,
                productFeatures,
                0,
                "bench",
                "features.product_stats",
                1,
                products,
                asOf),
            new SnapshotManifest.ViewEntry(
                "customer_product",
                3,
                "customer_product",
                pairKey,
                pairFeatures,
                90 * 86_400L,
                "bench",
                "features.customer_product",
                1,
                pairs,
                asOf));
    SnapshotManifest manifest =
        store.commit(
            new SnapshotManifest(
                SnapshotManifest.FORMAT_VERSION,
                version,
                "bench",
                Instant.now(),
                SnapshotManifest.ROCKSDB,
                views,
                List.of()),
            files);
    long buildNanos = System.nanoTime() - buildStart;
    long dbBytes =
        manifest.files().stream().mapToLong(dev.lakeml.schemas.sealed.SealedFile::bytes).sum();

    long openStart = System.nanoTime();
    try (RocksDbOnlineStore reader = RocksDbOnlineStore.open(root, cacheBytes)) {
      long openNanos = System.nanoTime() - openStart;
      SplittableRandom random = new SplittableRandom(42);
      long found = 0;
      for (int i = 0; i < warmup; i++) {
        found += call(reader, random, customers, products, productsPerCustomer, pairs);
      }
      long[] latencies = new long[requests];
      found = 0;
      long totalStart = System.nanoTime();
      for (int i = 0; i < requests; i++) {
        Map<String, List<?>> request =
            request(random, customers, products, productsPerCustomer, pairs);
        long start = System.nanoTime();
        Map<String, FeatureVector> answer = reader.getAll(request, NOW);
        latencies[i] = System.nanoTime() - start;
        for (FeatureVector v : answer.values()) {
          found += v.found() ? 1 : 0;
        }
      }
      long totalNanos = System.nanoTime() - totalStart;
      Arrays.sort(latencies);

      System.out.println(
          "# lakeml online read benchmark (RocksDB backend, single-threaded getAll over 3 views)");
      System.out.printf(
          Locale.ROOT,
          "machine: %d cores (%s), %s %s, %s %s, max heap %d MB%n",
          Runtime.getRuntime().availableProcessors(),
          cpuModel(),
          System.getProperty("java.vm.name"),
          System.getProperty("java.version"),
          System.getProperty("os.name"),
          System.getProperty("os.arch"),
          Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf(
          Locale.ROOT,
          "inputs: customer_activity %,d keys x %d features; product_stats %,d x %d; customer_product %,d x %d (composite key); %d SST files%n",
          customers,
          customerFeatures.size(),
          products,
          productFeatures.size(),
          pairs,
          pairFeatures.size(),
          files.size());
      System.out.printf(
          Locale.ROOT,
          "build: %.1f s (SST writing %.1f s, commit incl. SHA-256 %.1f s), snapshot %,d MB in %d files; open + verify %.2f s; block cache %d MB%n",
          buildNanos / 1e9,
          sstNanos / 1e9,
          (buildNanos - sstNanos) / 1e9,
          dbBytes >> 20,
          manifest.files().size(),
          openNanos / 1e9,
          cacheBytes >> 20);
      System.out.printf(
          Locale.ROOT,
          "requests: %,d timed after %,d warm-up; %.1f%% of vectors FOUND; throughput %,.0f getAll/s%n",
          requests,
          warmup,
          100.0 * found / (3.0 * requests),
          requests / (totalNanos / 1e9));
      System.out.printf(
          Locale.ROOT,
          "latency µs: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (mean %.1f)%n",
          pct(latencies, 50),
          pct(latencies, 90),
          pct(latencies, 99),
          pct(latencies, 99.9),
          latencies[latencies.length - 1] / 1e3,
          Arrays.stream(latencies).average().orElse(0) / 1e3);
    } finally {
      if (temporary) {
        try (Stream<Path> paths = Files.walk(root)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private static long call(
      RocksDbOnlineStore reader,
      SplittableRandom random,
      long customers,
      long products,
      long perCustomer,
      long pairs) {
    long found = 0;
    for (FeatureVector v :
        reader.getAll(request(random, customers, products, perCustomer, pairs), NOW).values()) {
      found += v.found() ? 1 : 0;
    }
    return found;
  }

  private static Map<String, List<?>> request(
      SplittableRandom random, long customers, long products, long perCustomer, long pairs) {
    long customer = random.nextLong(customers);
    long pair = random.nextLong(pairs);
    long pairCustomer = pair / perCustomer;
    Map<String, List<?>> request = new LinkedHashMap<>(8);
    request.put("customer_activity", List.of(customer));
    request.put("product_stats", List.of(productCode(random.nextLong(products))));
    request.put(
        "customer_product",
        List.of(
            pairCustomer, pairProduct(pairCustomer, pair % perCustomer, perCustomer, products)));
    return request;
  }

  /** Zero-padded, so code order is number order. */
  private static String productCode(long i) {
    return "P%07d".formatted(i);
  }

  /** The j-th product of a customer; increasing in j so a customer's pairs come in key order. */
  private static String pairProduct(long customer, long j, long perCustomer, long products) {
    long span = Math.max(1, products / perCustomer);
    return productCode(j * span + (customer * 31) % span);
  }

  private static Iterator<Map.Entry<byte[], byte[]>> range(
      long from, long to, LongFunction<Map.Entry<byte[], byte[]>> row) {
    return new Iterator<>() {
      long next = from;

      @Override
      public boolean hasNext() {
        return next < to;
      }

      @Override
      public Map.Entry<byte[], byte[]> next() {
        if (next >= to) {
          throw new NoSuchElementException();
        }
        return row.apply(next++);
      }
    };
  }

  private static Map.Entry<byte[], byte[]> entry(byte[] k, byte[] v) {
    return new AbstractMap.SimpleImmutableEntry<>(k, v);
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e3;
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .orElse("unknown CPU");
    } catch (IOException | RuntimeException e) {
      return "unknown CPU";
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "usage: OnlineReadBenchmark [--customers N] [--products N] [--pairs N] [--requests N] [--warmup N] [--partitions N] [--block-cache-mb N] [--dir PATH]; got '"
                + args[i]
                + "'");
      }
      out.put(args[i].substring(2), args[++i]);
    }
    return out;
  }
}
