package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
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

class EventServerEndToEndTest {

  private static final String STREAM = "/api/v2/events/stream";

  private final HttpClient http = HttpClient.newHttpClient();
  private EventServer server;

  @BeforeEach
  void startServer() throws Exception {
    ServerConfig config = ServerConfig.fromSources(
        Map.of("PORT", "0", "HOST", "127.0.0.1", "HEARTBEAT_INTERVAL", "0.2"), List.of());
    server = new EventServer(config);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void publishedStatusReachesEveryStreamByteForByte() throws Exception {
    try (SseSocketClient first = SseSocketClient.open(server.port(), STREAM);
        SseSocketClient second = SseSocketClient.open(server.port(), STREAM)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients() == 2);
      VideoStatusEvent event = VideoStatusEvent.of(
          Instant.parse("2025-11-05T12:00:00Z"), "abc-123", VideoStatus.PROCESSING, 50);

      String id;
      try (EventPublisher publisher = publisher()) {
        id = publisher.publish(event);
      }

      String expectedFrame = "id: " + id + "\n"
          + "event: video.status\n"
          + "data: {\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
          + "\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}\n\n";
      for (SseSocketClient client : List.of(first, second)) {
        await().atMost(Duration.ofSeconds(5)).until(() -> client.bodyText().contains(expectedFrame));
        assertThat(client.bodyText()).startsWith("retry: 3000\n\n");
        assertThat(client.events("video.status")).singleElement()
            .satisfies(parsed -> assertThat(parsed.lastEventId()).isEqualTo(id));
      }
    }
  }

  @Test
  void streamHasEventStreamHeaders() throws Exception {
    try (SseSocketClient client = SseSocketClient.open(server.port(), STREAM)) {
      assertThat(client.status()).isEqualTo(200);
      assertThat(client.header("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
      assertThat(client.header("Cache-Control")).isEqualTo("no-cache");
      assertThat(client.header("X-Accel-Buffering")).isEqualTo("no");
      assertThat(client.header("Connection")).isNull();
      assertThat(client.header("Content-Encoding")).isNull();
    }
  }

  @Test
  void heartbeatArrivesWithoutId() throws Exception {
    try (SseSocketClient client = SseSocketClient.open(server.port(), STREAM)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !client.events("heartbeat").isEmpty());

      String body = client.bodyText();
      assertThat(body).containsPattern(
          "\nevent: heartbeat\ndata: \\{\"type\":\"heartbeat\",\"timestamp\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\"}\n\n");
      assertThat(body).doesNotContain("id:");
      assertThat(client.events("heartbeat").get(0).lastEventId()).isEmpty();
    }
  }

  @Test
  void connectedClientsFollowsAbruptDisconnects() throws Exception {
    assertThat(connectedClients()).isZero();
    SseSocketClient first = SseSocketClient.open(server.port(), STREAM);
    SseSocketClient second = SseSocketClient.open(server.port(), STREAM);
    await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients() == 2);

    first.abort();
    second.abort();

    // The 0.2 s heartbeat writes to the reset sockets, fails, and removes both streams.
    await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients() == 0);
  }

  @Test
  void healthReportsServiceAndStatus() throws Exception {
    HttpResponse<String> response = get("/api/v2/events/health");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = EventJson.mapper().readTree(response.body());
    assertThat(body.get("status").asText()).isEqualTo("healthy");
    assertThat(body.get("service").asText()).isEqualTo("sse_events");
    assertThat(body.get("connected_clients").asInt()).isZero();
  }

  private EventPublisher publisher() {
    return EventPublisher.builder("http://127.0.0.1:" + server.port())
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  private int connectedClients() throws Exception {
    return EventJson.mapper().readTree(get("/api/v2/events/health").body())
        .get("connected_clients").asInt();
  }

  private HttpResponse<String> get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
