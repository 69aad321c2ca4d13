package io.ssekit.jetty;

import io.ssekit.core.CloseReason;
import io.ssekit.core.SseStream;
import io.ssekit.servlet.AsyncStreamTransport;
import io.ssekit.servlet.StreamEndListener;
import jakarta.servlet.AsyncContext;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one stream to Jetty's core {@link Response}, or as chunks straight to the connection's
 * {@link EndPoint}; see {@link JettyStreamTransports}.
 *
 * <p>The first write is an empty {@link Response#write(boolean, ByteBuffer, Callback)}, which
 * sends the status line and headers. With an end point, every chunk of frames then goes out as
 * one buffer with the chunk's size line, the frames and the closing line break. The buffer is
 * flushed straight to the socket, and only what a full socket does not take waits in the end
 * point's write. Jetty has written no chunk of its own, so when the stream ends and the servlet
 * response completes, its last chunk follows ours.
 *
 * <p>One drain loop writes at a time. It runs on the thread that gets the stream's draining turn
 * ({@link #start} or {@link #onFramesAvailable}), and after a write that completes later, on the
 * thread that completes it. The {@link #state} field hands the loop over without locks:
 * {@code WRITING} marks a write whose completion is not known yet, so a completion inside the
 * write call lets the loop go on without recursion, and {@code PENDING} one that completes later.
 * {@link #close} completes the servlet response only when no loop runs and no write is pending;
 * otherwise the loop does it when it finds the stream closed, so Jetty's last write never
 * overlaps one of ours.
 */
final class JettyStreamTransport implements AsyncStreamTransport, Callback {

  /** Maximum bytes joined into one write; larger frames are written alone. */
  static final int CHUNK_BYTES = 16 * 1024;

  private static final Logger log = LoggerFactory.getLogger(JettyStreamTransport.class);

  // Values of state.
  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int WRITING = 2;
  private static final int PENDING = 3;
  private static final int COMPLETED = 4;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(JettyStreamTransport.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final AsyncContext asyncContext;
  private final Response response;
  // The connection to write chunks to, or null to write through the response.
  private final @Nullable EndPoint chunkedEndPoint;

  @SuppressWarnings("unused") // Accessed through STATE.
  private volatile int state = IDLE;

  // Written once, by the request thread, before the first loop.
  private volatile @Nullable SseStream stream;

  // Confined to the thread that runs the loop; the hand-over through state orders it.
  private boolean committed;

  JettyStreamTransport(AsyncContext asyncContext, Response response, @Nullable EndPoint chunkedEndPoint) {
    this.asyncContext = asyncContext;
    this.response = response;
    this.chunkedEndPoint = chunkedEndPoint;
  }

  @Override
  public void start(SseStream stream) {
    this.stream = stream;
    asyncContext.addListener(new StreamEndListener(stream));
    onFramesAvailable();
  }

  @Override
  public void onFramesAvailable() {
    // Fails only once the response is completed: the broker gives the turn to one thread.
    if (STATE.compareAndSet(this, IDLE, RUNNING)) {
      drain();
    }
  }

  @Override
  public void close(CloseReason reason) {
    if (STATE.compareAndSet(this, IDLE, COMPLETED)) {
      completeResponse();
    }
    // Otherwise a loop runs or a write is pending: it finds the stream closed and completes.
  }

  /** Continues the loop after a write, here unless the writing thread still runs it. */
  @Override
  public void succeeded() {
    if (!STATE.compareAndSet(this, WRITING, RUNNING)) {
      state = RUNNING;
      drain();
    }
  }

  /** Closes the stream after a failed write, because the client is gone, then continues the loop. */
  @Override
  public void failed(Throwable failure) {
    SseStream current = stream;
    if (current != null) {
      closeAfterFailedWrite(current, failure);
    }
    succeeded();
  }

  private static void closeAfterFailedWrite(SseStream current, Throwable failure) {
    log.debug("Write to stream {} failed: {}", current.id(), failure.toString());
    current.close(CloseReason.CLIENT_GONE);
  }

  /** Runs the loop; the caller has set state to RUNNING. */
  private void drain() {
    SseStream current = stream;
    try {
      while (true) {
        if (current.isClosed()) {
          complete();
          return;
        }
        byte[] chunk = committed ? current.poll(CHUNK_BYTES) : null;
        if (chunk != null || !committed) {
          // A write that completed inside the call leaves state RUNNING, so this loop goes on.
          if (!write(current, chunk) && STATE.compareAndSet(this, WRITING, PENDING)) {
            return;
          }
          continue;
        }
        state = IDLE;
        if (current.finishDraining()) {
          // The turn is over. A close that ran before IDLE was set left the completion to us.
          if (current.isClosed() && STATE.compareAndSet(this, IDLE, COMPLETED)) {
            completeResponse();
          }
          return;
        }
        // Frames arrived or the stream is closing, and the turn is still ours, unless a close
        // completed the response meanwhile.
        if (!STATE.compareAndSet(this, IDLE, RUNNING)) {
          return;
        }
        if (current.isEndOfStream()) {
          current.close(current.closingReason());
        }
      }
    } catch (RuntimeException e) {
      log.warn("Stream {} failed while writing", current.id(), e);
      current.close(CloseReason.CLIENT_GONE);
      complete();
    }
  }

  /**
   * Writes {@code frames} as one chunk straight to the socket, as far as the socket takes them.
   * Returns the bytes still to write in a buffer that no other write reuses, or null if nothing
   * is left: the whole chunk went out, or the write failed and closed the stream.
   *
   * <p>Calling {@link EndPoint#flush} here rather than {@link EndPoint#write} spares every
   * delivery the end point's write state machine: the loop is the only writer, and only a socket
   * that is full needs the end point to wait for it.
   */
  private @Nullable ByteBuffer flushChunk(SseStream current, byte[] frames, EndPoint endPoint) {
    ChunkBuffer chunkBuffer = ChunkBuffer.forThread();
    ByteBuffer chunk = chunkBuffer.encode(frames);
    try {
      if (endPoint.flush(chunk)) {
        return null;
      }
    } catch (IOException e) {
      closeAfterFailedWrite(current, e);
      return null;
    }
    if (!chunkBuffer.isReused(chunk)) {
      return chunk;
    }
    // The thread's next chunk overwrites its buffer, so the rest needs a copy.
    ByteBuffer rest = ByteBuffer.allocate(chunk.remaining());
    rest.put(chunk).flip();
    return rest;
  }

  /**
   * Writes {@code frames}, or the status line and headers if null. Returns true if the write is
   * done, or false if it was handed to Jetty with state {@code WRITING}. Jetty then reports its
   * end through {@link #succeeded} or {@link #failed}, maybe before this method returns.
   */
  private boolean write(SseStream current, byte @Nullable [] frames) {
    EndPoint endPoint = chunkedEndPoint;
    if (frames != null && endPoint != null) {
      ByteBuffer rest = flushChunk(current, frames, endPoint);
      if (rest == null) {
        return true;
      }
      state = WRITING;
      endPoint.write(this, rest);
      return false;
    }
    state = WRITING;
    if (frames == null) {
      // Sends the status line and headers alone, so that Jetty writes no chunk of its own
      // before ours.
      committed = true;
      response.write(false, BufferUtil.EMPTY_BUFFER, this);
    } else {
      response.write(false, ByteBuffer.wrap(frames), this);
    }
    return false;
  }

  private void complete() {
    state = COMPLETED;
    completeResponse();
  }

  private void completeResponse() {
    try {
      asyncContext.complete();
    } catch (IllegalStateException alreadyCompleted) {
      // The container ended the response first (client gone or error).
    }
  }
}
