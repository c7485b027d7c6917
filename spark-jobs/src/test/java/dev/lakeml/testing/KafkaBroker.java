package dev.lakeml.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A single-node KRaft Kafka broker running as a child JVM, for integration tests.
 *
 * <p>The broker runs in its own process with the jars that {@code spark-jobs/kafka-test-broker}
 * copies into {@code target/lib}, because Kafka's Scala and Jackson versions break Spark when they
 * share a classpath. This class only talks to it through kafka-clients, which the test classpath
 * already has (via spark-sql-kafka), so it works with whatever client version Spark brings.
 */
public final class KafkaBroker implements AutoCloseable {
  /** System property with the folder of broker jars; surefire and failsafe set it. */
  public static final String LIB_PROPERTY = "lakeml.kafka.broker.lib";

  private static final String HOST = "127.0.0.1";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
  private static final int LOG_TAIL_LINES = 40;

  private final Process process;
  private final int port;
  private final Path logFile;
  private final AdminClient admin;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KafkaBroker(
      Process process, int port, Path logFile, AdminClient admin, Thread shutdownHook) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
    this.admin = admin;
    this.shutdownHook = shutdownHook;
  }

  /**
   * Formats storage under {@code workDir}, starts the broker and returns once it serves metadata.
   *
   * @throws IllegalStateException if the broker jars are missing or the broker does not come up
   *     within 60 s; the message names the broker's log and quotes its end
   */
  public static KafkaBroker start(Path workDir) {
    Path lib = brokerLib();
    try {
      Files.createDirectories(workDir);
      int port = freePort();
      int controllerPort = freePort();
      Path config = writeConfig(workDir, port, controllerPort);

      // The cluster id only has to be a base64url UUID; generating it here saves a JVM start.
      String clusterId = Uuid.randomUuid().toString();
      Path formatLog = workDir.resolve("kafka-storage-format.log");
      // --ignore-formatted lets a caller reuse a workDir whose log dirs were formatted before.
      Process format =
          java(
                  lib,
                  "-Xmx256m",
                  "kafka.tools.StorageTool",
                  "format",
                  "-t",
                  clusterId,
                  "-c",
                  config.toString(),
                  "--ignore-formatted")
              .redirectOutput(ProcessBuilder.Redirect.to(formatLog.toFile()))
              .start();
      if (!format.waitFor(FORMAT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        format.destroyForcibly().waitFor();
        throw new IllegalStateException(failure("kafka-storage format timed out", formatLog));
      }
      if (format.exitValue() != 0) {
        throw new IllegalStateException(
            failure("kafka-storage format exited with " + format.exitValue(), formatLog));
      }

      Path logFile = workDir.resolve("kafka-broker.log");
      Process process =
          java(lib, "-Xmx512m", "kafka.Kafka", config.toString())
              .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()))
              .start();
      // A test JVM that dies without close() must not leave a broker holding ports and CPU.
      Thread hook = new Thread(process::destroyForcibly, "kafka-broker-reaper");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        AdminClient admin = awaitReady(process, port, logFile);
        return new KafkaBroker(process, port, logFile, admin, hook);
      } catch (RuntimeException | InterruptedException e) {
        process.destroyForcibly().waitFor();
        removeHook(hook);
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not start a Kafka broker in " + workDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting a Kafka broker", e);
    }
  }

  /** The {@code host:port} that clients (and Spark's Kafka source) should connect to. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /** The file that collects the broker process's stdout and stderr. */
  public Path logFile() {
    return logFile;
  }

  /** Creates a topic with replication factor 1 and waits until the controller has created it. */
  public void createTopic(String name, int partitions) {
    await(
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all(),
        "create topic " + name);
  }

  /**
   * Sends {@code values} to {@code topic} as unkeyed string records, in order, and waits for the
   * acks.
   */
  public void produce(String topic, List<String> values) {
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            // One in-flight request keeps the records in list order even if a send is retried.
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
            1,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      List<Future<RecordMetadata>> acks = new ArrayList<>(values.size());
      for (String value : values) {
        acks.add(producer.send(new ProducerRecord<>(topic, value)));
      }
      producer.flush();
      for (Future<RecordMetadata> ack : acks) {
        await(ack, "produce to " + topic);
      }
    }
  }

  /** Stops the broker process; calling it again does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      admin.close(Duration.ofSeconds(2));
    } finally {
      // The broker's data is throwaway, so there is nothing a clean shutdown would save.
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      removeHook(shutdownHook);
    }
  }

  private static Path brokerLib() {
    String configured = System.getProperty(LIB_PROPERTY);
    // Without the property (e.g. a test run from an IDE in spark-jobs/) fall back to the usual
    // place.
    Path lib = Path.of(configured != null ? configured : "kafka-test-broker/target/lib");
    boolean hasJars;
    try (var files = Files.list(lib)) {
      hasJars = files.anyMatch(f -> f.getFileName().toString().startsWith("kafka_2.13-"));
    } catch (IOException e) {
      hasJars = false;
    }
    if (!hasJars) {
      throw new IllegalStateException(
          "no Kafka broker jars in "
              + lib.toAbsolutePath()
              + "; run `mvn -pl spark-jobs/kafka-test-broker generate-resources` first");
    }
    return lib;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
  }

  private static Path writeConfig(Path workDir, int port, int controllerPort) throws IOException {
    Properties props = new Properties();
    props.setProperty("process.roles", "broker,controller");
    props.setProperty("node.id", "1");
    props.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
    props.setProperty(
        "listeners",
        "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    props.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
    props.setProperty("controller.listener.names", "CONTROLLER");
    props.setProperty("inter.broker.listener.name", "PLAINTEXT");
    props.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.setProperty("log.dirs", workDir.resolve("kafka-logs").toAbsolutePath().toString());
    props.setProperty("offsets.topic.replication.factor", "1");
    // The default 50 partitions make the first consumer-group join take seconds.
    props.setProperty("offsets.topic.num.partitions", "1");
    props.setProperty("transaction.state.log.replication.factor", "1");
    props.setProperty("transaction.state.log.min.isr", "1");
    props.setProperty("transaction.state.log.num.partitions", "1");
    props.setProperty("num.partitions", "1");
    props.setProperty("group.initial.rebalance.delay.ms", "0");
    props.setProperty("auto.create.topics.enable", "false");
    // Tests share a small machine with Spark; the default thread pools are sized for servers.
    props.setProperty("num.network.threads", "2");
    props.setProperty("num.io.threads", "2");
    props.setProperty("background.threads", "2");
    props.setProperty("num.recovery.threads.per.data.dir", "1");
    Path config = workDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      props.store(out, "single-node KRaft broker for lakeml tests");
    }
    return config;
  }

  private static ProcessBuilder java(Path lib, String heap, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(heap);
    // A short-lived test broker gains nothing from C2 or a parallel GC, and both cost CPU at
    // startup.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Djava.awt.headless=true");
    command.add("-cp");
    // The JVM expands the wildcard itself; ProcessBuilder passes it through without a shell.
    command.add(lib.toAbsolutePath() + "/*");
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true);
  }

  private static AdminClient awaitReady(Process process, int port, Path logFile)
      throws InterruptedException {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (!accepts(port)) {
      checkStarting(process, deadline, logFile);
      Thread.sleep(200);
    }
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            HOST + ":" + port,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
            5_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            (int) CLIENT_TIMEOUT.toMillis());
    AdminClient admin = AdminClient.create(config);
    try {
      // An open port is not enough: the broker serves metadata only once it has joined the quorum.
      while (true) {
        try {
          admin.listTopics().names().get(5, TimeUnit.SECONDS);
          return admin;
        } catch (ExecutionException | TimeoutException e) {
          checkStarting(process, deadline, logFile);
          Thread.sleep(200);
        }
      }
    } catch (RuntimeException | InterruptedException e) {
      admin.close(Duration.ZERO);
      throw e;
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void checkStarting(Process process, long deadline, Path logFile) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          failure("Kafka broker exited with " + process.exitValue() + " during startup", logFile));
    }
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException(
          failure("Kafka broker not ready after " + STARTUP_TIMEOUT.toSeconds() + " s", logFile));
    }
  }

  private static String failure(String what, Path log) {
    return what + "; log: " + log.toAbsolutePath() + "\n" + tail(log);
  }

  private static String tail(Path log) {
    try (InputStream in = Files.newInputStream(log)) {
      List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      return lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).stream()
          .collect(Collectors.joining("\n"));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private static <T> T await(Future<T> future, String what) {
    try {
      return future.get(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + what, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not " + what + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("could not " + what + " within " + CLIENT_TIMEOUT, e);
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook runs anyway and destroying a dead process is harmless.
    }
  }
}
