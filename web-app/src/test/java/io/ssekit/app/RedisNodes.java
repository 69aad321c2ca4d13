package io.ssekit.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
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
 * Several real {@link EventServer} nodes on free loopback ports that share events through one
 * Redis stream, as they would behind a load balancer, configured through {@code REDIS_URL} and
 * {@code REDIS_STREAM_KEY} exactly as an operator sets them.
 *
 * <p>Confined to the test thread, except {@link #stop(int)}.
 */
final class RedisNodes implements AutoCloseable {

  static final String STREAM = "/api/v2/events/stream";

  private static final String BROADCAST = "/api/v2/events/broadcast";

  private static final String HEALTH = "/api/v2/events/health";

  private final List<EventServer> nodes;
  private final HttpClient http = HttpClient.newHttpClient();

  private RedisNodes(List<EventServer> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts {@code count} nodes on the stream {@code streamKey} of the Redis at {@code redisUrl},
   * with heartbeats every 0.2 s so that broken connections are noticed quickly.
   */
  static RedisNodes start(int count, String redisUrl, String streamKey) throws Exception {
    Map<String, String> environment = new HashMap<>();
    environment.put("PORT", "0");
    environment.put("HOST", "127.0.0.1");
    environment.put("HEARTBEAT_INTERVAL", "0.2");
    environment.put("REDIS_URL", redisUrl);
    environment.put("REDIS_STREAM_KEY", streamKey);
    ServerConfig config = ServerConfig.fromSources(environment, List.of());
    List<EventServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        EventServer node = new EventServer(config);
        nodes.add(node);
        node.start();
      }
    } catch (Exception e) {
      nodes.forEach(EventServer::stop);
      throw e;
    }
    return new RedisNodes(nodes);
  }

  EventServer node(int index) {
    return nodes.get(index);
  }

  int port(int index) {
    return nodes.get(index).port();
  }

  /** Opens a stream on node {@code index}, resuming after {@code lastEventId} when it is set. */
  SseSocketClient openStream(int index, String lastEventId) throws IOException {
    Map<String, String> headers = lastEventId.isEmpty() ? Map.of() : Map.of("Last-Event-ID", lastEventId);
    return SseSocketClient.open(port(index), STREAM, headers);
  }

  /**
   * Publishes {@code events} as one batch on node {@code index}, as a worker does; returns the
   * ids in request order.
   *
   * @throws AssertionError if the node does not respond with 202
   */
  List<String> publish(int index, List<ObjectNode> events) throws IOException, InterruptedException {
    HttpResponse<String> response = publishRaw(index, events);
    if (response.statusCode() != 202) {
      throw new AssertionError(
          "publish on node " + index + " responded with " + response.statusCode() + " (expected: 202): "
              + response.body());
    }
    List<String> ids = new ArrayList<>();
    EventJson.mapper().readTree(response.body()).path("ids").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  /** Publishes {@code events} as one batch on node {@code index} and returns the response. */
  HttpResponse<String> publishRaw(int index, List<ObjectNode> events) throws IOException, InterruptedException {
    ObjectNode batch = EventJson.mapper().createObjectNode();
    ArrayNode array = batch.putArray("events");
    array.addAll(events);
    HttpRequest request = HttpRequest.newBuilder(uri(index, BROADCAST))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(batch.toString()))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Returns the health response of node {@code index}. */
  HttpResponse<String> health(int index) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri(index, HEALTH)).timeout(Duration.ofSeconds(10)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Returns the health report of node {@code index} as JSON. */
  JsonNode healthReport(int index) throws IOException, InterruptedException {
    return EventJson.mapper().readTree(health(index).body());
  }

  int connectedClients(int index) throws IOException, InterruptedException {
    return healthReport(index).get("connected_clients").asInt();
  }

  /**
   * Stops node {@code index} gracefully: its streams get a retry hint and are closed. May be
   * called from another thread than the test's.
   */
  void stop(int index) {
    nodes.get(index).stop();
  }

  /** Stops every node; a node that was stopped already is left as it is. */
  @Override
  public void close() {
    nodes.forEach(EventServer::stop);
  }

  /** Returns a {@code video.status} event as a worker posts it. */
  static ObjectNode videoStatus(String videoId, int progress) {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "video.status");
    event.put("video_id", videoId);
    event.put("status", "processing");
    event.put("progress", progress);
    return event;
  }

  /** Returns the ids of the {@code video.status} events {@code client} received, in order. */
  static List<String> videoStatusIds(SseSocketClient client) {
    return client.events("video.status").stream().map(ParsedEvent::lastEventId).toList();
  }

  private URI uri(int index, String path) {
    return URI.create("http://127.0.0.1:" + port(index) + path);
  }
}
