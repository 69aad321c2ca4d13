package io.ssekit.jetty;

import io.ssekit.servlet.AsyncStreamTransport;
import jakarta.servlet.AsyncContext;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Response;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event stream transports for Jetty 12 (ee10) that write below the Servlet API.
 *
 * <p>Hand {@link #factory()} to {@code SseEndpoints.Builder.transports}. Each stream's response
 * is then committed through Jetty's core {@link Response}, and on an HTTP/1.1 {@code GET} every
 * chunk of frames goes straight to the connection's {@link EndPoint}: one socket write per chunk,
 * without the servlet output stream's buffering, state machine and wrappers, which cost more CPU
 * per event than the write itself. Other requests (HTTP/2, HTTP/1.0, {@code HEAD}) write through
 * the core response. Everything before the first write, such as filters, headers and
 * validation, stays with the servlet.
 */
public final class JettyStreamTransports {

  private static final Logger log = LoggerFactory.getLogger(JettyStreamTransports.class);

  private static final AtomicBoolean warnedNotJetty = new AtomicBoolean();

  private JettyStreamTransports() {}

  /**
   * Returns the factory. In a Jetty 12 ee10 servlet context it creates the Jetty transport; in
   * any other container it logs a warning once and falls back to
   * {@link AsyncStreamTransport#servletIo()}. Thread-safe.
   */
  public static AsyncStreamTransport.Factory factory() {
    AsyncStreamTransport.Factory fallback = AsyncStreamTransport.servletIo();
    return asyncContext -> {
      ServletContextRequest request = jettyRequest(asyncContext);
      if (request == null) {
        return fallback.create(asyncContext);
      }
      // The response under the context's wrappers, which add nothing an event stream needs.
      Response response = Response.getOriginalResponse(request.getServletContextResponse());
      return new JettyStreamTransport(asyncContext, response, chunkedEndPoint(request, response));
    };
  }

  private static @Nullable ServletContextRequest jettyRequest(AsyncContext asyncContext) {
    ServletContextRequest request;
    try {
      request = ServletContextRequest.getServletContextRequest(asyncContext.getRequest());
    } catch (IllegalStateException notJetty) {
      request = null;
    }
    if (request == null && warnedNotJetty.compareAndSet(false, true)) {
      log.warn("The request of an event stream is not a Jetty 12 ee10 servlet request;"
          + " streams use non-blocking Servlet I/O instead of Jetty's core response");
    }
    return request;
  }

  /**
   * Returns the connection's end point if this response goes out in the chunked transfer coding
   * on a connection of its own, or null. That holds for an HTTP/1.1 {@code GET} once the response
   * carries {@code Transfer-Encoding: chunked}, which Jetty then uses even when the client asked
   * to close the connection afterwards.
   *
   * <p>NOTE: this relies on how Jetty 12.1 frames an HTTP/1.1 response (the header as a hint to
   * chunk, no chunk for an empty write, the last chunk at completion). The module's tests check
   * the exact bytes on the wire, so run them after a Jetty upgrade. The path for HTTP/2 has no
   * test here, because the standalone server has no HTTP/2 connector.
   */
  private static @Nullable EndPoint chunkedEndPoint(ServletContextRequest request, Response response) {
    ConnectionMetaData connection = request.getConnectionMetaData();
    if (connection.getHttpVersion() != HttpVersion.HTTP_1_1 || !HttpMethod.GET.is(request.getMethod())) {
      return null;
    }
    response.getHeaders().put(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
    return connection.getConnection().getEndPoint();
  }
}
