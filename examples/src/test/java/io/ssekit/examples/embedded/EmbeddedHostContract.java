package io.ssekit.examples.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checks every embedding must pass, over real sockets against a real container. They
 * cover the stream's exact frames, broadcast and its errors, CORS, CSRF with the container's
 * sessions, in-process publishing from the host's own servlet, and a clean end of the streams
 * at stop. Each container has a subclass that starts its host.
 */
abstract class EmbeddedHostContract {

  static final String TOKEN = "contract-test-token";

  static final String ALLOWED_ORIGIN = "http://app.example";

  private static final String EVENTS = "/api/v2/events";

  private static final String STREAM = EVENTS + "/stream";

  private static final String BROADCAST = EVENTS + "/broadcast";

  private static final String CSRF_TOKEN = "/api/v2/csrf-token";

  private static final String STATUS_JSON = "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
      + "\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<SseSocketClient> streams = new ArrayList<>();
  private RunningHost host;

  /** A started host of the container under test. */
  interface RunningHost extends AutoCloseable {

    int port();

    EventsApplication application();

    @Override
    void close();
  }

  /** Starts the container under test with {@code settings}. */
  abstract RunningHost start(HostSettings settings) throws Exception;

  @BeforeEach
  void startHost() throws Exception {
    // A short grace: a container waits up to the grace period for idle keep-alive connections.
    host = start(new HostSettings("127.0.0.1", 0, TOKEN, List.of(ALLOWED_ORIGIN), Duration.ofMillis(200)));
  }

  @AfterEach
  void stopHost() throws Exception {
    for (SseSocketClient stream : streams) {
      stream.close();
    }
    host.close();
  }

  @Test
  void streamDeliversPublishedEventExactly() throws Exception {
    SseSocketClient stream = openStream(Map.of());
    awaitConnectedClients(1);

    HttpResponse<String> response = broadcast("Bearer " + TOKEN, "application/json", STATUS_JSON);

    assertThat(response.statusCode()).isEqualTo(202);
    String id = ids(response).get(0);
    String frame = "id: " + id + "\nevent: video.status\ndata: " + STATUS_JSON + "\n\n";
    await().atMost(Duration.ofSeconds(5)).until(() -> stream.bodyText().contains(frame));
    assertThat(stream.bodyText()).isEqualTo("retry: 3000\n\n" + frame);
    assertThat(stream.status()).isEqualTo(200);
    // Tomcat writes media type parameters without the space; both forms mean the same.
    assertThat(stream.header("Content-Type").replace(" ", "")).isEqualTo("text/event-stream;charset=utf-8");
    assertThat(stream.header("Cache-Control")).isEqualTo("no-cache");
  }

  @Test
  void broadcastBatchReturnsIdsInOrder() throws Exception {
    HttpResponse<String> response =
        broadcast("Bearer " + TOKEN, "application/json", "{\"events\":[" + STATUS_JSON + "," + STATUS_JSON + "]}");

    assertThat(response.statusCode()).isEqualTo(202);
    List<String> ids = ids(response);
    assertThat(ids).hasSize(2);
    assertThat(ids.get(0)).isLessThan(ids.get(1));
  }

  @Test
  void broadcastWithoutTokenIsUnauthorized() throws Exception {
    HttpResponse<String> response = broadcast(null, "application/json", STATUS_JSON);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(host.application().broker().bus().latestId()).isNull();
  }

  @Test
  void broadcastWithWrongTokenIsUnauthorized() throws Exception {
    HttpResponse<String> response = broadcast("Bearer not-the-token", "application/json", STATUS_JSON);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(problemDetail(response)).contains("bearer token is not valid");
  }

  @Test
  void broadcastOfTextIsUnsupportedMediaType() throws Exception {
    HttpResponse<String> response = broadcast("Bearer " + TOKEN, "text/plain", STATUS_JSON);

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(problemDetail(response)).contains("expected: application/json");
  }

  @Test
  void preflightFromAllowedOriginIsAnswered() throws Exception {
    HttpResponse<String> response = preflight(EventsApplication.SUBMIT_PATH, ALLOWED_ORIGIN);

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    assertThat(response.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
    assertThat(response.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(
        headers -> assertThat(headers.toLowerCase()).contains("x-csrf-token"));
  }

  @Test
  void preflightFromOtherOriginIsForbidden() throws Exception {
    HttpResponse<String> response = preflight(STREAM, "http://evil.example");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void streamFromAllowedOriginCarriesCorsHeaders() throws Exception {
    SseSocketClient stream = openStream(Map.of("Origin", ALLOWED_ORIGIN));

    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED_ORIGIN);
    assertThat(stream.header("Access-Control-Allow-Credentials")).isEqualTo("true");
  }

  @Test
  void submissionWithSessionTokenPublishesInProcess() throws Exception {
    Session session = new Session();
    String csrfToken = session.csrfToken();
    SseSocketClient stream = openStream(Map.of());
    awaitConnectedClients(1);

    HttpResponse<String> response = session.submit("video_id=abc-123", csrfToken);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    String id = EventJson.mapper().readTree(response.body()).get("id").asText();
    await().atMost(Duration.ofSeconds(5)).until(() -> stream.events("video.status").size() == 1);
    ParsedEvent event = stream.events("video.status").get(0);
    assertThat(event.lastEventId()).isEqualTo(id);
    JsonNode data = EventJson.mapper().readTree(event.data());
    assertThat(data.get("video_id").asText()).isEqualTo("abc-123");
    assertThat(data.get("status").asText()).isEqualTo("queued");
    assertThat(data.get("progress").asInt()).isZero();
  }

  @Test
  void submissionWithoutCsrfTokenIsForbidden() throws Exception {
    Session session = new Session();
    session.csrfToken();

    HttpResponse<String> response = session.send(HttpRequest.newBuilder(uri(EventsApplication.SUBMIT_PATH))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", ALLOWED_ORIGIN)
        .POST(HttpRequest.BodyPublishers.ofString("video_id=abc-123")));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(problemDetail(response)).contains("X-CSRF-Token header is missing");
    // CORS runs before CSRF, so the calling page can read why it was rejected.
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ALLOWED_ORIGIN);
    assertThat(host.application().broker().bus().latestId()).isNull();
  }

  @Test
  void csrfTokenOfAnotherSessionIsForbidden() throws Exception {
    String otherToken = new Session().csrfToken();
    Session session = new Session();
    session.csrfToken();

    HttpResponse<String> response = session.submit("video_id=abc-123", otherToken);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(problemDetail(response)).contains("does not match this session's token");
    assertThat(host.application().broker().bus().latestId()).isNull();
  }

  @Test
  void submissionWithoutVideoIdIsBadRequest() throws Exception {
    Session session = new Session();

    HttpResponse<String> response = session.submit("video=abc-123", session.csrfToken());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(problemDetail(response)).contains("video_id is missing");
    assertThat(host.application().broker().bus().latestId()).isNull();
  }

  @Test
  void closeEndsStreamsWithRetryHint() throws Exception {
    SseSocketClient stream = openStream(Map.of());
    awaitConnectedClients(1);

    host.close();

    assertThat(stream.awaitEnd(Duration.ofSeconds(5))).isTrue();
    assertThat(stream.endedCleanly()).isTrue();
    assertThat(stream.bodyText()).isEqualTo("retry: 3000\n\nretry: 3000\n\n");
  }

  private SseSocketClient openStream(Map<String, String> headers) throws Exception {
    SseSocketClient stream = SseSocketClient.open(host.port(), STREAM, headers);
    streams.add(stream);
    return stream;
  }

  private void awaitConnectedClients(int expected) {
    await().atMost(Duration.ofSeconds(5)).until(() -> host.application().broker().connectedClients() == expected);
  }

  private HttpResponse<String> broadcast(String authorization, String contentType, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(BROADCAST))
        .timeout(Duration.ofSeconds(5))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> preflight(String path, String origin) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri(path))
        .timeout(Duration.ofSeconds(5))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,x-csrf-token")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> ids(HttpResponse<String> response) throws Exception {
    List<String> ids = new ArrayList<>();
    EventJson.mapper().readTree(response.body()).path("ids").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  private static String problemDetail(HttpResponse<String> response) throws Exception {
    return EventJson.mapper().readTree(response.body()).path("detail").asText();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + host.port() + path);
  }

  /** A browser-like client: its own cookie jar, so its own container session. */
  private final class Session {

    private final HttpClient client = HttpClient.newBuilder()
        .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
        .build();

    String csrfToken() throws Exception {
      HttpResponse<String> response = send(HttpRequest.newBuilder(uri(CSRF_TOKEN)).GET());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return EventJson.mapper().readTree(response.body()).get("csrf_token").asText();
    }

    HttpResponse<String> submit(String form, String csrfToken) throws Exception {
      return send(HttpRequest.newBuilder(uri(EventsApplication.SUBMIT_PATH))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("X-CSRF-Token", csrfToken)
          .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
      return client.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
