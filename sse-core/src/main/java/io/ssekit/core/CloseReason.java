package io.ssekit.core;

/** The cause of a stream's end. */
public enum CloseReason {
  /** The client went away, or writing to it failed. */
  CLIENT_GONE,
  /** The client did not read fast enough and its queue reached a bound. */
  SLOW_CLIENT,
  /** The server is shutting down, and the stream's last frame set the client's reconnection time. */
  SHUTDOWN,
  /**
   * The event bus could not be read to replay what the client missed; the client was sent a
   * {@code retry:} hint and resumes with the same last event ID.
   */
  BUS_UNAVAILABLE,
  /** The server refused the stream because a connection limit was reached. */
  LIMIT
}
