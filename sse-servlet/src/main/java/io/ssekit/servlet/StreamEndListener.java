package io.ssekit.servlet;

import io.ssekit.core.CloseReason;
import io.ssekit.core.SseStream;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a stream as {@link CloseReason#CLIENT_GONE} when the container ends its async request:
 * completed, timed out or failed. Transports add one to their {@code AsyncContext} when they
 * start, so that a stream never outlives its response.
 */
public final class StreamEndListener implements AsyncListener {

  private static final Logger log = LoggerFactory.getLogger(StreamEndListener.class);

  private final SseStream stream;

  public StreamEndListener(SseStream stream) {
    this.stream = stream;
  }

  @Override
  public void onComplete(AsyncEvent event) {
    closeStream("response completed");
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    closeStream("async timeout");
  }

  @Override
  public void onError(AsyncEvent event) {
    closeStream("async error: " + event.getThrowable());
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // The stream never restarts async processing.
  }

  private void closeStream(String cause) {
    if (!stream.isClosed()) {
      log.debug("Stream {} ended: {}", stream.id(), cause);
      stream.close(CloseReason.CLIENT_GONE);
    }
  }
}
