package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.EventPublisher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The video status snapshot endpoints, and a snapshot followed by a stream, on a real server. */
class VideoStatusEndToEndTest {

  private static final Instant NOON = Instant.parse("2025-11-05T12:00:00Z");

  private final HttpClient http = HttpClient.newHttpClient();
  private EventServer server;
  private EventPublisher publisher;

  @BeforeEach
  void startServer() throws Exception {
    server = new EventServer(ServerConfig.fromSources(
        Map.of("PORT", "0", "HOST", "127.0.0.1", "HEARTBEAT_INTERVAL", "0.5", "MAX_TRACKED_VIDEOS", "2"),
        List.of()));
    server.start();
    publisher = EventPublisher.builder(baseUrl()).timeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stopServer() {
    publisher.close();
    server.stop();
  }

  @Test
  void emptyListHasNullLastEventId() throws Exception {
    HttpResponse<String> response = get("/api/v2/videos");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json;charset=utf-8");
    assertThat(response.body()).isEqualTo("{\"last_event_id\":null,\"videos\":[]}");
  }

  @Test
  void listReturnsLatestDataExactlyNewestFirst() throws Exception {
    publisher.publish(VideoStatusEvent.of(NOON, "a", VideoStatus.DOWNLOADING, 10));
    publisher.publish(VideoStatusEvent.of(NOON, "b", VideoStatus.QUEUED, 0));
    String lastId = publisher.publish(new VideoStatusEvent(NOON, "a", VideoStatus.TRANSCRIBING, 40, "halfway", null));

    HttpResponse<String> response = get("/api/v2/videos");

    assertThat(response.body()).isEqualTo("{\"last_event_id\":\"" + lastId + "\",\"videos\":["
        + "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\",\"video_id\":\"a\","
        + "\"status\":\"transcribing\",\"progress\":40,\"message\":\"halfway\"},"
        + "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\",\"video_id\":\"b\","
        + "\"status\":\"queued\",\"progress\":0}]}");
  }

  @Test
  void oneVideoReturnsItsDataExactly() throws Exception {
    publisher.publish(VideoStatusEvent.of(NOON, "abc-123", VideoStatus.COMPLETED, 100));

    HttpResponse<String> response = get("/api/v2/videos/abc-123");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
        + "\"video_id\":\"abc-123\",\"status\":\"completed\",\"progress\":100}");
  }

  @Test
  void unknownVideoIsProblem404() throws Exception {
    HttpResponse<String> response = get("/api/v2/videos/nope");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
    JsonNode problem = EventJson.mapper().readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(404);
    assertThat(problem.get("field").asText()).isEqualTo("video_id");
    assertThat(problem.get("detail").asText()).startsWith("video \"nope\" is not known");
  }

  @Test
  void oldestUpdatedVideoIsEvictedOverCapacity() throws Exception {
    publisher.publish(VideoStatusEvent.of(NOON, "a", VideoStatus.QUEUED, 0));
    publisher.publish(VideoStatusEvent.of(NOON, "b", VideoStatus.QUEUED, 0));
    publisher.publish(VideoStatusEvent.of(NOON, "c", VideoStatus.QUEUED, 0));

    assertThat(get("/api/v2/videos/a").statusCode()).isEqualTo(404);
    assertThat(get("/api/v2/videos/b").statusCode()).isEqualTo(200);
    assertThat(get("/api/v2/videos/c").statusCode()).isEqualTo(200);
  }

  @Test
  void streamFromSnapshotIdCarriesExactlyLaterEvents() throws Exception {
    publisher.publish(VideoStatusEvent.of(NOON, "a", VideoStatus.DOWNLOADING, 10));
    String snapshotId = EventJson.mapper().readTree(get("/api/v2/videos").body()).get("last_event_id").asText();
    String laterId = publisher.publish(VideoStatusEvent.of(NOON, "a", VideoStatus.TRANSCRIBING, 40));

    try (SseSocketClient client = SseSocketClient.open(server.port(),
        "/api/v2/events/stream?last_event_id=" + snapshotId)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !client.events("heartbeat").isEmpty());

      List<ParsedEvent> statuses = client.events("video.status");
      assertThat(statuses).singleElement()
          .satisfies(event -> assertThat(event.lastEventId()).isEqualTo(laterId));
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
        .timeout(Duration.ofSeconds(5))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }
}
