package io.ssekit.servlet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.ssekit.core.EventJson;
import io.ssekit.core.EventId;
import io.ssekit.core.VideoStatusStore;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The latest status of each video, mapped at {@code <path>/*}.
 *
 * <ul>
 *   <li>{@code GET <path>}: 200 with {@code {"last_event_id":"...","videos":[...]}}, each
 *       element the {@code data} JSON of a video's latest {@code video.status} event exactly
 *       as published, most recently updated first. {@code last_event_id} is the newest event
 *       id the store had seen, or null; a stream opened with it as its last event ID carries
 *       every later event.
 *   <li>{@code GET <path>/{id}}: 200 with that video's latest {@code data} JSON, or 404.
 *   <li>{@code DELETE <path>/{id}}: removes the video from the store until its next status
 *       event, with 204, or 404 for an unknown video. It changes only this server's snapshot, and publishes nothing.
 * </ul>
 *
 * <p>Note: a video id containing {@code /} is listed, but cannot be addressed by
 * {@code <path>/{id}}, because containers reject an encoded {@code /} in a path.
 */
final class VideoStatusServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final transient VideoStatusStore store;

  VideoStatusServlet(VideoStatusStore store) {
    this.store = store;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    switch (request.getMethod()) {
      case "GET", "HEAD", "OPTIONS", "DELETE" -> super.service(request, response);
      default -> {
        response.setHeader("Allow", "GET, HEAD, OPTIONS, DELETE");
        ProblemResponse.send(response, 405,
            "method " + request.getMethod() + " is not supported here (expected: GET to read"
                + " statuses, DELETE to forget one video)", null);
      }
    }
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String videoId = videoId(request);
    if (videoId == null) {
      sendList(response);
      return;
    }
    VideoStatusStore.VideoState state = store.get(videoId);
    if (state == null) {
      sendUnknown(response, videoId);
      return;
    }
    JsonResponse.send(response, 200, new RawValue(state.data()));
  }

  @Override
  protected void doDelete(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String videoId = videoId(request);
    if (videoId == null) {
      response.setHeader("Allow", "GET, HEAD, OPTIONS");
      ProblemResponse.send(response, 405,
          "the whole list cannot be deleted (expected: DELETE on one video's path)", null);
      return;
    }
    if (!store.remove(videoId)) {
      sendUnknown(response, videoId);
      return;
    }
    response.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  private void sendList(HttpServletResponse response) throws IOException {
    VideoStatusStore.Snapshot snapshot = store.snapshot();
    ObjectNode body = EventJson.mapper().createObjectNode();
    EventId lastEventId = snapshot.lastEventId();
    body.put("last_event_id", lastEventId == null ? null : lastEventId.toString());
    ArrayNode videos = body.putArray("videos");
    for (VideoStatusStore.VideoState state : snapshot.videos()) {
      // The data was validated JSON when it was published, so it is copied without parsing.
      videos.addRawValue(new RawValue(state.data()));
    }
    JsonResponse.send(response, 200, body);
  }

  private static void sendUnknown(HttpServletResponse response, String videoId) throws IOException {
    ProblemResponse.send(response, 404,
        "video \"" + abbreviate(videoId) + "\" is not known: no video.status event for it was"
            + " seen since the server started, or it was removed (expected: a video_id from"
            + " the list)", "video_id");
  }

  /** Returns the id after the servlet's path, or null for the list itself. */
  private static @Nullable String videoId(HttpServletRequest request) {
    String pathInfo = request.getPathInfo();
    if (pathInfo == null || pathInfo.equals("/")) {
      return null;
    }
    return pathInfo.substring(1);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
