package io.ssekit.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ssekit.core.CloseReason;
import io.ssekit.core.EventDraft;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.SseBroker;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.servlet.SseEndpoints;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Jetty transport in a real Jetty 12 server, read by clients on real sockets. */
class JettyStreamTransportTest {

  private static final String STREAM_PATH = SseEndpoints.DEFAULT_PREFIX + "/stream";

  private static final int MAX_QUEUED_EVENTS = 100;

  private Server jetty;
  private ServerConnector connector;
  private SseBroker broker;

  @BeforeEach
  void startServer() throws Exception {
    startServer(MAX_QUEUED_EVENTS, 64 * 1024);
  }

  private void startServer(int maxQueuedEvents, long maxQueuedBytes) throws Exception {
    broker = SseBroker.builder(InMemoryEventBus.builder().replayCapacity(1_000).build())
        .retry(Duration.ofMillis(1500))
        .heartbeatInterval(Duration.ofSeconds(1))
        .maxQueuedEvents(maxQueuedEvents)
        .maxQueuedBytes(maxQueuedBytes)
        .build();
    jetty = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setOutputAggregationSize(0);
    connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addServletContainerInitializer(
        SseEndpoints.builder(broker).transports(JettyStreamTransports.factory()).build().initializer());
    jetty.setHandler(context);
    jetty.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    broker.shutdown(Duration.ofSeconds(1));
    jetty.stop();
    broker.bus().close();
  }

  @Test
  void streamsEveryEventInOrder() throws Exception {
    try (SseSocketClient client = SseSocketClient.open(port(), STREAM_PATH)) {
      await().until(() -> broker.connectedClients() == 1);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        ids.add(publish("{\"n\":" + i + "}"));
        if (i % 50 == 49) {
          // Stays below the queue bound of 100, which would cut the client.
          int published = i + 1;
          await().until(() -> client.events("bench.tick").size() == published);
        }
      }

      await().until(() -> client.events("bench.tick").size() == 500);
      assertThat(client.status()).isEqualTo(200);
      assertThat(client.header("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
      assertThat(client.header("Cache-Control")).isEqualTo("no-cache");
      assertThat(client.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(client.bodyText()).startsWith("retry: 1500\n\n");
      List<ParsedEvent> events = client.events("bench.tick");
      assertThat(events).extracting(ParsedEvent::lastEventId).containsExactlyElementsOf(ids);
      assertThat(events.get(499).data()).isEqualTo("{\"n\":499}");
    }
  }

  @Test
  void closeRequestStillGetsChunks() throws Exception {
    try (SseSocketClient client =
        SseSocketClient.open(port(), STREAM_PATH + "?types=bench.tick", Map.of("Connection", "close"))) {
      await().until(() -> broker.connectedClients() == 1);
      String first = publish("{\"n\":1}");
      String second = publish("{\"n\":2}");

      await().until(() -> client.events("bench.tick").size() == 2);
      assertThat(client.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(client.bodyText()).isEqualTo("retry: 1500\n\n"
          + "id: " + first + "\nevent: bench.tick\ndata: {\"n\":1}\n\n"
          + "id: " + second + "\nevent: bench.tick\ndata: {\"n\":2}\n\n");
    }
  }

  @Test
  void http10ClientGetsUnchunkedFrames() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port()));
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET " + STREAM_PATH + " HTTP/1.0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      await().until(() -> broker.connectedClients() == 1);
      String id = publish("{\"n\":4}");
      broker.shutdown(Duration.ofSeconds(5));

      // The server closes the connection after the last frame: readAllBytes returns.
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").doesNotContainIgnoringCase("chunked");
      assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).isEqualTo("retry: 1500\n\n"
          + "id: " + id + "\nevent: bench.tick\ndata: {\"n\":4}\n\n"
          + "retry: 1500\n\n");
    }
  }

  @Test
  void resetClientFreesItsSlot() throws Exception {
    SseSocketClient resetClient = SseSocketClient.open(port(), STREAM_PATH);
    try (SseSocketClient staying = SseSocketClient.open(port(), STREAM_PATH)) {
      await().until(() -> broker.connectedClients() == 2);
      resetClient.abort();

      // Writes to the reset socket fail; the heartbeat every second writes at the latest.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        publish("{\"n\":1}");
        assertThat(broker.connectedClients()).isEqualTo(1);
      });
      assertThat(broker.closedStreams(CloseReason.CLIENT_GONE)).isEqualTo(1);
      await().until(() -> !staying.events("bench.tick").isEmpty());
      assertThat(staying.isEnded()).isFalse();
    }
  }

  @Test
  void stalledClientIsCutAtBound() throws Exception {
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress("127.0.0.1", port()));
      OutputStream out = stalled.getOutputStream();
      out.write(("GET " + STREAM_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await().until(() -> broker.connectedClients() == 1);

      String padding = "x".repeat(2000);
      // About 20 MiB: far more than the socket buffers and the 64 KiB queue bound take.
      for (int i = 0; i < 10_000 && broker.closedStreams(CloseReason.SLOW_CLIENT) == 0; i++) {
        publish("{\"pad\":\"" + padding + "\"}");
      }

      await().until(() -> broker.closedStreams(CloseReason.SLOW_CLIENT) == 1);
      assertThat(broker.connectedClients()).isZero();
    }
    // The server took the cut stream's response to its end and serves new streams.
    try (SseSocketClient next = SseSocketClient.open(port(), STREAM_PATH)) {
      String id = publish("{\"n\":2}");
      await().until(() -> !next.events("bench.tick").isEmpty());
      assertThat(next.events("bench.tick").get(0).lastEventId()).isEqualTo(id);
    }
  }

  @Test
  void pausedClientGetsIntactFramesLater() throws Exception {
    // Bounds that a client holding 6 MB back never reaches.
    stopServer();
    startServer(10_000, 64L * 1024 * 1024);
    try (SseSocketClient paused = SseSocketClient.openPaused(port(), STREAM_PATH);
        SseSocketClient reading = SseSocketClient.open(port(), STREAM_PATH)) {
      await().until(() -> broker.connectedClients() == 2);
      List<String> published = new ArrayList<>();

      // More than the send buffer takes (Linux's default net.ipv4.tcp_wmem caps it at 4 MiB), so
      // writes to the paused client stop part way while the writers encode chunks for the other.
      for (int i = 0; i < 3_000; i++) {
        String data = "{\"n\":" + i + ",\"pad\":\"" + String.format("%04d", i).repeat(500) + "\"}";
        publish(data);
        published.add(data);
      }
      await().until(() -> reading.events("bench.tick").size() == 3_000);
      paused.resume();

      await().atMost(Duration.ofSeconds(30)).until(() -> paused.events("bench.tick").size() >= 3_000);
      assertThat(paused.events("bench.tick")).extracting(ParsedEvent::data).containsExactlyElementsOf(published);
      assertThat(reading.events("bench.tick")).extracting(ParsedEvent::data).containsExactlyElementsOf(published);
      assertThat(broker.closedStreams(CloseReason.SLOW_CLIENT)).isZero();
    }
  }

  @Test
  void shutdownEndsResponseCleanly() throws Exception {
    try (SseSocketClient client = SseSocketClient.open(port(), STREAM_PATH)) {
      await().until(() -> broker.connectedClients() == 1);
      String id = publish("{\"n\":3}");

      broker.shutdown(Duration.ofSeconds(5));

      assertThat(client.awaitEnd(Duration.ofSeconds(10))).isTrue();
      assertThat(client.endedCleanly()).isTrue();
      assertThat(client.events("bench.tick")).extracting(ParsedEvent::lastEventId).containsExactly(id);
      assertThat(client.bodyText()).endsWith("retry: 1500\n\n");
      assertThat(broker.closedStreams(CloseReason.SHUTDOWN)).isEqualTo(1);
    }
  }

  private String publish(String data) {
    return broker.publish(List.of(new EventDraft("bench.tick", data, null, null)))
        .get(0).id().toString();
  }

  private int port() {
    return connector.getLocalPort();
  }
}
