package dev.lakeml.serving;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The serving configuration, parsed once from the command line and the environment.
 *
 * <p>Every option is a typed entry with a default, a parser and help text. Precedence: command line
 * ({@code --port 8080}) over environment ({@code LAKEML_PORT=8080}) over default. An unknown option
 * or a bad value is a {@link SettingException} naming the option and what it accepts.
 *
 * @param models the models whose champion must be loaded before the server is ready; empty means
 *     every binary classifier of the project
 */
public record ServingConfig(
    Path project,
    Path lakehouse,
    Path onlinePath,
    String host,
    int port,
    Optional<Path> apiKeysFile,
    Optional<String> apiKeys,
    Path logDir,
    int maxConcurrent,
    long maxBodyBytes,
    int maxBatch,
    Duration pollInterval,
    Duration drainTimeout,
    List<String> models,
    long logRotateBytes,
    int logQueue,
    int rolloutWindow,
    int rolloutMinRequests,
    double rolloutMaxErrorRate,
    double rolloutMaxP99Millis,
    String backend,
    Optional<RedisAddress> redis,
    Optional<String> redisPrefix,
    Duration headTimeout,
    Duration bodyTimeout,
    Duration idleTimeout) {

  /** Serve the snapshot's RocksDB database (the default). */
  public static final String BACKEND_ROCKSDB = "rocksdb";

  /** Copy each verified snapshot into a heap map and serve that (the load test's ceiling). */
  public static final String BACKEND_MEMORY = "memory";

  /** Read the snapshot that {@code lakeml publish --backend redis} wrote to a shared Redis. */
  public static final String BACKEND_REDIS = "redis";

  /** A Redis server, from {@code --redis host:port}. */
  public record RedisAddress(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  public ServingConfig {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(lakehouse, "lakehouse");
    Objects.requireNonNull(onlinePath, "onlinePath");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(redisPrefix, "redisPrefix");
    models = List.copyOf(models);
    if (BACKEND_REDIS.equals(backend) && redis.isEmpty()) {
      throw new SettingException("--backend redis needs --redis host:port (or LAKEML_REDIS)");
    }
    if (!BACKEND_REDIS.equals(backend) && (redis.isPresent() || redisPrefix.isPresent())) {
      throw new SettingException(
          "--redis and --redis-prefix apply to --backend redis; the backend is " + backend);
    }
  }

  /** A configuration problem, reported on one line; the process exits with code 2. */
  public static final class SettingException extends RuntimeException {
    public SettingException(String message) {
      super(message);
    }
  }

  /** One option: its name (without {@code --}), default, help, and a parser that may refuse. */
  record Entry(String name, String defaultValue, String help) {
    String env() {
      if (name.equals("api-keys")) {
        return "LAKEML_API_KEYS_FILE"; // LAKEML_API_KEYS holds the keys themselves
      }
      if (name.equals("api-keys-inline")) {
        return "LAKEML_API_KEYS";
      }
      return "LAKEML_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
  }

  static final List<Entry> ENTRIES =
      List.of(
          new Entry("project", null, "the lakeml project folder or lakeml.yaml (required)"),
          new Entry("lakehouse", null, "the lakehouse root folder (required)"),
          new Entry("online-path", null, "the online snapshot root (default <lakehouse>/_online)"),
          new Entry("host", "127.0.0.1", "the address to listen on"),
          new Entry("port", "8080", "the port to listen on (0 = any free port)"),
          new Entry("api-keys", null, "a file of API keys, one name:key:role per line"),
          new Entry(
              "api-keys-inline",
              null,
              "API keys as name:key:role separated by ',' (env LAKEML_API_KEYS)"),
          new Entry("log-dir", null, "prediction log folder (default <lakehouse>/_serving/log)"),
          new Entry("max-concurrent", "64", "requests processed at once; more are shed (503)"),
          new Entry("max-body-bytes", "65536", "the largest request body accepted (413 above)"),
          new Entry("max-batch", "100", "the most keys a batch lookup takes (422 above)"),
          new Entry("poll-interval", "10s", "how often CURRENT and aliases.yaml are checked"),
          new Entry("drain-timeout", "10s", "how long close() waits for requests in flight"),
          new Entry("models", "", "models to serve, comma-separated (default: every classifier)"),
          new Entry("log-rotate-bytes", "67108864", "prediction log file size before rotation"),
          new Entry("log-queue", "10000", "prediction log records waiting at most (then dropped)"),
          new Entry("rollout-window", "200", "challenger requests in the rollback window"),
          new Entry("rollout-min-requests", "20", "challenger requests before rollback is judged"),
          new Entry("rollout-max-error-rate", "0.05", "challenger error rate that rolls back"),
          new Entry("rollout-max-p99-ms", "250", "challenger p99 latency (ms) that rolls back"),
          new Entry(
              "backend",
              BACKEND_ROCKSDB,
              "snapshot storage: rocksdb, memory (each verified snapshot copied to the heap), or"
                  + " redis (the shared store lakeml publish --backend redis writes)"),
          new Entry("redis", null, "the Redis server of --backend redis, host:port"),
          new Entry(
              "redis-prefix", null, "the key prefix of --backend redis (default lakeml:<project>)"),
          new Entry(
              "head-timeout",
              "5s",
              "a request line and headers not complete within this are dropped (slow clients)"),
          new Entry(
              "body-timeout",
              "10s",
              "a request body not complete within this of its head is answered 408"),
          new Entry("idle-timeout", "30s", "an idle keep-alive connection is closed after this"));

  /** The usage text, one line per option. */
  public static String usage() {
    StringBuilder out = new StringBuilder("usage: serving-api [options]\n");
    for (Entry e : ENTRIES) {
      out.append(String.format(Locale.ROOT, "  --%-24s %s", e.name(), e.help()));
      if (e.defaultValue() != null && !e.defaultValue().isEmpty()) {
        out.append(" [").append(e.defaultValue()).append(']');
      }
      out.append(" (env ").append(e.env()).append(")\n");
    }
    return out.toString();
  }

  /** Parses the command line with the environment as fallback. */
  public static ServingConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new SettingException("unexpected argument '" + a + "'; options start with --");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new SettingException("option --" + name + " needs a value");
        }
        value = args[++i];
      }
      String key = name;
      if (ENTRIES.stream().noneMatch(e -> e.name().equals(key))) {
        throw new SettingException(
            "unknown option --" + name + "; known: " + ENTRIES.stream().map(Entry::name).toList());
      }
      given.put(name, value);
    }
    Function<String, Optional<String>> value =
        name -> {
          if (given.containsKey(name)) {
            return Optional.of(given.get(name));
          }
          Entry e = ENTRIES.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
          String fromEnv = env.get(e.env());
          if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv);
          }
          return Optional.ofNullable(e.defaultValue());
        };
    Path project = path("project", value.apply("project")).orElseThrow(() -> missing("project"));
    Path lakehouse =
        path("lakehouse", value.apply("lakehouse")).orElseThrow(() -> missing("lakehouse"));
    Path online =
        path("online-path", value.apply("online-path")).orElse(lakehouse.resolve("_online"));
    Path logDir =
        path("log-dir", value.apply("log-dir"))
            .orElse(lakehouse.resolve("_serving").resolve("log"));
    List<String> models = new ArrayList<>();
    for (String m : value.apply("models").orElse("").split(",")) {
      if (!m.isBlank()) {
        models.add(ModelNames.requireModelName(m.trim(), "--models"));
      }
    }
    return new ServingConfig(
        project,
        lakehouse,
        online,
        value.apply("host").orElseThrow(),
        (int) whole("port", value.apply("port").orElseThrow(), 0, 65535),
        path("api-keys", value.apply("api-keys")),
        value.apply("api-keys-inline"),
        logDir,
        (int) whole("max-concurrent", value.apply("max-concurrent").orElseThrow(), 1, 100_000),
        whole("max-body-bytes", value.apply("max-body-bytes").orElseThrow(), 64, 1L << 30),
        (int) whole("max-batch", value.apply("max-batch").orElseThrow(), 1, 100_000),
        duration("poll-interval", value.apply("poll-interval").orElseThrow()),
        duration("drain-timeout", value.apply("drain-timeout").orElseThrow()),
        models,
        whole("log-rotate-bytes", value.apply("log-rotate-bytes").orElseThrow(), 1024, 1L << 40),
        (int) whole("log-queue", value.apply("log-queue").orElseThrow(), 1, 10_000_000),
        (int) whole("rollout-window", value.apply("rollout-window").orElseThrow(), 1, 1_000_000),
        (int)
            whole(
                "rollout-min-requests",
                value.apply("rollout-min-requests").orElseThrow(),
                1,
                1_000_000),
        fraction("rollout-max-error-rate", value.apply("rollout-max-error-rate").orElseThrow()),
        positive("rollout-max-p99-ms", value.apply("rollout-max-p99-ms").orElseThrow()),
        backend(value.apply("backend").orElseThrow()),
        value.apply("redis").map(ServingConfig::redis),
        value.apply("redis-prefix").filter(p -> !p.isBlank()),
        duration("head-timeout", value.apply("head-timeout").orElseThrow()),
        duration("body-timeout", value.apply("body-timeout").orElseThrow()),
        duration("idle-timeout", value.apply("idle-timeout").orElseThrow()));
  }

  private static RedisAddress redis(String text) {
    String[] hp = text.trim().split(":");
    if (hp.length == 2 && !hp[0].isBlank() && hp[1].matches("\\d{1,5}")) {
      int port = Integer.parseInt(hp[1]);
      if (port > 0 && port <= 65535) {
        return new RedisAddress(hp[0], port);
      }
    }
    throw new SettingException("--redis must be host:port, found '" + text + "'");
  }

  private static SettingException missing(String name) {
    return new SettingException(
        "--"
            + name
            + " is required (or set "
            + new Entry(name, null, "").env()
            + "); run with --help for all options");
  }

  private static Optional<Path> path(String name, Optional<String> text) {
    if (text.isEmpty() || text.get().isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(text.get()).toAbsolutePath().normalize());
    } catch (RuntimeException e) {
      throw new SettingException(
          "--" + name + " '" + text.get() + "' is not a path: " + e.getMessage());
    }
  }

  private static long whole(String name, String text, long min, long max) {
    try {
      long v = Long.parseLong(text.trim());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SettingException(
        "--"
            + name
            + " must be a whole number from "
            + min
            + " to "
            + max
            + ", found '"
            + text
            + "'");
  }

  private static String backend(String text) {
    String b = text.trim().toLowerCase(Locale.ROOT);
    if (b.equals(BACKEND_ROCKSDB) || b.equals(BACKEND_MEMORY) || b.equals(BACKEND_REDIS)) {
      return b;
    }
    throw new SettingException(
        "--backend must be "
            + BACKEND_ROCKSDB
            + ", "
            + BACKEND_MEMORY
            + " or "
            + BACKEND_REDIS
            + ", found '"
            + text
            + "'");
  }

  private static double fraction(String name, String text) {
    try {
      double v = Double.parseDouble(text.trim());
      if (v >= 0 && v <= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SettingException("--" + name + " must be a number from 0 to 1, found '" + text + "'");
  }

  private static double positive(String name, String text) {
    try {
      double v = Double.parseDouble(text.trim());
      if (v > 0 && Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SettingException("--" + name + " must be a number above 0, found '" + text + "'");
  }

  /** {@code 500ms}, {@code 10s}, {@code 5m}. */
  static Duration duration(String name, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return positiveDuration(
            name, text, Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))));
      }
      if (t.endsWith("s")) {
        return positiveDuration(
            name, text, Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1))));
      }
      if (t.endsWith("m")) {
        return positiveDuration(
            name, text, Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1))));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SettingException(
        "--" + name + " must be a duration such as 500ms, 10s or 5m, found '" + text + "'");
  }

  private static Duration positiveDuration(String name, String text, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new SettingException("--" + name + " must be longer than 0, found '" + text + "'");
    }
    return d;
  }
}
