package io.ssekit.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Assigns ids to events, keeps a bounded log of them for replay, and hands each one to every
 * subscriber, in id order.
 *
 * <p>Implementations are safe for concurrent use. The in-memory bus serves one process; a
 * shared bus (such as one on Redis) lets several server nodes see the same events and ids.
 */
public interface EventBus extends AutoCloseable {

  /**
   * Publishes {@code drafts} as one batch: either all of them get ids and reach subscribers,
   * or none does. A draft whose idempotency key the bus has seen within its window is not
   * published again; its original event is returned in its place.
   *
   * @return the published events, in the order of {@code drafts}
   * @throws EventBusUnavailableException if the bus cannot publish now; nothing was published
   * @throws IllegalStateException if the bus is closed
   */
  List<PublishedEvent> publish(List<EventDraft> drafts);

  /**
   * Registers {@code listener} for events published from now on.
   *
   * <p>The listener is called with one event at a time, in id order, and must not block: it
   * runs on the publishing thread (in-memory bus) or on the bus's reader thread.
   *
   * @return a handle whose {@link AutoCloseable#close()} stops the calls
   */
  Subscription subscribe(EventListener listener);

  /**
   * Reads the retained events after {@code lastEventId}.
   *
   * <p>The result is complete when the bus still retains {@code lastEventId} or the event just
   * before its oldest retained one. Otherwise (the id is older than the log, from another log,
   * or never issued) the result is a reset, and {@link Replay#latestId()} is the id from which a
   * client is in sync.
   *
   * @throws EventBusUnavailableException if the log cannot be read now
   */
  Replay replayAfter(EventId lastEventId);

  /** Returns the id of the newest published event, or null if none was published. */
  @Nullable EventId latestId();

  /** Returns whether the bus can publish and deliver now; health checks report it. */
  default boolean isAvailable() {
    return true;
  }

  /** Stops delivery and releases resources. A second call does nothing. */
  @Override
  void close();

  /** Receives published events; see {@link #subscribe(EventListener)}. */
  @FunctionalInterface
  interface EventListener {
    void onEvent(PublishedEvent event);
  }

  /** A registration made by {@link #subscribe(EventListener)}. */
  interface Subscription extends AutoCloseable {
    /** Stops calls to the listener. A second call does nothing. */
    @Override
    void close();
  }

  /**
   * The result of {@link #replayAfter(EventId)}.
   *
   * @param complete whether {@code events} contains everything after the requested id
   * @param events the retained events after the requested id, in id order; empty on a reset
   * @param latestId the newest published id when the log was read, or null if there is none
   */
  record Replay(boolean complete, List<PublishedEvent> events, @Nullable EventId latestId) {

    public Replay {
      events = List.copyOf(events);
    }

    /** Returns a reset result: the client's id cannot be resumed. */
    public static Replay reset(@Nullable EventId latestId) {
      return new Replay(false, List.of(), latestId);
    }
  }
}
