package io.ssekit.servlet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventBusUnavailableException;
import io.ssekit.core.EventDraft;
import io.ssekit.core.EventJson;
import io.ssekit.core.InvalidEventException;
import io.ssekit.core.PublishRequestParser;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.SseBroker;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST} publishes one event or a batch for workers, and responds 202 with
 * {@code {"ids":[...]}} in request order.
 *
 * <p>With a token set, the request must carry {@code Authorization: Bearer <token>}; the
 * comparison takes the same time wherever the tokens differ. Without a token, only clients on
 * a loopback address may publish. The body must be {@code application/json} of at most the
 * configured size, and is validated whole before anything is published.
 */
final class BroadcastServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private static final Logger log = LoggerFactory.getLogger(BroadcastServlet.class);

  private final transient SseBroker broker;
  private final transient PublishRequestParser parser;
  private final byte @Nullable [] token;
  private final int maxBodyBytes;
  private final transient RejectionLog rejections = new RejectionLog();

  BroadcastServlet(SseBroker broker, PublishRequestParser parser, @Nullable String token, int maxBodyBytes) {
    this.broker = broker;
    this.parser = parser;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!isAuthorized(request, response)) {
      return;
    }
    if (!isJson(request.getContentType())) {
      reject(request, response, 415,
          "Content-Type is " + describe(request.getContentType())
              + " (expected: application/json)", "Content-Type");
      return;
    }
    byte[] body = readBody(request);
    if (body == null) {
      reject(request, response, 413,
          "the body is larger than " + maxBodyBytes + " bytes (expected: at most " + maxBodyBytes
              + "; send fewer events per request)", null);
      return;
    }
    List<EventDraft> drafts;
    try {
      drafts = parser.parse(body);
    } catch (InvalidEventException e) {
      reject(request, response, 400, e.getMessage(), e.field());
      return;
    }
    publish(request, response, drafts);
  }

  private void publish(HttpServletRequest request, HttpServletResponse response, List<EventDraft> drafts)
      throws IOException {
    List<PublishedEvent> published;
    try {
      // Through the broker, so that nothing is acknowledged after shutdown closed the streams.
      published = broker.publish(drafts);
    } catch (EventBusUnavailableException e) {
      broker.metrics().publishRejected(503);
      long suppressed = rejections.admit("publish 503");
      if (suppressed >= 0) {
        log.warn("Publish from {} failed: {}{}",
            request.getRemoteAddr(), e.getMessage(), RejectionLog.suppressedSuffix(suppressed));
      }
      response.setHeader("Retry-After", "1");
      ProblemResponse.send(response, 503,
          "the event bus is unavailable: " + e.getMessage() + "; retry later with the same"
              + " idempotency keys, which publish each event at most once",
          null);
      return;
    }
    ObjectNode answer = EventJson.mapper().createObjectNode();
    ArrayNode ids = answer.putArray("ids");
    for (PublishedEvent event : published) {
      ids.add(event.id().toString());
    }
    JsonResponse.send(response, 202, answer);
  }

  private boolean isAuthorized(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (token == null) {
      // A reverse proxy on this host connects from loopback on behalf of remote clients.
      if (isLoopback(request.getRemoteAddr()) && !isForwarded(request)) {
        return true;
      }
      reject(request, response, 403,
          "publishing without a token is allowed only from loopback and not through a proxy"
              + " (expected: set a broadcast token on the server and send it as Authorization:"
              + " Bearer <token>)", null);
      return false;
    }
    String header = request.getHeader("Authorization");
    byte[] presented = bearerToken(header);
    // MessageDigest.isEqual runs in time independent of where the arrays differ.
    if (presented != null && MessageDigest.isEqual(presented, token)) {
      return true;
    }
    response.setHeader("WWW-Authenticate", "Bearer");
    reject(request, response, 401,
        header == null
            ? "the Authorization header is missing (expected: Authorization: Bearer <token>)"
            : "the bearer token is not valid (expected: the server's broadcast token)",
        "Authorization");
    return false;
  }

  private static byte @Nullable [] bearerToken(@Nullable String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
  }

  private byte @Nullable [] readBody(HttpServletRequest request) throws IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxBodyBytes) {
      return null;
    }
    try (InputStream in = request.getInputStream()) {
      byte[] body = in.readNBytes(maxBodyBytes + 1);
      return body.length > maxBodyBytes ? null : body;
    }
  }

  private static boolean isJson(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mediaType.equals("application/json");
  }

  private static boolean isForwarded(HttpServletRequest request) {
    return request.getHeader("Forwarded") != null
        || request.getHeader("X-Forwarded-For") != null
        || request.getHeader("X-Real-IP") != null;
  }

    private static boolean isLoopback(String address) {
    try {
      // The remote address is numeric, so no name lookup happens.
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String describe(@Nullable String contentType) {
    return contentType == null ? "missing" : "\"" + contentType + "\"";
  }

  private void reject(
      HttpServletRequest request, HttpServletResponse response, int status, String detail,
      @Nullable String field) throws IOException {
    broker.metrics().publishRejected(status);
    long suppressed = rejections.admit("publish " + status);
    if (suppressed >= 0) {
      log.info("Rejected publish from {}: {} {}{}",
          request.getRemoteAddr(), status, detail, RejectionLog.suppressedSuffix(suppressed));
    }
    ProblemResponse.send(response, status, detail, field);
  }
}
