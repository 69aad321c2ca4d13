package io.ssekit.examples.embedded;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventBusUnavailableException;
import io.ssekit.core.EventDraft;
import io.ssekit.core.EventJson;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.SseBroker;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host application's own endpoint: {@code POST} with the form field {@code video_id}
 * queues a video. It publishes a {@code video.status} event ({@code queued}, progress 0)
 * in-process through the broker, without an HTTP hop, so every open stream receives it at once.
 * Responds 202 with {@code {"id":"..."}}, the event's id.
 *
 * <p>This is where a real application would store the video and hand it to a worker; the
 * workers then publish the later statuses through the broadcast endpoint.
 */
final class VideoSubmissionServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private static final Logger log = LoggerFactory.getLogger(VideoSubmissionServlet.class);

  private final transient SseBroker broker;
  private final transient Clock clock;

  VideoSubmissionServlet(SseBroker broker, Clock clock) {
    this.broker = broker;
    this.clock = clock;
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String videoId = request.getParameter("video_id");
    if (videoId == null || videoId.isBlank()) {
      problem(response, 400, "the form field video_id is missing (expected: video_id=<id>)");
      return;
    }
    VideoStatusEvent queued;
    try {
      queued = VideoStatusEvent.of(clock.instant(), videoId.trim(), VideoStatus.QUEUED, 0);
    } catch (IllegalArgumentException e) {
      problem(response, 400, e.getMessage());
      return;
    }
    List<PublishedEvent> published;
    try {
      published = broker.publish(List.of(EventDraft.of(queued)));
    } catch (EventBusUnavailableException e) {
      response.setHeader("Retry-After", "1");
      problem(response, 503, "the event bus is unavailable: " + e.getMessage() + "; retry later");
      return;
    }
    String id = published.get(0).id().toString();
    log.info("Queued video {} as event {}", queued.videoId(), id);
    ObjectNode body = EventJson.mapper().createObjectNode();
    body.put("id", id);
    send(response, 202, "application/json", body);
  }

  private static void problem(HttpServletResponse response, int status, String detail) throws IOException {
    ObjectNode body = EventJson.mapper().createObjectNode();
    body.put("type", "about:blank");
    body.put("status", status);
    body.put("detail", detail);
    send(response, status, "application/problem+json", body);
  }

  private static void send(HttpServletResponse response, int status, String contentType, ObjectNode body)
      throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType(contentType);
    response.setCharacterEncoding("utf-8");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
