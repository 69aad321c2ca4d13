package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.EventPublisher;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CORS and CSRF against a real server, with cookie-keeping clients as browsers would be. */
class BrowserSecurityEndToEndTest {

  private static final String TOKEN = "test-broadcast-token";
  private static final String REACT_ORIGIN = "http://localhost:3000";
  private static final String VITE_ORIGIN = "http://localhost:5173";
  private static final String FOREIGN_ORIGIN = "http://evil.example";
  private static final String VIDEOS = "/api/v2/videos";
  private static final String CSRF_TOKEN = "/api/v2/csrf-token";

  private static final AtomicInteger videoCounter = new AtomicInteger();

  private static EventServer server;
  private static EventPublisher publisher;

  @BeforeAll
  static void startServer() throws Exception {
    server = new EventServer(ServerConfig.fromSources(
        Map.of("PORT", "0", "HOST", "127.0.0.1", "BROADCAST_TOKEN", TOKEN), List.of()));
    server.start();
    publisher = EventPublisher.builder(baseUrl()).token(TOKEN).timeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stopServer() {
    publisher.close();
    server.stop();
  }

  @Test
  void preflightFromAllowedOriginSucceeds() throws Exception {
    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS + "/abc"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", VITE_ORIGIN)
        .header("Access-Control-Request-Method", "DELETE")
        .header("Access-Control-Request-Headers", "x-csrf-token, content-type"));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(header(response, "Access-Control-Allow-Origin")).isEqualTo(VITE_ORIGIN);
    assertThat(header(response, "Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(header(response, "Access-Control-Allow-Methods"))
        .isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    assertThat(header(response, "Access-Control-Allow-Headers"))
        .isEqualTo("Authorization, Content-Type, Last-Event-ID, X-CSRF-Token");
    assertThat(header(response, "Access-Control-Max-Age")).isEqualTo("600");
    assertThat(varyValues(response)).contains("Origin");
  }

  @Test
  void preflightFromForeignOriginIsRejected() throws Exception {
    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS + "/abc"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", FOREIGN_ORIGIN)
        .header("Access-Control-Request-Method", "DELETE"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(header(response, "Content-Type")).startsWith("application/problem+json");
    assertThat(json(response).get("detail").asText()).contains("origin " + FOREIGN_ORIGIN + " is not allowed");
    assertNoCorsHeaders(response);
    assertThat(varyValues(response)).contains("Origin");
  }

  @Test
  void preflightForHeaderNotAllowedIsRejected() throws Exception {
    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", REACT_ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "X-Debug"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(json(response).get("detail").asText()).startsWith("header X-Debug is not allowed");
    assertNoCorsHeaders(response);
  }

  @Test
  void requestFromAllowedOriginGetsCredentialedCorsHeaders() throws Exception {
    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS))
        .header("Origin", REACT_ORIGIN));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(header(response, "Access-Control-Allow-Origin")).isEqualTo(REACT_ORIGIN);
    assertThat(header(response, "Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(varyValues(response)).contains("Origin");
  }

  @Test
  void requestFromForeignOriginGetsNoCorsHeaders() throws Exception {
    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS))
        .header("Origin", FOREIGN_ORIGIN));

    assertThat(response.statusCode()).isEqualTo(200);
    assertNoCorsHeaders(response);
    assertThat(varyValues(response)).contains("Origin");
  }

  @Test
  void requestWithoutOriginGetsNoCorsHeaders() throws Exception {
    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS)));

    assertThat(response.statusCode()).isEqualTo(200);
    assertNoCorsHeaders(response);
    assertThat(varyValues(response)).contains("Origin");
  }

  @Test
  void streamFromAllowedOriginCarriesCorsHeaders() throws Exception {
    try (SseSocketClient allowed = SseSocketClient.open(server.port(), "/api/v2/events/stream",
            Map.of("Origin", REACT_ORIGIN));
        SseSocketClient foreign = SseSocketClient.open(server.port(), "/api/v2/events/stream",
            Map.of("Origin", FOREIGN_ORIGIN))) {
      assertThat(allowed.status()).isEqualTo(200);
      assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(REACT_ORIGIN);
      assertThat(allowed.header("Access-Control-Allow-Credentials")).isEqualTo("true");
      assertThat(foreign.status()).isEqualTo(200);
      assertThat(foreign.header("Access-Control-Allow-Origin")).isNull();
    }
  }

  @Test
  void configuredOriginsReplaceDefaults() throws Exception {
    EventServer custom = new EventServer(ServerConfig.fromSources(Map.of("PORT", "0", "HOST", "127.0.0.1",
        "CORS_ALLOWED_ORIGINS", "https://App.Example.com, http://127.0.0.1:8080"), List.of()));
    custom.start();
    try {
      HttpClient browser = newBrowser();
      String base = "http://127.0.0.1:" + custom.port() + VIDEOS;

      HttpResponse<String> configured = send(browser, HttpRequest.newBuilder(URI.create(base))
          .header("Origin", "https://app.example.com"));
      HttpResponse<String> formerDefault = send(browser, HttpRequest.newBuilder(URI.create(base))
          .header("Origin", REACT_ORIGIN));

      assertThat(header(configured, "Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
      assertNoCorsHeaders(formerDefault);
    } finally {
      custom.stop();
    }
  }

  @Test
  void tokenEndpointStartsSessionWithSafeCookie() throws Exception {
    CookieManager cookies = new CookieManager();
    HttpClient browser = newBrowser(cookies);

    HttpResponse<String> first = send(browser, HttpRequest.newBuilder(uri(CSRF_TOKEN)));
    HttpResponse<String> second = send(browser, HttpRequest.newBuilder(uri(CSRF_TOKEN)));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(header(first, "Cache-Control")).isEqualTo("no-store");
    String token = json(first).get("csrf_token").asText();
    // 32 random bytes in URL-safe base64 without padding.
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(json(second).get("csrf_token").asText()).isEqualTo(token);
    String setCookie = header(first, "Set-Cookie");
    assertThat(setCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
    assertThat(cookies.getCookieStore().getCookies()).hasSize(1);
  }

  @Test
  void deleteWithoutTokenIsForbidden() throws Exception {
    String videoId = publishVideo();
    HttpClient browser = newBrowser();
    fetchToken(browser);

    HttpResponse<String> response = send(browser, HttpRequest.newBuilder(uri(VIDEOS + "/" + videoId)).DELETE());

    assertForbidden(response, "the X-CSRF-Token header is missing");
    assertVideoKnown(videoId);
  }

  @Test
  void deleteWithWrongTokenIsForbidden() throws Exception {
    String videoId = publishVideo();
    HttpClient browser = newBrowser();
    fetchToken(browser);

    HttpResponse<String> response = delete(browser, videoId, "not-the-token");

    assertForbidden(response, "does not match this session's token");
    assertVideoKnown(videoId);
  }

  @Test
  void tokenOfAnotherSessionIsForbidden() throws Exception {
    String videoId = publishVideo();
    String othersToken = fetchToken(newBrowser());
    HttpClient browser = newBrowser();
    fetchToken(browser);

    HttpResponse<String> response = delete(browser, videoId, othersToken);

    assertForbidden(response, "does not match this session's token");
    assertVideoKnown(videoId);
  }

  @Test
  void tokenWithoutSessionCookieIsForbidden() throws Exception {
    String videoId = publishVideo();
    String token = fetchToken(newBrowser());
    HttpClient cookieless = HttpClient.newHttpClient();

    HttpResponse<String> response = delete(cookieless, videoId, token);

    assertForbidden(response, "the request has no session with a token");
    assertVideoKnown(videoId);
  }

  @Test
  void newSessionRotatesToken() throws Exception {
    String videoId = publishVideo();
    CookieManager cookies = new CookieManager();
    HttpClient browser = newBrowser(cookies);
    String oldToken = fetchToken(browser);

    invalidateSession(cookies);
    HttpResponse<String> afterInvalidation = delete(browser, videoId, oldToken);
    String newToken = fetchToken(browser);
    HttpResponse<String> oldTokenInNewSession = delete(browser, videoId, oldToken);

    assertForbidden(afterInvalidation, "the request has no session with a token");
    assertThat(newToken).isNotEqualTo(oldToken);
    assertForbidden(oldTokenInNewSession, "does not match this session's token");
    assertVideoKnown(videoId);
    assertThat(delete(browser, videoId, newToken).statusCode()).isEqualTo(204);
    assertThat(send(browser, HttpRequest.newBuilder(uri(VIDEOS + "/" + videoId))).statusCode()).isEqualTo(404);
  }

  @Test
  void rejectionCarriesCorsHeadersForAllowedOrigin() throws Exception {
    String videoId = publishVideo();

    HttpResponse<String> response = send(newBrowser(), HttpRequest.newBuilder(uri(VIDEOS + "/" + videoId))
        .header("Origin", REACT_ORIGIN)
        .DELETE());

    assertForbidden(response, "the X-CSRF-Token header is missing");
    assertThat(header(response, "Access-Control-Allow-Origin")).isEqualTo(REACT_ORIGIN);
  }

  @Test
  void validTokenPassesToEndpoint() throws Exception {
    HttpClient browser = newBrowser();
    String token = fetchToken(browser);

    HttpResponse<String> unknown = delete(browser, "never-published", token);
    HttpResponse<String> post = send(browser, HttpRequest.newBuilder(uri(VIDEOS))
        .header("X-CSRF-Token", token)
        .POST(HttpRequest.BodyPublishers.ofString("{}")));

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).get("detail").asText()).contains("video \"never-published\" is not known");
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void broadcastIsExemptButStillNeedsBearerToken() throws Exception {
    String videoId = "exempt-" + videoCounter.incrementAndGet();
    String body = "{\"type\":\"video.status\",\"video_id\":\"" + videoId + "\",\"status\":\"queued\",\"progress\":0}";
    HttpClient worker = HttpClient.newHttpClient();

    HttpResponse<String> withBearer = send(worker, broadcast(body).header("Authorization", "Bearer " + TOKEN));
    HttpResponse<String> withoutBearer = send(worker, broadcast(body));
    HttpResponse<String> withCsrfHeaderOnly = send(worker, broadcast(body).header("X-CSRF-Token", "anything"));

    assertThat(withBearer.statusCode()).isEqualTo(202);
    assertVideoKnown(videoId);
    assertThat(withoutBearer.statusCode()).isEqualTo(401);
    assertThat(json(withoutBearer).get("field").asText()).isEqualTo("Authorization");
    assertThat(withCsrfHeaderOnly.statusCode()).isEqualTo(401);
  }

  private static HttpRequest.Builder broadcast(String body) {
    return HttpRequest.newBuilder(uri("/api/v2/events/broadcast"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static String publishVideo() {
    String videoId = "video-" + videoCounter.incrementAndGet();
    publisher.publish(VideoStatusEvent.of(Instant.now(), videoId, VideoStatus.COMPLETED, 100));
    return videoId;
  }

  private static void invalidateSession(CookieManager cookies) throws Exception {
    HttpCookie cookie = cookies.getCookieStore().getCookies().get(0);
    SessionHandler sessions = server.context().getSessionHandler();
    // The cookie contains the id with the node suffix, and the session handler expects the cluster id.
    sessions.invalidate(sessions.getSessionIdManager().getId(cookie.getValue()));
  }

  private static String fetchToken(HttpClient browser) throws Exception {
    HttpResponse<String> response = send(browser, HttpRequest.newBuilder(uri(CSRF_TOKEN)));
    assertThat(response.statusCode()).isEqualTo(200);
    return json(response).get("csrf_token").asText();
  }

  private static HttpResponse<String> delete(HttpClient browser, String videoId, String token) throws Exception {
    return send(browser, HttpRequest.newBuilder(uri(VIDEOS + "/" + videoId))
        .header("X-CSRF-Token", token)
        .DELETE());
  }

  private static void assertForbidden(HttpResponse<String> response, String detail) throws Exception {
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(header(response, "Content-Type")).startsWith("application/problem+json");
    JsonNode problem = json(response);
    assertThat(problem.get("detail").asText()).contains(detail);
    assertThat(problem.get("field").asText()).isEqualTo("X-CSRF-Token");
  }

  private static void assertVideoKnown(String videoId) throws Exception {
    HttpResponse<String> response = send(HttpClient.newHttpClient(), HttpRequest.newBuilder(uri(VIDEOS + "/" + videoId)));
    assertThat(response.statusCode()).as("GET %s/%s", VIDEOS, videoId).isEqualTo(200);
  }

  private static void assertNoCorsHeaders(HttpResponse<String> response) {
    assertThat(header(response, "Access-Control-Allow-Origin")).isNull();
    assertThat(header(response, "Access-Control-Allow-Credentials")).isNull();
  }

  private static List<String> varyValues(HttpResponse<String> response) {
    return response.headers().allValues("Vary").stream()
        .flatMap(value -> List.of(value.split(",")).stream())
        .map(String::trim)
        .toList();
  }

  private static String header(HttpResponse<String> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return EventJson.mapper().readTree(response.body());
  }

  private static HttpClient newBrowser() {
    return newBrowser(new CookieManager());
  }

  private static HttpClient newBrowser(CookieManager cookies) {
    return HttpClient.newBuilder().cookieHandler(cookies).build();
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create(baseUrl() + path);
  }

  private static String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }
}
