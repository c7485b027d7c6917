package dev.lakeml.bench;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;

/** For the benchmark (env STAGES=1): prints every Spark stage that took over 300 ms. */
public final class StageTimes extends SparkListener {
  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    var i = e.stageInfo();
    long ms = (long) i.completionTime().get() - (long) i.submissionTime().get();
    if (ms > 300) {
      System.out.printf("    stage %d %dms tasks=%d %s%n", i.stageId(), ms, i.numTasks(), i.name());
    }
  }
}
