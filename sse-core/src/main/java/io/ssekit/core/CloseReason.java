package io.ssekit.core;

/** Why a stream ended. */
public enum CloseReason {
  /** The client went away, or writing to it failed. */
  CLIENT_GONE,
  /** The client did not read fast enough and its queue reached a bound. */
  SLOW_CLIENT,
  /** The server is shutting down; the client was told when to reconnect. */
  SHUTDOWN,
  /** The server refused the stream because a connection limit was reached. */
  LIMIT
}
