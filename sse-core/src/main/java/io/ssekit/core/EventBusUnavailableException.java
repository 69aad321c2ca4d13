package io.ssekit.core;

/** Thrown when an event bus cannot publish or read now, for example while Redis is down. */
public class EventBusUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public EventBusUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public EventBusUnavailableException(String message) {
    super(message);
  }
}
