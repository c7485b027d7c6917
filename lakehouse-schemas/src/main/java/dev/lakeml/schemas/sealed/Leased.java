package dev.lakeml.schemas.sealed;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An opened resource (a snapshot database, a model) shared by requests and retired by a swap:
 * closed once its holder has released it and the last request using it has finished. A native
 * RocksDB handle or XGBoost booster must not be closed while another thread is inside it. Held in a
 * {@link HotSwap}.
 */
public final class Leased<T> {
  private final T value;
  private final Consumer<T> closer;

  /** 1 for the holder while it is served, plus 1 per request using it; 0 = closed. */
  private final AtomicInteger refs = new AtomicInteger(1);

  /**
   * @param closer runs once, when the last reference is released
   */
  public Leased(T value, Consumer<T> closer) {
    this.value = Objects.requireNonNull(value, "value");
    this.closer = Objects.requireNonNull(closer, "closer");
  }

  public T value() {
    return value;
  }

  /** Takes a reference; false once it is closed (the caller reads the holder again). */
  public boolean tryAcquire() {
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

  /** Gives a reference back; the last one closes the value. */
  public void release() {
    int left = refs.decrementAndGet();
    if (left == 0) {
      closer.accept(value);
    } else if (left < 0) {
      throw new IllegalStateException("released more often than acquired: " + value);
    }
  }
}
