package io.ssekit.core;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A ring of the newest published events, in id order, bounded in count.
 *
 * <p>Not thread-safe: {@link InMemoryEventBus} guards it with its lock.
 */
final class ReplayLog {

  private final PublishedEvent[] ring;
  private int head;
  private int size;
  private @Nullable EventId lastEvictedId;

  ReplayLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.ring = new PublishedEvent[capacity];
  }

  void append(PublishedEvent event) {
    if (size == ring.length) {
      evictOldest();
    }
    ring[(head + size) % ring.length] = event;
    size++;
  }

  /** Evicts the oldest event; the log must not be empty. */
  void evictOldest() {
    lastEvictedId = ring[head].id();
    ring[head] = null;
    head = (head + 1) % ring.length;
    size--;
  }

  @Nullable PublishedEvent oldest() {
    return size == 0 ? null : ring[head];
  }

  /** Returns the id of the newest event ever evicted, or null if none was. */
  @Nullable EventId lastEvictedId() {
    return lastEvictedId;
  }

  /**
   * Returns the events after {@code lastId}, or null when the log cannot tell what came after
   * it: the id is neither retained nor the last evicted one.
   */
  @Nullable List<PublishedEvent> after(EventId lastId) {
    if (lastId.equals(lastEvictedId)) {
      return copyFrom(0);
    }
    int index = indexOf(lastId);
    return index < 0 ? null : copyFrom(index + 1);
  }

  private List<PublishedEvent> copyFrom(int start) {
    List<PublishedEvent> events = new ArrayList<>(size - start);
    for (int i = start; i < size; i++) {
      events.add(get(i));
    }
    return events;
  }

  private int indexOf(EventId id) {
    int low = 0;
    int high = size - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int order = get(middle).id().compareTo(id);
      if (order == 0) {
        return middle;
      }
      if (order < 0) {
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return -1;
  }

  private PublishedEvent get(int index) {
    return ring[(head + index) % ring.length];
  }
}
