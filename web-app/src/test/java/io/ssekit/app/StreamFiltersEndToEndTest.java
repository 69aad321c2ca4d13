package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code video_id} and {@code types} query parameters of the stream, over the wire. */
class StreamFiltersEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private LiveServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = LiveServer.start(Map.of("HEARTBEAT_INTERVAL", "0.2"));
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "video_id=a&video_id=b",
      "video_id=a,b",
      "video_id=a,%20b&video_id=a",
  })
  void videoIdsSelectThoseVideos(String query) throws Exception {
    try (SseSocketClient client = open("?" + query)) {
      awaitConnected(1);

      List<String> ids = server.publishBatch(List.of(
          LiveServer.videoStatus("a", 1),
          LiveServer.videoStatus("c", 1),
          LiveServer.videoStatus("b", 1),
          LiveServer.videoStatus("c", 2),
          LiveServer.videoStatus("a", 2)));
      String marker = server.publish(LiveServer.videoStatus("b", 99));

      awaitEventWithId(client, marker);
      assertThat(client.events("video.status"))
          .extracting(ParsedEvent::lastEventId)
          .containsExactly(ids.get(0), ids.get(2), ids.get(4), marker);
      assertThat(client.bodyText())
          .contains(LiveServer.videoStatusFrame(ids.get(0), "a", 1))
          .contains(LiveServer.videoStatusFrame(ids.get(2), "b", 1))
          .contains(LiveServer.videoStatusFrame(ids.get(4), "a", 2))
          .doesNotContain("\"video_id\":\"c\"");
    }
  }

  @Test
  void typesSelectThoseTypes() throws Exception {
    try (SseSocketClient client = open("?types=job.progress")) {
      awaitConnected(1);

      List<String> ids = server.publishBatch(List.of(
          jobProgress("a", 10),
          LiveServer.videoStatus("a", 1),
          jobProgress("b", 20)));
      String marker = server.publish(jobProgress("a", 30));

      awaitEventWithId(client, marker);
      assertThat(client.events())
          .filteredOn(event -> !event.type().equals("heartbeat"))
          .extracting(ParsedEvent::type, ParsedEvent::lastEventId)
          .containsExactly(
              tuple("job.progress", ids.get(0)),
              tuple("job.progress", ids.get(2)),
              tuple("job.progress", marker));
      assertThat(client.bodyText()).doesNotContain("event: video.status");
    }
  }

  @Test
  void commaSeparatedTypesSelectEachType() throws Exception {
    try (SseSocketClient client = open("?types=job.progress,video.status")) {
      awaitConnected(1);

      List<String> ids = server.publishBatch(List.of(
          jobProgress("a", 10),
          LiveServer.videoStatus("a", 1),
          otherEvent()));
      String marker = server.publish(jobProgress("a", 30));

      awaitEventWithId(client, marker);
      assertThat(client.events())
          .filteredOn(event -> !event.type().equals("heartbeat"))
          .extracting(ParsedEvent::lastEventId)
          .containsExactly(ids.get(0), ids.get(1), marker);
    }
  }

  @Test
  void heartbeatsPassEveryFilter() throws Exception {
    try (SseSocketClient client = open("?video_id=nobody&types=job.progress")) {
      awaitConnected(1);

      server.publish(LiveServer.videoStatus("a", 1));

      await().atMost(WAIT).until(() -> client.events("heartbeat").size() >= 2);
      assertThat(client.events()).extracting(ParsedEvent::type).containsOnly("heartbeat");
    }
  }

  @Test
  void filtersApplyToReplay() throws Exception {
    String before = server.publish(LiveServer.videoStatus("a", 0));
    List<String> missed = server.publishBatch(List.of(
        LiveServer.videoStatus("a", 1),
        LiveServer.videoStatus("b", 1),
        jobProgress("b", 5),
        LiveServer.videoStatus("b", 2)));

    try (SseSocketClient client = SseSocketClient.open(
        server.port(), LiveServer.STREAM + "?video_id=b&types=video.status",
        Map.of("Last-Event-ID", before))) {
      awaitEventWithId(client, missed.get(3));
      String live = server.publishBatch(List.of(
          LiveServer.videoStatus("a", 3),
          LiveServer.videoStatus("b", 3))).get(1);

      awaitEventWithId(client, live);
      assertThat(client.events("video.status"))
          .extracting(ParsedEvent::lastEventId)
          .containsExactly(missed.get(1), missed.get(3), live);
      assertThat(client.bodyText()).startsWith("retry: 3000\n\n"
          + LiveServer.videoStatusFrame(missed.get(1), "b", 1)
          + LiveServer.videoStatusFrame(missed.get(3), "b", 2));
      assertThat(client.events()).extracting(ParsedEvent::type)
          .containsOnly("video.status", "heartbeat");
    }
  }

  @Test
  void tooManyVideoIdsGets400NamingField() throws Exception {
    String videoIds = IntStream.range(0, 101).mapToObj(i -> "v" + i).collect(Collectors.joining(","));

    HttpResponse<String> response = server.get(LiveServer.STREAM + "?video_id=" + videoIds);

    assertProblem(response, "video_id", "video_id names 101 videos (expected: at most 100");
    assertThat(server.connectedClients()).isZero();
  }

  @Test
  void repeatedVideoIdParametersCountTowardLimit() throws Exception {
    String query = IntStream.range(0, 101).mapToObj(i -> "video_id=v" + i).collect(Collectors.joining("&"));

    HttpResponse<String> response = server.get(LiveServer.STREAM + "?" + query);

    assertProblem(response, "video_id", "video_id names 101 videos (expected: at most 100");
  }

  @Test
  void tooManyTypesGets400NamingField() throws Exception {
    String types = IntStream.range(0, 21).mapToObj(i -> "type" + i).collect(Collectors.joining(","));

    HttpResponse<String> response = server.get(LiveServer.STREAM + "?types=" + types);

    assertProblem(response, "types", "types names 21 types (expected: at most 20)");
    assertThat(server.connectedClients()).isZero();
  }

  @Test
  void invalidTypeNameGets400NamingField() throws Exception {
    HttpResponse<String> response = server.get(LiveServer.STREAM + "?types=Video.Status");

    assertProblem(response, "types", "types contains \"Video.Status\", which is not an event type name");
  }

  private static void assertProblem(HttpResponse<String> response, String field, String detailStart)
      throws Exception {
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        contentType -> assertThat(contentType).startsWith("application/problem+json"));
    JsonNode problem = EventJson.mapper().readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(400);
    assertThat(problem.get("title").asText()).isEqualTo("Bad Request");
    assertThat(problem.get("field").asText()).isEqualTo(field);
    assertThat(problem.get("detail").asText()).startsWith(detailStart);
  }

  private SseSocketClient open(String query) throws Exception {
    return SseSocketClient.open(server.port(), LiveServer.STREAM + query);
  }

  private void awaitConnected(int clients) {
    await().atMost(WAIT).until(() -> server.connectedClients() == clients);
  }

  private static void awaitEventWithId(SseSocketClient client, String id) {
    await().atMost(WAIT).until(() -> client.events().stream()
        .anyMatch(event -> !event.type().equals("heartbeat") && event.lastEventId().equals(id)));
  }

  private static ObjectNode jobProgress(String videoId, int percent) {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "job.progress");
    event.put("video_id", videoId);
    event.put("percent", percent);
    return event;
  }

  private static ObjectNode otherEvent() {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "other.event");
    return event;
  }
}
