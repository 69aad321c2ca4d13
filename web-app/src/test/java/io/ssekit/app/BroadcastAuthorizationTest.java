package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks who may publish: loopback clients without a token, everyone else with it. */
class BroadcastAuthorizationTest {

  private static final String EVENT =
      "{\"type\":\"video.status\",\"video_id\":\"abc\",\"status\":\"queued\",\"progress\":0}";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void loopbackWithoutTokenMayPublish() throws Exception {
    try (LiveServer server = LiveServer.start(Map.of())) {
      HttpResponse<String> response = post(server);

      assertThat(response.statusCode()).isEqualTo(202);
    }
  }

  @Test
  void proxiedRequestWithoutTokenIsRejected() throws Exception {
    for (String header : new String[] {"X-Forwarded-For", "Forwarded", "X-Real-IP"}) {
      try (LiveServer server = LiveServer.start(Map.of())) {
        HttpResponse<String> response = post(server, header, "203.0.113.7");

        assertThat(response.statusCode()).as(header).isEqualTo(403);
        assertThat(detail(response)).as(header).contains("not through a proxy");
      }
    }
  }

  @Test
  void tokenIsRequiredWhenSet() throws Exception {
    try (LiveServer server = LiveServer.start(Map.of("BROADCAST_TOKEN", "s3cret"))) {
      HttpResponse<String> missing = post(server);
      HttpResponse<String> wrong = post(server, "Authorization", "Bearer nope");
      HttpResponse<String> right = post(server, "Authorization", "Bearer s3cret");

      assertThat(missing.statusCode()).isEqualTo(401);
      assertThat(detail(missing)).contains("Authorization header is missing");
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(detail(wrong)).contains("not valid");
      assertThat(right.statusCode()).isEqualTo(202);
    }
  }

  private HttpResponse<String> post(LiveServer server, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create(server.baseUrl() + "/api/v2/events/broadcast"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(EVENT));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String detail(HttpResponse<String> response) throws Exception {
    JsonNode problem = EventJson.mapper().readTree(response.body());
    return problem.path("detail").asText();
  }
}
