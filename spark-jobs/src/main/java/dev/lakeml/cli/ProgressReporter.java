package dev.lakeml.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Shows what Spark is doing while a long job runs: the running stage and its finished tasks, at
 * most once a second, on standard error (so that standard output stays clean for results).
 */
final class ProgressReporter extends SparkListener {
  private final PrintStream out;
  private final boolean console;
  private final Map<Integer, int[]> stages = new ConcurrentHashMap<>();
  private final AtomicInteger completedStages = new AtomicInteger();
  private volatile long lastPrint;

  ProgressReporter(PrintStream out) {
    this.out = out;
    this.console = System.console() != null;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    stages.put(event.stageInfo().stageId(), new int[] {0, event.stageInfo().numTasks()});
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    int[] progress = stages.get(event.stageId());
    if (progress != null) {
      synchronized (progress) {
        progress[0]++;
      }
    }
    maybePrint(event.stageId());
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    stages.remove(event.stageInfo().stageId());
    completedStages.incrementAndGet();
  }

  private void maybePrint(int stageId) {
    long now = System.currentTimeMillis();
    if (now - lastPrint < (console ? 1000 : 5000)) {
      return;
    }
    lastPrint = now;
    int[] p = stages.get(stageId);
    if (p == null) {
      return;
    }
    String line =
        String.format(
            "  [spark] stage %d: %d/%d tasks; %d stage(s) done",
            stageId, p[0], p[1], completedStages.get());
    if (console) {
      out.print("\r" + line + "   ");
      out.flush();
    } else {
      out.println(line);
    }
  }

  /** Ends the progress line so that the next message starts on its own line. */
  void finish() {
    if (console && lastPrint > 0) {
      out.println();
    }
  }
}
