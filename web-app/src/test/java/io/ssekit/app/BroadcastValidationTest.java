package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sends every kind of invalid publish request to a real server and checks the documented
 * response, and that a stream connected all along receives no event from any of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BroadcastValidationTest {

  private static final String TOKEN = "validation-test-token";
  private static final String BROADCAST = "/api/v2/events/broadcast";
  private static final String JSON = "application/json";
  private static final String BEARER = "Bearer " + TOKEN;
  private static final int MAX_BATCH_SIZE = 3;
  private static final int MAX_EVENT_BYTES = 512;
  private static final int MAX_BODY_BYTES = 4096;

  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger markers = new AtomicInteger();
  private EventServer server;
  private SseSocketClient stream;

  @BeforeAll
  void startServerAndStream() throws Exception {
    server = new EventServer(ServerConfig.fromSources(Map.of(
        "PORT", "0",
        "HOST", "127.0.0.1",
        "BROADCAST_TOKEN", TOKEN,
        "MAX_BATCH_SIZE", Integer.toString(MAX_BATCH_SIZE),
        "MAX_EVENT_BYTES", Integer.toString(MAX_EVENT_BYTES),
        "MAX_BODY_BYTES", Integer.toString(MAX_BODY_BYTES)), List.of()));
    server.start();
    stream = SseSocketClient.open(server.port(), "/api/v2/events/stream");
    await().atMost(Duration.ofSeconds(5)).until(() -> server.broker().connectedClients() == 1);
  }

  @AfterAll
  void stopServer() throws Exception {
    stream.close();
    server.stop();
  }

  static Stream<Arguments> invalidRequests() {
    String ok = "{\"type\":\"video.status\",\"video_id\":\"v\",\"status\":\"processing\",\"progress\":50}";
    return Stream.of(
        invalid("malformed JSON", JSON, BEARER, "{\"type\":\"video.status\",", 400, null, "not valid JSON"),
        invalid("trailing content", JSON, BEARER, ok + " {}", 400, null, "not valid JSON"),
        invalid("empty body", JSON, BEARER, "", 400, null, "the body is empty"),
        invalid("body is an array", JSON, BEARER, "[" + ok + "]", 400, null, "the body is a JSON array"),
        invalid("progress is text", JSON, BEARER, status("\"processing\"", "\"50\""), 400, "progress",
            "progress is \"50\" (expected: an integer from 0 to 100)"),
        invalid("progress is fractional", JSON, BEARER, status("\"processing\"", "50.5"), 400, "progress",
            "progress is 50.5"),
        invalid("progress is missing", JSON, BEARER,
            "{\"type\":\"video.status\",\"video_id\":\"v\",\"status\":\"processing\"}", 400, "progress",
            "progress is missing"),
        invalid("progress above 100", JSON, BEARER, status("\"processing\"", "101"), 400, "progress",
            "progress is 101 (expected: an integer from 0 to 100)"),
        invalid("progress below 0", JSON, BEARER, status("\"processing\"", "-1"), 400, "progress",
            "progress is -1"),
        invalid("status is a number", JSON, BEARER, status("5", "50"), 400, "status",
            "status is a JSON number (expected: a JSON string)"),
        invalid("unknown status", JSON, BEARER, status("\"exploding\"", "50"), 400, "status",
            "unknown video status \"exploding\""),
        invalid("type not a valid name", JSON, BEARER,
            "{\"type\":\"Video Status\",\"video_id\":\"v\"}", 400, "type", "is not a valid event type name"),
        invalid("type reserved for server", JSON, BEARER, "{\"type\":\"heartbeat\"}", 400, "type",
            "is sent by the server only"),
        invalid("type missing", JSON, BEARER, "{\"video_id\":\"v\"}", 400, "type", "type is missing"),
        invalid("type is a number", JSON, BEARER, "{\"type\":7}", 400, "type", "type is a JSON number"),
        invalid("video_id missing", JSON, BEARER,
            "{\"type\":\"video.status\",\"status\":\"processing\",\"progress\":50}", 400, "video_id",
            "video_id is missing"),
        invalid("video_id blank", JSON, BEARER,
            "{\"type\":\"video.status\",\"video_id\":\"  \",\"status\":\"processing\",\"progress\":50}", 400,
            "video_id", "is blank"),
        invalid("timestamp not ISO-8601", JSON, BEARER,
            "{\"type\":\"upload.done\",\"timestamp\":\"yesterday\"}", 400, "timestamp", "is not ISO-8601"),
        invalid("idempotency key is a number", JSON, BEARER,
            "{\"type\":\"upload.done\",\"idempotency_key\":5}", 400, "idempotency_key",
            "expected: text of 1 to 200 characters"),
        invalid("message is a number", JSON, BEARER,
            "{\"type\":\"video.status\",\"video_id\":\"v\",\"status\":\"failed\",\"progress\":5,\"message\":1}",
            400, "message", "message is a JSON number"),
        invalid("event larger than MAX_EVENT_BYTES", JSON, BEARER,
            "{\"type\":\"upload.done\",\"note\":\"" + "x".repeat(MAX_EVENT_BYTES) + "\"}", 400, null,
            "(expected: at most " + MAX_EVENT_BYTES + ")"),
        invalid("batch event larger than MAX_EVENT_BYTES", JSON, BEARER,
            "{\"events\":[" + ok + ",{\"type\":\"upload.done\",\"note\":\"" + "x".repeat(MAX_EVENT_BYTES)
                + "\"}]}", 400, "events[1]", "(expected: at most " + MAX_EVENT_BYTES + ")"),
        invalid("body larger than MAX_BODY_BYTES", JSON, BEARER,
            "{\"type\":\"upload.done\",\"note\":\"" + "x".repeat(MAX_BODY_BYTES) + "\"}", 413, null,
            "the body is larger than " + MAX_BODY_BYTES + " bytes"),
        invalid("too many events in batch", JSON, BEARER,
            "{\"events\":[" + ok + "," + ok + "," + ok + "," + ok + "]}", 400, "events",
            "the batch has 4 events (expected: at most " + MAX_BATCH_SIZE),
        invalid("events is not an array", JSON, BEARER, "{\"events\":{}}", 400, "events",
            "events is a JSON object"),
        invalid("events is empty", JSON, BEARER, "{\"events\":[]}", 400, "events", "events is empty"),
        invalid("batch element is not an object", JSON, BEARER, "{\"events\":[" + ok + ",3]}", 400,
            "events[1]", "events[1] is a JSON number"),
        invalid("batch with one bad event publishes nothing", JSON, BEARER,
            "{\"events\":[" + ok + "," + status("\"processing\"", "150") + "," + ok + "]}", 400,
            "events[1].progress", "progress is 150"),
        invalid("content type text/plain", "text/plain", BEARER, ok, 415, "Content-Type",
            "Content-Type is \"text/plain\" (expected: application/json)"),
        invalid("content type missing", null, BEARER, ok, 415, "Content-Type", "Content-Type is missing"),
        invalid("token missing", JSON, null, ok, 401, "Authorization", "the Authorization header is missing"),
        invalid("token wrong", JSON, "Bearer not-the-token", ok, 401, "Authorization",
            "the bearer token is not valid"),
        invalid("token in wrong scheme", JSON, "Basic " + TOKEN, ok, 401, "Authorization",
            "the bearer token is not valid"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  void invalidRequestGetsProblemAndPublishesNothing(
      String name, @Nullable String contentType, @Nullable String authorization, String body,
      int expectedStatus, @Nullable String expectedField, String expectedDetail) throws Exception {
    int eventsBefore = publishedEvents().size();

    HttpResponse<String> response = post(contentType, authorization, body);

    assertThat(response.statusCode()).isEqualTo(expectedStatus);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = EventJson.mapper().readTree(response.body());
    assertThat(problem.path("status").asInt()).isEqualTo(expectedStatus);
    assertThat(problem.path("detail").asText()).contains(expectedDetail);
    if (expectedField == null) {
      assertThat(problem.has("field")).as("problem has no field: %s", problem).isFalse();
    } else {
      assertThat(problem.path("field").asText()).isEqualTo(expectedField);
    }
    assertNothingPublishedSince(eventsBefore);
  }

  /**
   * Publishes a marker and waits for it: the stream delivers in publish order, so any event
   * that the invalid request had published would arrive before the marker.
   */
  private void assertNothingPublishedSince(int eventsBefore) throws Exception {
    String marker = "marker-" + markers.incrementAndGet();
    HttpResponse<String> published = post(JSON, BEARER, "{\"type\":\"test.marker\",\"video_id\":\"" + marker + "\"}");
    assertThat(published.statusCode()).isEqualTo(202);

    await().atMost(Duration.ofSeconds(5))
        .until(() -> publishedEvents().stream().anyMatch(event -> event.data().contains(marker)));

    List<ParsedEvent> since = publishedEvents().subList(eventsBefore, publishedEvents().size());
    assertThat(since).singleElement().satisfies(event -> {
      assertThat(event.type()).isEqualTo("test.marker");
      assertThat(event.data()).contains(marker);
    });
  }

  private List<ParsedEvent> publishedEvents() {
    return stream.events().stream().filter(event -> !event.type().equals("heartbeat")).toList();
  }

  private HttpResponse<String> post(@Nullable String contentType, @Nullable String authorization, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + BROADCAST))
        .timeout(Duration.ofSeconds(5))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String status(String status, String progress) {
    return "{\"type\":\"video.status\",\"video_id\":\"v\",\"status\":" + status + ",\"progress\":" + progress + "}";
  }

  private static Arguments invalid(
      String name, @Nullable String contentType, @Nullable String authorization, String body,
      int status, @Nullable String field, String detail) {
    return Arguments.of(name, contentType, authorization, body, status, field, detail);
  }
}
