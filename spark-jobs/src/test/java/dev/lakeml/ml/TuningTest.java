package dev.lakeml.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TuningTest {
  @Test
  void resultsComeBackInCandidateOrderWhateverFinishesFirst() {
    List<Integer> out =
        Tuning.run(
            4,
            4,
            i -> {
              sleep(40L * (4 - i)); // the last candidate finishes first
              return i * 10;
            });
    assertThat(out).containsExactly(0, 10, 20, 30);
  }

  @Test
  void candidatesReallyRunSideBySide() {
    CountDownLatch both = new CountDownLatch(2);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    List<Boolean> met =
        Tuning.run(
            2,
            2,
            i -> {
              threads.add(Thread.currentThread());
              both.countDown();
              try {
                // Only true if the other candidate is running at the same time.
                return both.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(met).containsExactly(true, true);
    assertThat(threads).hasSize(2);
  }

  @Test
  void oneAtATimeRunsOnTheCallersThread() {
    String caller = Thread.currentThread().getName();
    assertThat(Tuning.run(3, 1, i -> Thread.currentThread().getName())).containsOnly(caller);
  }

  @Test
  void theFirstFailureInCandidateOrderIsRethrownAsItWas() {
    assertThatThrownBy(
            () ->
                Tuning.run(
                    3,
                    3,
                    i -> {
                      if (i >= 1) {
                        throw new IllegalArgumentException("candidate " + i + " failed");
                      }
                      return i;
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("candidate 1 failed");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
