package dev.lakeml.schemas.sealed;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one hot-swap mechanism of lakeml: a slot holding the {@link Leased} value being served (an
 * online snapshot, a model). Requests {@link #acquire} a lease and release it when done; a swap
 * puts a new value in atomically, and the old one closes after its last request. No request ever
 * sees a closed value, and no lock is taken on the request path.
 */
public final class HotSwap<T> {
  private final AtomicReference<Leased<T>> slot = new AtomicReference<>();

  /** A lease on the value served now, or null when the slot is empty; release it when done. */
  public Leased<T> acquire() {
    while (true) {
      Leased<T> l = slot.get();
      if (l == null || l.tryAcquire()) {
        return l;
      }
      Thread.onSpinWait(); // retired between the read and the acquire: read the slot again
    }
  }

  /** The value served now, without a lease (for status and messages), or null. */
  public T peek() {
    Leased<T> l = slot.get();
    return l == null ? null : l.value();
  }

  /**
   * Serves {@code next} (null empties the slot) and returns the lease it replaces, still held: the
   * caller releases it, or keeps it (e.g. as the previous snapshot for a rollback).
   */
  public Leased<T> exchange(Leased<T> next) {
    return slot.getAndSet(next);
  }

  /** Serves {@code next} and releases what it replaces. */
  public void replace(Leased<T> next) {
    Leased<T> old = exchange(next);
    if (old != null) {
      old.release();
    }
  }
}
