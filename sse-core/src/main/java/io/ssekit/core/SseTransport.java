package io.ssekit.core;

/**
 * The server side of one open stream, implemented by a server adapter (Servlet, Netty, ...).
 *
 * <p>The broker never writes to a socket itself. It calls {@link #onFramesAvailable()} when a
 * stream that was idle gets frames, and the adapter then drains them with
 * {@link SseStream#poll(int)} whenever its socket can take more bytes, without blocking.
 */
public interface SseTransport {

  /**
   * Starts draining the stream. Called on a broker writer thread, never twice for one idle
   * period: the next call comes only after {@link SseStream#finishDraining()} returned true.
   * Must not block.
   */
  void onFramesAvailable();

  /**
   * Ends the response. Called at most once per stream, from any thread, after the stream is
   * closed; the adapter must not call back into the broker for this stream. Must not block.
   *
   * @param reason why the stream ends; {@link CloseReason#CLIENT_GONE} means the adapter
   *     reported the end itself and only needs to release resources
   */
  void close(CloseReason reason);
}
