package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.EventPublisher;
import io.ssekit.worker.PublishException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Publishes through the real broadcast endpoint to check idempotency keys and batch rejection. */
class IdempotentPublishTest {

  private static final Duration BOUND = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newHttpClient();
  private EventServer server;
  private SseSocketClient stream;
  private EventPublisher publisher;

  @BeforeEach
  void startServer() throws Exception {
    server = new EventServer(ServerConfig.fromSources(Map.of("PORT", "0", "HOST", "127.0.0.1"), List.of()));
    server.start();
    stream = SseSocketClient.open(server.port(), "/api/v2/events/stream");
    await().atMost(BOUND).until(() -> server.broker().connectedClients() == 1);
    publisher = EventPublisher.builder("http://127.0.0.1:" + server.port()).build();
  }

  @AfterEach
  void stopServer() throws Exception {
    publisher.close();
    stream.close();
    server.stop();
  }

  @Test
  void sameKeyTwiceOverHttpPublishesOnce() throws Exception {
    String body = "{\"type\":\"video.status\",\"video_id\":\"dup\",\"status\":\"processing\","
        + "\"progress\":50,\"idempotency_key\":\"dup-1\"}";

    HttpResponse<String> first = post(body);
    HttpResponse<String> second = post(body);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(second.statusCode()).isEqualTo(202);
    String id = ids(first).get(0);
    assertThat(ids(second)).containsExactly(id);
    awaitMarker();
    assertThat(videoEvents("dup")).singleElement().satisfies(event -> {
      assertThat(event.lastEventId()).isEqualTo(id);
      assertThat(event.data()).doesNotContain("idempotency_key");
    });
  }

  @Test
  void sameKeyTwiceFromPublisherReturnsOriginalId() throws Exception {
    VideoStatusEvent event = VideoStatusEvent.of(Instant.now(), "dup", VideoStatus.TRANSCRIBING, 40);

    String first = publisher.publish(event, "transcribe-dup-40");
    String second = publisher.publish(event, "transcribe-dup-40");

    assertThat(second).isEqualTo(first);
    awaitMarker();
    assertThat(videoEvents("dup")).extracting(ParsedEvent::lastEventId).containsExactly(first);
  }

  @Test
  void batchWithSeenKeyPublishesOnlyNewEvent() throws Exception {
    HttpResponse<String> original = post(
        "{\"type\":\"upload.done\",\"video_id\":\"dup\",\"idempotency_key\":\"upload-1\"}");
    String originalId = ids(original).get(0);

    HttpResponse<String> batch = post("{\"events\":["
        + "{\"type\":\"upload.done\",\"video_id\":\"dup\",\"idempotency_key\":\"upload-1\"},"
        + "{\"type\":\"upload.done\",\"video_id\":\"dup\",\"idempotency_key\":\"upload-2\"}]}");

    List<String> batchIds = ids(batch);
    assertThat(batchIds.get(0)).isEqualTo(originalId);
    assertThat(batchIds.get(1)).isNotEqualTo(originalId);
    awaitMarker();
    assertThat(videoEvents("dup")).extracting(ParsedEvent::lastEventId).containsExactly(originalId, batchIds.get(1));
  }

  @Test
  void rejectedEventFailsAloneInBatch() throws Exception {
    EventPublisher lingering = EventPublisher.builder("http://127.0.0.1:" + server.port())
        .linger(Duration.ofMinutes(1))
        .build();
    try {
      CompletableFuture<String> before = lingering.publishJsonAsync(upload("good-1"));
      CompletableFuture<String> bad = lingering.publishJsonAsync(EventJson.mapper().createObjectNode()
          .put("type", "video.status").put("video_id", "bad").put("status", "processing").put("progress", 150));
      CompletableFuture<String> after = lingering.publishJsonAsync(upload("good-2"));

      assertThat(lingering.flush(BOUND)).isTrue();

      assertThat(before).isCompleted();
      assertThat(after).isCompleted();
      PublishException failure = failure(bad);
      assertThat(failure.status()).isEqualTo(400);
      assertThat(failure.field()).isEqualTo("progress");
      assertThat(failure.detail()).contains("progress is 150");
      awaitMarker();
      assertThat(stream.events("upload.done")).extracting(ParsedEvent::lastEventId)
          .containsExactly(before.get(), after.get());
      assertThat(videoEvents("bad")).isEmpty();
    } finally {
      lingering.close();
    }
  }

  private static ObjectNode upload(String videoId) {
    return EventJson.mapper().createObjectNode().put("type", "upload.done").put("video_id", videoId);
  }

  private static PublishException failure(CompletableFuture<String> future) throws InterruptedException {
    try {
      future.get();
      throw new AssertionError("the publish succeeded");
    } catch (ExecutionException e) {
      return (PublishException) e.getCause();
    }
  }

  /** Publishes a marker and waits for it, so every earlier event has arrived too. */
  private void awaitMarker() throws Exception {
    String id = publisher.publish(VideoStatusEvent.of(Instant.now(), "marker", VideoStatus.QUEUED, 0));
    await().atMost(BOUND).until(() -> stream.events().stream().anyMatch(event -> event.lastEventId().equals(id)));
  }

  private List<ParsedEvent> videoEvents(String videoId) {
    return stream.events().stream()
        .filter(event -> event.data().contains("\"video_id\":\"" + videoId + "\""))
        .toList();
  }

  private HttpResponse<String> post(String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + EventPublisher.BROADCAST_PATH))
        .timeout(BOUND)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> ids(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).isEqualTo(202);
    JsonNode ids = EventJson.mapper().readTree(response.body()).get("ids");
    return EventJson.mapper().convertValue(ids, EventJson.mapper().getTypeFactory()
        .constructCollectionType(List.class, String.class));
  }
}
