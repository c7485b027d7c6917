package dev.lakeml.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bundled project, rewritten for the prepared lake of {@link ExampleLake} (invoice lines to
 * 2011-03-31): the raw files read from the example's own folder, {@code customer_churn} a small
 * model that those two months can train (label {@code repurchase_30d}, spine dates 2011-02-05 to
 * 02-26, 20 rounds of depth 2), and the caller's pipelines added.
 */
public final class SmallExample {
  private SmallExample() {}

  /** The nightly steps without monitoring: what the cluster test and benchmark run. */
  public static final String CLUSTER_NIGHTLY =
      """
        - name: cluster_nightly
          start_date: 2011-04-01
          steps:
            - {name: ingest, job: ingest, args: [--date, "{{ ds }}"]}
            - {name: features, job: features, args: [--date, "{{ ds }}"], after: [ingest]}
            - {name: predict, job: predict, args: [customer_churn, --date, "{{ ds }}"], after: [features]}
            - {name: publish, job: publish, after: [predict]}
      """;

  /** Writes {@code dir/lakeml.yaml}; {@code pipelines} is YAML list items, indented by two. */
  public static Path write(Path dir, String pipelines) throws IOException {
    String yaml =
        Files.readString(ExampleLake.EXAMPLE.resolve("lakeml.yaml"), StandardCharsets.UTF_8);
    yaml =
        replace(
            yaml,
            "location: data/by-day/{date}.csv.gz",
            "location: "
                + ExampleLake.EXAMPLE.resolve("data/by-day").toAbsolutePath()
                + "/{date}.csv.gz");
    yaml =
        replace(
            yaml,
            "training_set: {label: churn_90d, from: 2011-01-01, to: 2011-07-01, every: 7d,"
                + " views: [customer_activity]}",
            "training_set: {label: repurchase_30d, from: 2011-02-05, to: 2011-02-26, every: 7d,"
                + " views: [customer_activity]}");
    yaml =
        replace(
            yaml,
            "params: {max_depth: [3, 5], eta: [0.1, 0.3], num_round: [100]}\n"
                + "    split: {validate_from: 2011-05-15}",
            "params: {max_depth: [2], eta: [0.3], num_round: [20]}\n"
                + "    split: {validate_from: 2011-02-19}");
    yaml = replace(yaml, "pipelines:\n", "pipelines:\n" + pipelines);
    Files.createDirectories(dir);
    Path file = dir.resolve("lakeml.yaml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }

  private static String replace(String text, String from, String to) {
    if (!text.contains(from)) {
      throw new IllegalStateException(
          "the bundled project no longer holds the text the tests rewrite: " + from);
    }
    return text.replace(from, to);
  }
}
