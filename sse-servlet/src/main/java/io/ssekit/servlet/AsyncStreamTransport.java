package io.ssekit.servlet;

import io.ssekit.core.SseStream;
import io.ssekit.core.SseTransport;
import jakarta.servlet.AsyncContext;
import java.io.IOException;

/**
 * The transport of one event stream whose servlet request went async.
 *
 * <p>The stream servlet creates one per request with a {@link Factory}, opens the stream with
 * it and then calls {@link #start(SseStream)}. The default factory, {@link #servletIo()},
 * writes with non-blocking Servlet I/O and works in any Servlet 6 container; a container's
 * adapter can write below the Servlet API instead (see the {@code sse-jetty} module).
 */
public interface AsyncStreamTransport extends SseTransport {

  /**
   * Binds the opened stream and starts writing it. The first draining turn belongs to the
   * transport, as {@link SseStream} describes. Called once, on the request thread.
   */
  void start(SseStream stream);

  /** Returns the factory of the portable transport: non-blocking Servlet I/O. */
  static Factory servletIo() {
    return asyncContext ->
        new ServletSseTransport(asyncContext, asyncContext.getResponse().getOutputStream());
  }

  /** Creates the transport of each stream. Implementations must be thread-safe. */
  @FunctionalInterface
  interface Factory {

    /**
     * Creates the transport for a request that went async. The response has its status and
     * headers and nothing has been written yet. Called on the request thread.
     *
     * @throws IOException if the response cannot be written
     */
    AsyncStreamTransport create(AsyncContext asyncContext) throws IOException;
  }
}
