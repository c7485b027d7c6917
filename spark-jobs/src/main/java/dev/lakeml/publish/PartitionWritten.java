package dev.lakeml.publish;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one Spark partition wrote to a sink: the file it made (RocksDB; none for Redis or an empty
 * partition) and its rows per view id, summed on the driver into the manifest's counts. Public
 * because Spark's Java-serialization encoder that carries it from the executors requires it.
 */
public record PartitionWritten(String file, Map<Integer, Long> rowsPerView)
    implements Serializable {
  public PartitionWritten {
    rowsPerView = new TreeMap<>(rowsPerView);
  }

  /** The rows per view id of all partitions. */
  static Map<Integer, Long> sum(Iterable<PartitionWritten> parts) {
    Map<Integer, Long> total = new TreeMap<>();
    for (PartitionWritten p : parts) {
      p.rowsPerView().forEach((view, rows) -> total.merge(view, rows, Long::sum));
    }
    return total;
  }
}
