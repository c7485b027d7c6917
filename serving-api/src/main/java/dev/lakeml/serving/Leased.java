package dev.lakeml.serving;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A resource shared by requests and retired by a swap: closed when the holder has released it and
 * the last request using it has finished. A native RocksDB handle or XGBoost booster must not be
 * closed while another thread is inside it.
 */
final class Leased<T> {
  private final T value;
  private final Consumer<T> closer;

  /** 1 for the holder while it is served, plus 1 per request using it; 0 = closed. */
  private final AtomicInteger refs = new AtomicInteger(1);

  Leased(T value, Consumer<T> closer) {
    this.value = value;
    this.closer = closer;
  }

  T value() {
    return value;
  }

  /** Takes a reference; false once it is closed (the caller re-reads the holder). */
  boolean tryAcquire() {
    while (true) {
      int r = refs.get();
      if (r == 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  void release() {
    if (refs.decrementAndGet() == 0) {
      closer.accept(value);
    }
  }
}
