package io.ssekit.core;

import org.jspecify.annotations.Nullable;

/**
 * Collects the transports that one fan-out must signal to drain and hands them to the broker's writer
 * threads in groups. A broadcast to many streams then costs one writer task per group instead
 * of one per stream, and each writer drains a group in a row.
 *
 * <p>Used by one thread; {@link #flush()} must run when the fan-out ends, also when it fails,
 * because a stream whose drain request was never handed over would never be written again.
 */
final class DrainBatch {

  /** Transports per writer task. */
  static final int GROUP_SIZE = 64;

  private final SseBroker broker;
  private @Nullable SseTransport[] group = new SseTransport[GROUP_SIZE];
  private int size;

  DrainBatch(SseBroker broker) {
    this.broker = broker;
  }

  /** Adds a transport whose stream just gave it the draining turn. */
  void add(SseTransport transport) {
    group[size++] = transport;
    if (size == GROUP_SIZE) {
      flush();
    }
  }

  /** Hands the transports added since the last flush to a writer. */
  void flush() {
    if (size == 0) {
      return;
    }
    broker.signalAll(group, size);
    group = new SseTransport[GROUP_SIZE];
    size = 0;
  }
}
