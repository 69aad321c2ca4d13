package io.ssekit.servlet;

import io.ssekit.core.CloseReason;
import io.ssekit.core.SseStream;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one stream to an async servlet response with non-blocking I/O.
 *
 * <p>Draining runs either in the container's {@link #onWritePossible()} or on a broker writer
 * thread in {@link #onFramesAvailable()}, never both at once: the stream's hand-off protocol
 * gives the turn to one of them. A turn ends when the socket is not ready (the container then
 * calls {@code onWritePossible} again) or when {@link SseStream#finishDraining()} accepts.
 *
 * <p>Waiting frames are written together: one {@code write} of up to {@link #CHUNK_BYTES} of
 * joined frames, then one {@code flush} once the queue is empty.
 */
final class ServletSseTransport implements AsyncStreamTransport, WriteListener {

  /** Maximum bytes joined into one write; larger frames are written alone. */
  static final int CHUNK_BYTES = 16 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ServletSseTransport.class);

  private final AsyncContext asyncContext;
  private final ServletOutputStream out;

  // Written once, by the request thread, before the container calls the listeners.
  private volatile @Nullable SseStream stream;

  // Confined to the thread that has the draining turn.
  private boolean flushPending;

  ServletSseTransport(AsyncContext asyncContext, ServletOutputStream out) {
    this.asyncContext = asyncContext;
    this.out = out;
  }

  /** Binds the stream and starts the container's write callbacks; the first turn is ours. */
  @Override
  public void start(SseStream stream) {
    this.stream = stream;
    asyncContext.addListener(new StreamEndListener(stream));
    out.setWriteListener(this);
  }

  @Override
  public void onWritePossible() {
    drain();
  }

  @Override
  public void onFramesAvailable() {
    drain();
  }

  private void drain() {
    SseStream current = stream;
    if (current == null) {
      return;
    }
    try {
      while (out.isReady()) {
        byte[] chunk = current.poll(CHUNK_BYTES);
        if (chunk != null) {
          out.write(chunk);
          flushPending = true;
          continue;
        }
        if (flushPending) {
          flushPending = false;
          out.flush();
          continue;
        }
        if (current.isEndOfStream()) {
          current.close(current.closingReason());
          return;
        }
        if (current.finishDraining()) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("Write to stream {} failed: {}", current.id(), e.toString());
      current.close(CloseReason.CLIENT_GONE);
    }
  }

  @Override
  public void close(CloseReason reason) {
    try {
      asyncContext.complete();
    } catch (IllegalStateException alreadyCompleted) {
      // The container ended the response first (client gone or error).
    }
  }

  @Override
  public void onError(Throwable failure) {
    SseStream current = stream;
    if (current != null && !current.isClosed()) {
      log.debug("Stream {} ended: write failed: {}", current.id(), failure.toString());
      current.close(CloseReason.CLIENT_GONE);
    }
  }
}
