package io.ssekit.worker;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a publish did not succeed: the server could not be reached or timed out until
 * the retry policy gave up, the server rejected the event, or the publisher closed first. The
 * message names the cause, and for a rejection it carries the server's problem detail.
 */
public class PublishException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final @Nullable String detail;
  private final @Nullable String field;

  /** Creates an exception for an error response with HTTP status {@code status}. */
  public PublishException(String message, int status) {
    this(message, status, null, null, null);
  }

  /** Creates an exception for a request that got no response. */
  public PublishException(String message, Throwable cause) {
    this(message, 0, null, null, cause);
  }

  /**
   * Creates an exception.
   *
   * @param message what failed, on which server, and what to do
   * @param status the HTTP status of the server's response, or 0 if there was none
   * @param detail the {@code detail} of the server's problem response, or null
   * @param field the {@code field} of the server's problem response, relative to the events
   *     of the failed call, or null
   * @param cause the underlying failure, or null
   */
  public PublishException(
      String message, int status, @Nullable String detail, @Nullable String field,
      @Nullable Throwable cause) {
    super(message, cause);
    this.status = status;
    this.detail = detail;
    this.field = field;
  }

  /** Returns the HTTP status of the server's response, or 0 if there was none. */
  public int status() {
    return status;
  }

  /** Returns the server's problem detail, such as {@code progress is 150 (expected: ...)}, or null. */
  public @Nullable String detail() {
    return detail;
  }

  /**
   * Returns the field the server named, such as {@code progress} for a single event or
   * {@code events[1].progress} for the second event of a batch, or null.
   */
  public @Nullable String field() {
    return field;
  }

  /** Returns a copy with the stack of the calling thread, whose cause is this exception. */
  PublishException rethrownHere() {
    return new PublishException(getMessage(), status, detail, field, this);
  }
}
