package io.ssekit.worker;

/**
 * Thrown by a publish call when the publisher's buffer stayed full for the configured
 * maximum blocking time. Nothing was queued; the events server is down or slower than the
 * worker, and the caller may drop the event, retry later or slow down.
 */
public class BufferFullException extends PublishException {

  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public BufferFullException(String message) {
    super(message, 0);
  }
}
