package dev.lakeml.schemas.project;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a source arrives as a stream: files dropped into a landing folder (the embedded default) and,
 * in production, a Kafka topic whose messages are JSON objects keyed by the source's column names.
 *
 * @param landing folder (relative to the project, or a URI) watched by the directory source
 * @param maxFilesPerTrigger files taken per micro-batch from the landing folder
 * @param kafka the Kafka source, when configured
 */
public record StreamSpec(String landing, int maxFilesPerTrigger, Optional<KafkaSpec> kafka) {

  public StreamSpec {
    Objects.requireNonNull(landing, "landing");
    if (maxFilesPerTrigger < 1) {
      throw new IllegalArgumentException("max_files_per_trigger must be at least 1");
    }
  }

  /** A Kafka topic as a source; {@code options} pass through as {@code kafka.*} settings. */
  public record KafkaSpec(
      String bootstrapServers,
      String topic,
      String startingOffsets,
      long maxOffsetsPerTrigger,
      Map<String, String> options) {
    public KafkaSpec {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      Objects.requireNonNull(topic, "topic");
      options = Map.copyOf(options);
    }
  }
}
