package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.EventPublisher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection and request-size limits on a real server: the response a client over a cap
 * gets, a freed slot that lets it in again, and oversized requests that get a response
 * instead of a hang.
 */
class StreamLimitsEndToEndTest {

  private static final String STREAM = "/api/v2/events/stream";
  private static final Duration WAIT = Duration.ofSeconds(5);

  private EventServer server;

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void perAddressCapSendsRetryHint() throws Exception {
    start(Map.of("MAX_STREAMS_PER_ADDRESS", "2"));
    try (SseSocketClient first = SseSocketClient.open(server.port(), STREAM);
        SseSocketClient second = SseSocketClient.open(server.port(), STREAM);
        SseSocketClient refused = SseSocketClient.open(server.port(), STREAM)) {

      assertRefusedWithRetryHint(refused);
      assertThat(server.broker().connectedClients()).isEqualTo(2);
      assertStillServed(first, second);
    }
  }

  @Test
  void perAddressCapLeavesOtherAddressesIn() throws Exception {
    start(Map.of("MAX_STREAMS_PER_ADDRESS", "1"));
    try (SseSocketClient first = SseSocketClient.open(server.port(), STREAM);
        RawStream fromOtherAddress = RawStream.open(InetAddress.getByName("127.0.0.2"), server.port(), STREAM)) {

      assertThat(fromOtherAddress.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(server.broker().connectedClients()).isEqualTo(2);
      assertStillServed(first);
    }
  }

  @Test
  void freedSlotAcceptsRetry() throws Exception {
    start(Map.of("MAX_STREAMS_PER_ADDRESS", "1"));
    SseSocketClient holder = SseSocketClient.open(server.port(), STREAM);
    try (SseSocketClient refused = SseSocketClient.open(server.port(), STREAM)) {
      assertRefusedWithRetryHint(refused);
    }

    holder.abort();
    // The next heartbeat fails on the reset socket and frees the slot.
    await().atMost(WAIT).until(() -> server.broker().connectedClients() == 0);

    try (SseSocketClient retried = SseSocketClient.open(server.port(), STREAM)) {
      await().atMost(WAIT).until(() -> !retried.events("heartbeat").isEmpty());
      assertThat(retried.isEnded()).isFalse();
      assertThat(server.broker().connectedClients()).isEqualTo(1);
    }
  }

  @Test
  void totalCapAppliesToEveryAddress() throws Exception {
    start(Map.of("MAX_STREAMS", "1"));
    try (SseSocketClient first = SseSocketClient.open(server.port(), STREAM);
        SseSocketClient refused = SseSocketClient.open(server.port(), STREAM);
        RawStream fromOtherAddress = RawStream.open(InetAddress.getByName("127.0.0.2"), server.port(), STREAM)) {

      assertRefusedWithRetryHint(refused);
      assertThat(fromOtherAddress.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      // readToEnd returns only once the server has ended the response.
      assertThat(fromOtherAddress.readToEnd()).contains("retry: 2500\n\n");
      assertStillServed(first);
    }
  }

  @Test
  void oversizedQueryGets414WithoutHanging() throws Exception {
    start(Map.of());
    String query = "?types=video.status&padding=" + "x".repeat(10_000);

    String response = exchange("GET " + STREAM + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 414 ");
  }

  @Test
  void oversizedHeaderGets431WithoutHanging() throws Exception {
    start(Map.of());

    String response = exchange("GET " + STREAM + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
        + "x".repeat(10_000) + "\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 431 ");
  }

  @Test
  void raisedHeaderLimitAcceptsLongQuery() throws Exception {
    start(Map.of("MAX_REQUEST_HEADER_BYTES", "32768"));
    String query = "?types=video.status&padding=" + "x".repeat(10_000);

    try (SseSocketClient client = SseSocketClient.open(server.port(), STREAM + query)) {
      assertThat(client.status()).isEqualTo(200);
      await().atMost(WAIT).until(() -> !client.events("heartbeat").isEmpty());
    }
  }

  @Test
  void oversizedBroadcastBodyGets413() throws Exception {
    start(Map.of("MAX_BODY_BYTES", "1024"));
    String padding = "x".repeat(2_000);
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v2/events/broadcast"))
        .header("Content-Type", "application/json")
        .timeout(WAIT)
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"type\":\"video.status\",\"video_id\":\"a\",\"status\":\"queued\",\"progress\":0,"
                + "\"message\":\"" + padding + "\"}"))
        .build();

    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(EventJson.mapper().readTree(response.body()).get("detail").asText())
        .startsWith("the body is larger than 1024 bytes");
  }

  private void start(Map<String, String> settings) throws Exception {
    Map<String, String> environment = new HashMap<>(Map.of(
        "PORT", "0", "HOST", "127.0.0.1", "HEARTBEAT_INTERVAL", "0.2", "RETRY_MS", "2500"));
    environment.putAll(settings);
    server = new EventServer(ServerConfig.fromSources(environment, List.of()));
    server.start();
  }

  /** Checks that a rejected stream is a 200 event stream that sets the retry time and ends at once. */
  private static void assertRefusedWithRetryHint(SseSocketClient refused) throws InterruptedException {
    assertThat(refused.status()).isEqualTo(200);
    assertThat(refused.header("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
    assertThat(refused.awaitEnd(WAIT)).as("refused stream ended").isTrue();
    assertThat(refused.bodyText()).isEqualTo("retry: 2500\n\n");
  }

  /** Publishes one event as a worker would and checks that each stream receives it. */
  private void assertStillServed(SseSocketClient... streams) {
    String videoId = "served-" + System.nanoTime();
    try (EventPublisher publisher = EventPublisher.builder(baseUrl()).timeout(WAIT).build()) {
      publisher.publish(VideoStatusEvent.of(Instant.now(), videoId, VideoStatus.PROCESSING, 50));
    }
    for (SseSocketClient stream : streams) {
      await().atMost(WAIT).until(() -> stream.bodyText().contains(videoId));
      assertThat(stream.isEnded()).isFalse();
    }
  }

  /** Sends raw request bytes and reads until the server closes; fails if it does not within 5 s. */
  private String exchange(String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /** A stream request from a chosen local loopback address, read as raw bytes. */
  private static final class RawStream implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    private RawStream(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
    }

    static RawStream open(InetAddress localAddress, int port, String path) throws IOException {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout((int) WAIT.toMillis());
      String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new RawStream(socket);
    }

    String statusLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("connection closed before the status line ended");
        }
        line.write(b);
      }
      return line.toString(StandardCharsets.ISO_8859_1).trim();
    }

    /**
     * Returns the rest of the response as raw text, chunk framing included, up to its last
     * chunk. The connection itself stays open for the next request, as HTTP/1.1 allows.
     */
    String readToEnd() throws IOException {
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      while (!rest.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed before the last chunk");
        }
        rest.write(b);
      }
      return rest.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
