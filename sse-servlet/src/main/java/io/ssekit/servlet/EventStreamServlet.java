package io.ssekit.servlet;

import io.ssekit.core.EventType;
import io.ssekit.core.SseBroker;
import io.ssekit.core.SseStream;
import io.ssekit.core.StreamFilter;
import io.ssekit.core.StreamLimitException;
import io.ssekit.core.StreamRequest;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET} opens an event stream.
 *
 * <p>Query parameters: {@code video_id} (repeatable, or comma-separated) narrows the stream to
 * those videos, {@code types} (repeatable, or comma-separated) to those event types, and
 * {@code last_event_id} replaces the {@code Last-Event-ID} header for clients that cannot
 * set headers; the header wins when both are present. {@code compact=true} makes a replay send
 * only the newest retained event of each conflation key, plus the events that are never
 * conflated.
 *
 * <p>A stream refused for capacity or shutdown still gets status 200 with a {@code retry:}
 * hint and is closed at once: an {@code EventSource} stops reconnecting for good on any other
 * status, and this way it tries again after the hint.
 */
final class EventStreamServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private static final Logger log = LoggerFactory.getLogger(EventStreamServlet.class);

  private final transient SseBroker broker;
  private final transient AsyncStreamTransport.Factory transports;
  private final int maxVideoFilters;
  private final int maxTypeFilters;
  private final transient RejectionLog rejections = new RejectionLog();

  EventStreamServlet(
      SseBroker broker, AsyncStreamTransport.Factory transports, int maxVideoFilters, int maxTypeFilters) {
    this.broker = broker;
    this.transports = transports;
    this.maxVideoFilters = maxVideoFilters;
    this.maxTypeFilters = maxTypeFilters;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    StreamFilter filter;
    boolean compactReplay;
    try {
      filter = parseFilter(request);
      compactReplay = isCompactReplay(request);
    } catch (IllegalArgumentException e) {
      long suppressed = rejections.admit("stream 400");
      if (suppressed >= 0) {
        log.info("Rejected stream request from {}: {}{}",
            request.getRemoteAddr(), e.getMessage(), RejectionLog.suppressedSuffix(suppressed));
      }
      ProblemResponse.send(response, 400, e.getMessage(), fieldOf(e));
      return;
    }
    writeStreamHeaders(response);
    AsyncContext asyncContext = request.startAsync();
    // An event stream has no natural end; the heartbeat finds dead clients instead.
    asyncContext.setTimeout(0);
    AsyncStreamTransport transport = transports.create(asyncContext);
    StreamRequest streamRequest =
        new StreamRequest(filter, lastEventId(request), request.getRemoteAddr(), compactReplay);
    SseStream stream;
    try {
      stream = broker.open(transport, streamRequest);
    } catch (StreamLimitException e) {
      refuse(request, asyncContext, response.getOutputStream(), e);
      return;
    }
    transport.start(stream);
  }

  /**
   * Sends the headers a {@code GET} gets, or 400 for a query it would reject, and opens no stream.
   * A response without a body cannot carry events, and a stream that is never written would
   * never notice that its client left.
   */
  @Override
  protected void doHead(HttpServletRequest request, HttpServletResponse response) {
    try {
      parseFilter(request);
      isCompactReplay(request);
    } catch (IllegalArgumentException e) {
      response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
      return;
    }
    writeStreamHeaders(response);
  }

  private void refuse(
      HttpServletRequest request, AsyncContext asyncContext, ServletOutputStream out,
      StreamLimitException reason) throws IOException {
    // The key never contains the message, because that may name the client's address.
    long suppressed = rejections.admit(broker.isShuttingDown() ? "stream shutdown" : "stream limit");
    if (suppressed >= 0) {
      log.info("Rejected stream for {}: {}; sent a retry hint{}",
          request.getRemoteAddr(), reason.getMessage(), RejectionLog.suppressedSuffix(suppressed));
    }
    try {
      // No write listener is set, so this is an ordinary blocking write of a few bytes.
      out.write(broker.retryFrame().bytes());
      out.flush();
    } finally {
      asyncContext.complete();
    }
  }

  private static void writeStreamHeaders(HttpServletResponse response) {
    response.setStatus(HttpServletResponse.SC_OK);
    response.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    // Tells nginx not to buffer the stream.
    response.setHeader("X-Accel-Buffering", "no");
  }

  private StreamFilter parseFilter(HttpServletRequest request) {
    Set<String> videoIds = splitValues(request.getParameterValues("video_id"));
    if (videoIds.size() > maxVideoFilters) {
      throw new FilterException(
          "video_id",
          "video_id names " + videoIds.size() + " videos (expected: at most " + maxVideoFilters
              + "; open a stream without video_id to receive every video)");
    }
    Set<String> types = splitValues(request.getParameterValues("types"));
    if (types.size() > maxTypeFilters) {
      throw new FilterException(
          "types", "types names " + types.size() + " types (expected: at most " + maxTypeFilters + ")");
    }
    for (String type : types) {
      if (!EventType.isValidName(type)) {
        throw new FilterException(
            "types", "types contains \"" + abbreviate(type) + "\", which is not an event type name"
                + " (expected: [a-z][a-z0-9_.-]*)");
      }
    }
    return new StreamFilter(videoIds, types);
  }

  private static Set<String> splitValues(String @Nullable [] values) {
    Set<String> result = new LinkedHashSet<>();
    if (values == null) {
      return result;
    }
    for (String value : values) {
      for (String part : value.split(",", -1)) {
        String trimmed = part.trim();
        if (!trimmed.isEmpty()) {
          result.add(trimmed);
        }
      }
    }
    return result;
  }

  private static boolean isCompactReplay(HttpServletRequest request) {
    String value = request.getParameter("compact");
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw new FilterException("compact", "compact is \"" + abbreviate(value) + "\" (expected: true or false)");
  }

    private static @Nullable String lastEventId(HttpServletRequest request) {
    String header = request.getHeader("Last-Event-ID");
    return header != null ? header : request.getParameter("last_event_id");
  }

  private static @Nullable String fieldOf(IllegalArgumentException e) {
    return e instanceof FilterException filterException ? filterException.field : null;
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  /** A query parameter that does not pass the stream's limits. */
  private static final class FilterException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;

    FilterException(String field, String message) {
      super(message);
      this.field = field;
    }
  }
}
