package io.ssekit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.app.EventServer;
import io.ssekit.app.ServerConfig;
import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.EventPublisher;
import io.ssekit.worker.VideoProgressReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the example worker against a real server and reads what a browser would see. */
class SimulatedTranscriptionWorkerTest {

  private static final Duration BOUND = Duration.ofSeconds(20);

  private EventServer server;
  private SseSocketClient stream;

  @BeforeEach
  void startServer() throws Exception {
    server = new EventServer(ServerConfig.fromSources(Map.of("PORT", "0", "HOST", "127.0.0.1"), List.of()));
    server.start();
    stream = SseSocketClient.open(server.port(), "/api/v2/events/stream?types=video.status");
    await().atMost(BOUND).until(() -> server.broker().connectedClients() == 1);
  }

  @AfterEach
  void stopServer() throws Exception {
    stream.close();
    server.stop();
  }

  @Test
  void videosRunConcurrentlyAndOneFails() throws Exception {
    Map<String, VideoStatus> results;
    try (EventPublisher publisher = EventPublisher.builder("http://127.0.0.1:" + server.port()).build()) {
      try (VideoProgressReporter reporter =
          VideoProgressReporter.builder(publisher).minInterval(Duration.ofMillis(100)).build()) {
        results = new SimulatedTranscriptionWorker(reporter, Duration.ofMillis(200))
            .processAll(List.of("v-1", "v-2", "v-3"), Set.of("v-3"));
      }
      assertThat(publisher.flush(BOUND)).isTrue();
    }

    assertThat(results).containsExactly(
        Map.entry("v-1", VideoStatus.COMPLETED),
        Map.entry("v-2", VideoStatus.COMPLETED),
        Map.entry("v-3", VideoStatus.FAILED));
    await().atMost(BOUND).until(() -> finalStatuses() == 3);
    for (String videoId : List.of("v-1", "v-2")) {
      assertThat(distinctStatuses(videoId))
          .containsExactly("queued", "downloading", "transcribing", "processing", "analyzing", "completed");
    }
    assertThat(distinctStatuses("v-3")).containsExactly("queued", "downloading", "transcribing", "failed");
    JsonNode failed = events("v-3").get(events("v-3").size() - 1);
    assertThat(failed.get("error").asText())
        .isEqualTo("TranscriptionException: the speech model ran out of memory at frame 12");
  }

  @Test
  void progressIsCoalescedButOrdered() throws Exception {
    try (EventPublisher publisher = EventPublisher.builder("http://127.0.0.1:" + server.port()).build()) {
      try (VideoProgressReporter reporter =
          VideoProgressReporter.builder(publisher).minInterval(Duration.ofMillis(100)).build()) {
        new SimulatedTranscriptionWorker(reporter, Duration.ofMillis(200)).processAll(List.of("v-1"), Set.of());
      }
      assertThat(publisher.flush(BOUND)).isTrue();
    }
    await().atMost(BOUND).until(() -> finalStatuses() == 1);

    List<JsonNode> events = events("v-1");
    int framesReported = 2 + 4 * (SimulatedTranscriptionWorker.FRAMES_PER_STEP + 1);
    assertThat(events.size()).isLessThan(framesReported / 2);
    List<Integer> progress = events.stream().map(event -> event.get("progress").asInt()).toList();
    assertThat(progress).isSorted();
    assertThat(progress.get(progress.size() - 1)).isEqualTo(100);
  }

  private long finalStatuses() {
    return stream.events("video.status").stream()
        .map(SimulatedTranscriptionWorkerTest::json)
        .filter(event -> VideoStatus.fromWireValue(event.get("status").asText()).isTerminal())
        .count();
  }

  private List<JsonNode> events(String videoId) {
    List<JsonNode> events = new ArrayList<>();
    for (ParsedEvent event : stream.events("video.status")) {
      JsonNode json = json(event);
      if (json.get("video_id").asText().equals(videoId)) {
        events.add(json);
      }
    }
    return events;
  }

  private List<String> distinctStatuses(String videoId) {
    List<String> statuses = new ArrayList<>();
    for (JsonNode event : events(videoId)) {
      String status = event.get("status").asText();
      if (statuses.isEmpty() || !statuses.get(statuses.size() - 1).equals(status)) {
        statuses.add(status);
      }
    }
    return statuses;
  }

  private static JsonNode json(ParsedEvent event) {
    try {
      return EventJson.mapper().readTree(event.data());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
