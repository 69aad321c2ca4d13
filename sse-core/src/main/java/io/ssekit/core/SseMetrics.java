package io.ssekit.core;

/**
 * Receives what a broker does, for metrics. Every method has an empty default, and
 * {@link #NONE} (the broker's default) does nothing, so a broker without metrics pays only for
 * a few empty calls.
 *
 * <p>Implementations must be safe for concurrent use: the broker calls them from the threads
 * that open and close streams, publish, write and send heartbeats, and calls may overlap. Each
 * call must be cheap and must not block, because it runs on those threads. A report that
 * throws is logged once by the broker and does not stop the work it reports.
 *
 * <p>The broker reports each event once, where it is decided, never per byte or per stream in
 * the fan-out loop: written frames are reported once per chunk handed to a transport.
 */
public interface SseMetrics {

  /** The implementation that records nothing. */
  SseMetrics NONE = new SseMetrics() {};

  /**
   * Called once by {@link SseBroker.Builder#build()} with the new broker, right after it
   * started, so that an implementation can register gauges that read it, such as
   * {@link SseBroker#connectedClients()} and {@link SseBroker#queuedFrames()}. Unlike the
   * other methods, an exception here propagates: {@code build()} shuts the broker down and
   * throws it.
   */
  default void bind(SseBroker broker) {}

  /** Called when a stream is registered. */
  default void streamOpened() {}

  /**
   * Called when a registered stream closes, once per stream. {@code reason} is never
   * {@link CloseReason#LIMIT}: a refused stream is reported by {@link #streamRejected}.
   */
  default void streamClosed(CloseReason reason) {}

  /**
   * Called when the broker refuses a stream: {@link CloseReason#LIMIT} when a connection limit
   * is reached, {@link CloseReason#SHUTDOWN} while shutting down. The adapter then sends the
   * client a {@code retry:} hint and ends the response.
   */
  default void streamRejected(CloseReason reason) {}

  /** Called once for each event the broker receives from its bus, before the fan-out. */
  default void eventPublished() {}

  /**
   * Called when a transport takes a chunk of frames to write. {@code frames} counts all frames
   * in it, {@code events} those with an id (live or replayed events, not heartbeats or retry
   * hints), and {@code bytes} is the chunk's size.
   */
  default void framesWritten(int frames, int events, int bytes) {}

  /** Called when a reconnecting client's events are replayed after its last event ID. */
  default void replayServed(int events) {}

  /**
   * Called when a reconnecting client's last event ID cannot be resumed (too old, unknown or
   * malformed) and it gets a {@code stream.reset} event instead of a replay.
   */
  default void replayReset() {}

  /** Called when a replay fails because the event bus cannot be read; the client retries. */
  default void replayFailed() {}

  /**
   * Called by an adapter when it rejects a publish request with HTTP status {@code status}
   * (such as 400, 401, 403, 413, 415 or 503); nothing of that request was published.
   */
  default void publishRejected(int status) {}

  /**
   * Called after each scheduled heartbeat with how late it ran: the time between its
   * scheduled and its actual start, in nanoseconds, never negative. A growing lag means the
   * heartbeat thread cannot keep up.
   */
  default void heartbeatSent(long lagNanos) {}

  /**
   * Called when a stream that fell behind drops an undelivered event because a newer event with
   * the same conflation key replaced it. Called on the publishing thread, under no lock.
   */
  default void eventConflated() {}
}
