package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.SseSocketClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scrapes {@code /metrics} of a running server and checks the counters against what the test
 * did: streams opened, events delivered, bytes written, rejected publishes, replays and one
 * slow client cut.
 */
class MetricsEndpointTest {

  private static final String STREAM = "/api/v2/events/stream";

  /** Bytes of padding per event in the slow-client phase, so each frame is about 2 KiB. */
  private static final int PAD_BYTES = 2000;

  /** Events per publish request in the slow-client phase: about 50 KiB, below the queue bounds. */
  private static final int BATCH_SIZE = 25;

  /**
   * Most batches the slow-client phase publishes: about 20 MiB, several times what the kernel's
   * loopback socket buffers take from a client that does not read.
   */
  private static final int MAX_BATCHES = 400;

  private final HttpClient http = HttpClient.newHttpClient();
  private EventServer server;

  @BeforeEach
  void startServer() throws Exception {
    // No heartbeat during the test, so that every frame written is one the test caused.
    ServerConfig config = ServerConfig.fromSources(Map.of(
        "PORT", "0",
        "HOST", "127.0.0.1",
        "HEARTBEAT_INTERVAL", "3600",
        "MAX_QUEUED_EVENTS", "100",
        "MAX_QUEUED_BYTES", "131072",
        "SHUTDOWN_GRACE", "1"), List.of());
    server = new EventServer(config);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void scrapeIsPrometheusText() throws Exception {
    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body())
        .contains("# TYPE sse_streams_opened_total counter")
        .contains("# TYPE sse_streams_open gauge")
        .contains("# TYPE jvm_memory_used_bytes gauge");
  }

  @Test
  void countersMatchDeliveredStreams() throws Exception {
    try (SseSocketClient first = SseSocketClient.open(server.port(), STREAM);
        SseSocketClient second = SseSocketClient.open(server.port(), STREAM)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> server.broker().connectedClients() == 2);

      List<String> ids = publish(List.of(videoStatus(10), videoStatus(20), videoStatus(30)));
      for (SseSocketClient client : List.of(first, second)) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(
            () -> assertThat(client.events("video.status")).as(client.bodyText()).hasSize(3));
      }

      String scrape = scrape();
      assertThat(metric(scrape, "sse_streams_opened_total")).isEqualTo(2);
      assertThat(metric(scrape, "sse_streams_open")).isEqualTo(2);
      assertThat(metric(scrape, "sse_events_published_total")).isEqualTo(3);
      assertThat(metric(scrape, "sse_events_delivered_total")).isEqualTo(6);
      // Per stream: the retry hint and three events.
      assertThat(metric(scrape, "sse_frames_written_total")).isEqualTo(8);
      assertThat(metric(scrape, "sse_written_bytes_total"))
          .isEqualTo(utf8Length(first.bodyText()) + utf8Length(second.bodyText()));
      assertThat(metric(scrape, "sse_queue_frames")).isZero();
      assertThat(ids).hasSize(3);
    }
  }

  @Test
  void rejectedPublishesAreCountedByStatus() throws Exception {
    post("text/plain", "{}");
    post("application/json", "{\"type\":\"video.status\"}");
    post("application/json", "{\"type\":\"Not A Type\"}");

    String scrape = scrape();
    assertThat(metric(scrape, "sse_publish_errors_total{status=\"415\"}")).isEqualTo(1);
    assertThat(metric(scrape, "sse_publish_errors_total{status=\"400\"}")).isEqualTo(2);
    assertThat(metric(scrape, "sse_events_published_total")).isZero();
  }

  @Test
  void replaysAndResetsAreCounted() throws Exception {
    List<String> ids = publish(List.of(videoStatus(10), videoStatus(20)));

    try (SseSocketClient resumed =
            SseSocketClient.open(server.port(), STREAM, Map.of("Last-Event-ID", ids.get(0)));
        SseSocketClient unknown =
            SseSocketClient.open(server.port(), STREAM, Map.of("Last-Event-ID", "1-0"))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> resumed.events("video.status").size() == 1);
      await().atMost(Duration.ofSeconds(5)).until(() -> unknown.events("stream.reset").size() == 1);

      String scrape = scrape();
      assertThat(metric(scrape, "sse_replay_requests_total{outcome=\"replayed\"}")).isEqualTo(1);
      assertThat(metric(scrape, "sse_replay_requests_total{outcome=\"reset\"}")).isEqualTo(1);
      assertThat(metric(scrape, "sse_replay_events_total")).isEqualTo(1);
    }
  }

  @Test
  void slowClientCutIsCountedOnce() throws Exception {
    Socket stalled = openStalledStream();
    try (SseSocketClient reader = SseSocketClient.open(server.port(), STREAM)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> server.broker().connectedClients() == 2);

      int published = 0;
      for (int batch = 0; batch < MAX_BATCHES && !slowClientCut(); batch++) {
        published += publish(paddedBatch(published)).size();
        int expected = published;
        await().atMost(Duration.ofSeconds(10))
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(5))
            .until(() -> reader.events("load.test").size() == expected);
      }

      String scrape = scrape();
      assertThat(metric(scrape, "sse_streams_closed_total{reason=\"slow_client\"}")).isEqualTo(1);
      assertThat(metric(scrape, "sse_streams_closed_total{reason=\"client_gone\"}")).isZero();
      assertThat(metric(scrape, "sse_streams_opened_total")).isEqualTo(2);
      assertThat(metric(scrape, "sse_streams_open")).isEqualTo(1);
      assertThat(metric(scrape, "sse_events_published_total")).isEqualTo(published);
      // The reader got every event; the stalled client got what its socket took before the cut.
      assertThat(metric(scrape, "sse_events_delivered_total"))
          .isGreaterThanOrEqualTo(published)
          .isLessThan(2.0 * published);
    } finally {
      stalled.close();
    }
  }

  private boolean slowClientCut() throws Exception {
    return metric(scrape(), "sse_streams_closed_total{reason=\"slow_client\"}") > 0;
  }

  /** Opens a stream on a socket with a tiny receive buffer that is never read. */
  private Socket openStalledStream() throws Exception {
    Socket socket = new Socket();
    // Set before connecting, so that the TCP window is small from the start.
    socket.setReceiveBufferSize(1024);
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + STREAM + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private static List<ObjectNode> paddedBatch(int firstSeq) {
    List<ObjectNode> events = new ArrayList<>(BATCH_SIZE);
    for (int seq = firstSeq; seq < firstSeq + BATCH_SIZE; seq++) {
      ObjectNode event = EventJson.mapper().createObjectNode();
      event.put("type", "load.test");
      event.put("seq", seq);
      event.put("pad", "x".repeat(PAD_BYTES));
      events.add(event);
    }
    return events;
  }

  private static ObjectNode videoStatus(int progress) {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "video.status");
    event.put("video_id", "abc-123");
    event.put("status", "processing");
    event.put("progress", progress);
    return event;
  }

  private List<String> publish(List<ObjectNode> events) throws Exception {
    ObjectNode batch = EventJson.mapper().createObjectNode();
    ArrayNode array = batch.putArray("events");
    array.addAll(events);
    HttpResponse<String> response = post("application/json", batch.toString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    List<String> ids = new ArrayList<>();
    EventJson.mapper().readTree(response.body()).path("ids").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  private HttpResponse<String> post(String contentType, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri("/api/v2/events/broadcast"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private String scrape() throws Exception {
    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private HttpResponse<String> get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Returns the value of the sample {@code series} (a name, with its labels as the text format
   * prints them) in a Prometheus scrape.
   *
   * @throws AssertionError if the scrape has no such sample
   */
  static double metric(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("the scrape has no sample " + series + ":\n" + scrape);
  }
}
