package io.ssekit.worker;

/**
 * Thrown when a publish did not succeed: the server could not be reached, timed out, or
 * answered with an error status. The message says which, with the server's detail.
 */
public class PublishException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  /** Creates an exception for an error answer with HTTP status {@code status}. */
  public PublishException(String message, int status) {
    super(message);
    this.status = status;
  }

  /** Creates an exception for a request that got no answer. */
  public PublishException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  /** Returns the HTTP status of the answer, or 0 if there was none. */
  public int status() {
    return status;
  }
}
