package dev.lakeml.schemas.sealed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HotSwapTest {
  /** A resource that knows when it was closed and refuses use afterwards. */
  static final class Resource {
    final int version;
    final AtomicBoolean closed = new AtomicBoolean();

    Resource(int version) {
      this.version = version;
    }

    int use() {
      if (closed.get()) {
        throw new IllegalStateException("v" + version + " used after close");
      }
      return version;
    }
  }

  static Leased<Resource> leased(int version) {
    return new Leased<>(
        new Resource(version),
        r -> {
          if (!r.closed.compareAndSet(false, true)) {
            throw new IllegalStateException("v" + r.version + " closed twice");
          }
        });
  }

  @Test
  void aSwappedOutValueClosesOnlyAfterItsLastLease() {
    HotSwap<Resource> slot = new HotSwap<>();
    assertThat(slot.acquire()).isNull();
    slot.replace(leased(1));
    Leased<Resource> held = slot.acquire();
    slot.replace(leased(2));
    assertThat(held.value().closed).isFalse();
    assertThat(held.value().use()).isEqualTo(1);
    assertThat(slot.peek().version).isEqualTo(2);
    held.release();
    assertThat(held.value().closed).isTrue();
    assertThat(held.tryAcquire()).isFalse();
    assertThatThrownBy(held::release).hasMessageContaining("released more often than acquired");
  }

  @Test
  void exchangeHandsTheOldLeaseToTheCallerStillOpen() {
    HotSwap<Resource> current = new HotSwap<>();
    HotSwap<Resource> previous = new HotSwap<>();
    current.replace(leased(1));
    previous.replace(current.exchange(leased(2)));
    assertThat(previous.peek().closed).isFalse();
    previous.replace(current.exchange(previous.exchange(null))); // roll back to v1
    assertThat(current.peek().version).isEqualTo(1);
    assertThat(previous.peek().version).isEqualTo(2);
    Resource two = previous.peek();
    previous.replace(null);
    assertThat(two.closed).isTrue();
  }

  @Test
  void noRequestSeesAClosedValueWhileSwapsRunUnderLoad() throws Exception {
    HotSwap<Resource> slot = new HotSwap<>();
    slot.replace(leased(0));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger uses = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> readers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      readers.add(
          pool.submit(
              () -> {
                while (!stop.get()) {
                  Leased<Resource> l = slot.acquire();
                  try {
                    l.value().use();
                    uses.incrementAndGet();
                  } finally {
                    l.release();
                  }
                }
              }));
    }
    List<Resource> swapped = new ArrayList<>();
    for (int v = 1; v <= 2_000; v++) {
      swapped.add(slot.peek());
      slot.replace(leased(v));
    }
    stop.set(true);
    for (Future<?> f : readers) {
      f.get(); // rethrows "used after close"
    }
    pool.shutdown();
    assertThat(uses.get()).isPositive();
    assertThat(swapped).allSatisfy(r -> assertThat(r.closed).isTrue());
    assertThat(slot.peek().closed).isFalse();
  }
}
