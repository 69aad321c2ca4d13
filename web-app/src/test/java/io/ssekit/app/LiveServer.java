package io.ssekit.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventBus;
import io.ssekit.core.EventJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real {@link EventServer} on a free loopback port, with the calls the delivery tests make
 * against it: publishing through the broadcast endpoint and reading the health report.
 *
 * <p>Settings are given as environment variables, exactly as an operator would set them;
 * {@code PORT=0}, {@code HOST=127.0.0.1} and {@code SHUTDOWN_GRACE=0} are added unless given.
 */
final class LiveServer implements AutoCloseable {

  static final String STREAM = "/api/v2/events/stream";

  private static final String BROADCAST = "/api/v2/events/broadcast";

  private final EventServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  private LiveServer(EventServer server) {
    this.server = server;
  }

  /** Starts a server with {@code environment} on top of the loopback defaults. */
  static LiveServer start(Map<String, String> environment) throws Exception {
    return start(new EventServer(config(environment)));
  }

  /** Starts a server on {@code bus}, which it closes when it stops. */
  static LiveServer start(Map<String, String> environment, EventBus bus) throws Exception {
    return start(new EventServer(config(environment), bus));
  }

  private static LiveServer start(EventServer server) throws Exception {
    server.start();
    return new LiveServer(server);
  }

  private static ServerConfig config(Map<String, String> environment) {
    // These tests do not cover shutdown. Without a grace period a server stops in about
    // 0.1 s instead of 0.8 s, which adds up over many tests.
    Map<String, String> settings =
        new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "SHUTDOWN_GRACE", "0"));
    settings.putAll(environment);
    return ServerConfig.fromSources(settings, List.of());
  }

  EventServer server() {
    return server;
  }

  int port() {
    return server.port();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /**
   * Publishes {@code events} as one {@code {"events":[...]}} request, as a worker does; returns
   * their ids in request order.
   *
   * @throws AssertionError if the response status is not 202
   */
  List<String> publishBatch(List<ObjectNode> events) throws IOException, InterruptedException {
    ObjectNode batch = EventJson.mapper().createObjectNode();
    ArrayNode array = batch.putArray("events");
    array.addAll(events);
    return post(batch);
  }

  /** Publishes one event given as JSON; returns its id. */
  String publish(ObjectNode event) throws IOException, InterruptedException {
    return post(event).get(0);
  }

  /** Returns {@code connected_clients} from the health endpoint. */
  int connectedClients() throws Exception {
    JsonNode health = EventJson.mapper().readTree(get("/api/v2/events/health").body());
    return health.get("connected_clients").asInt();
  }

  private List<String> post(JsonNode body) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + BROADCAST))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 202) {
      throw new AssertionError(
          "publish returned status " + response.statusCode() + " (expected: 202): " + response.body());
    }
    List<String> ids = new ArrayList<>();
    EventJson.mapper().readTree(response.body()).path("ids").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  /** Sends a GET with {@code headers} given as name, value, ...; waits for the whole body. */
  HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Returns a {@code video.status} event as a worker posts it, with a fixed timestamp so that
   * its wire text is known.
   */
  static ObjectNode videoStatus(String videoId, int progress) {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "video.status");
    event.put("timestamp", "2025-11-05T12:00:00.000Z");
    event.put("video_id", videoId);
    event.put("status", "processing");
    event.put("progress", progress);
    return event;
  }

  /** Returns the exact frame the server sends for {@link #videoStatus(String, int)}. */
  static String videoStatusFrame(String id, String videoId, int progress) {
    return "id: " + id + "\n"
        + "event: video.status\n"
        + "data: {\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
        + "\"video_id\":\"" + videoId + "\",\"status\":\"processing\",\"progress\":" + progress
        + "}\n\n";
  }

  @Override
  public void close() {
    server.stop();
  }
}
