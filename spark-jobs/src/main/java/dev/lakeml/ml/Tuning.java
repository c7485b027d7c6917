package dev.lakeml.ml;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Fits tuning candidates side by side: each candidate is its own Spark job (submitted from its own
 * thread, as Spark allows), so on a machine with free task slots the grid takes the time of its
 * slowest candidates rather than their sum. Results come back in candidate order, so the choice
 * (and the run) is the same as when they run one after another.
 */
final class Tuning {
  /** Spark setting: how many candidates run at once (default: the default parallelism). */
  static final String PARALLELISM = "spark.lakeml.tuning.parallelism";

  private Tuning() {}

  static int parallelism(SparkSession spark, int candidates) {
    String configured =
        spark.conf().get(PARALLELISM, String.valueOf(spark.sparkContext().defaultParallelism()));
    int p;
    try {
      p = Integer.parseInt(configured.trim());
    } catch (NumberFormatException e) {
      throw new dev.lakeml.lakehouse.LakehouseException(
          PARALLELISM + " must be a whole number, not '" + configured + "'");
    }
    return Math.max(1, Math.min(p, candidates));
  }

  /**
   * Runs {@code task} for candidates 0..n-1, at most {@code parallelism} at a time, and returns the
   * results in candidate order. The first failure (in candidate order) is rethrown, and the
   * candidates not yet started are cancelled.
   */
  static <T> List<T> run(int n, int parallelism, IntFunction<T> task) {
    List<T> out = new ArrayList<>(n);
    if (parallelism <= 1 || n <= 1) {
      for (int i = 0; i < n; i++) {
        out.add(task.apply(i));
      }
      return out;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallelism,
            r -> {
              Thread t = new Thread(r, "lakeml-tuning");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<T>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        final int candidate = i;
        futures.add(pool.submit(() -> task.apply(candidate)));
      }
      for (Future<T> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          futures.forEach(x -> x.cancel(true));
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException(cause);
        }
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while tuning", e);
    } finally {
      pool.shutdownNow();
    }
  }
}
