package io.ssekit.core;

/**
 * Thrown by {@link SseBroker#open} when opening another stream would pass a connection limit.
 * The adapter should respond so that the client retries later.
 */
public class StreamLimitException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StreamLimitException(String message) {
    super(message);
  }
}
