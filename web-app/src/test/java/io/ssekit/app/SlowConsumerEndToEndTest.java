package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.CloseReason;
import io.ssekit.core.EventJson;
import io.ssekit.core.SseBroker;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * One client that stops reading among many that read: the stalled one is cut at its queue
 * bound, the others get every event, and the server's heap stays within the bounds.
 */
class SlowConsumerEndToEndTest {

  private static final int READING_CLIENTS = 100;

  private static final int MAX_QUEUED_EVENTS = 200;

  private static final int MAX_QUEUED_BYTES = 128 * 1024;

  private static final int REPLAY_BUFFER_SIZE = 100;

  /** Bytes of padding per event, so that each frame is about 1.1 KiB on the wire. */
  private static final int PAD_BYTES = 1000;

  /** Events per publish request; well below the queue bounds, so readers that keep up are never cut. */
  private static final int BATCH_SIZE = 50;

  /** Events published before the heap baseline: more than the replay log holds. */
  private static final int WARM_UP_EVENTS = 4 * REPLAY_BUFFER_SIZE;

  /**
   * Events published while the stalled client is connected: about 11 MiB. The kernel's socket
   * buffers on loopback take 2 to 4 MiB of a client that does not read, so this is enough to
   * reach the queue bound, and far more than the heap bound below.
   */
  private static final int MEASURED_EVENTS = 10_000;

  /** Extra heap allowed for allocation that a full GC does not return at once. */
  private static final long HEAP_MARGIN_BYTES = 2 * 1024 * 1024;

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final ListAppender<ILoggingEvent> brokerLog = new ListAppender<>();
  private LiveServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = LiveServer.start(Map.of(
        "MAX_QUEUED_EVENTS", String.valueOf(MAX_QUEUED_EVENTS),
        "MAX_QUEUED_BYTES", String.valueOf(MAX_QUEUED_BYTES),
        "REPLAY_BUFFER_SIZE", String.valueOf(REPLAY_BUFFER_SIZE),
        "HEARTBEAT_INTERVAL", "5"));
    brokerLog.start();
    brokerLogger().addAppender(brokerLog);
  }

  @AfterEach
  void stopServer() {
    brokerLogger().detachAppender(brokerLog);
    server.close();
  }

  @Test
  void stalledClientIsCutAlone() throws Exception {
    SseBroker broker = server.server().broker();
    Socket stalled = openStalledStream();
    try (CountingStreamReaders readers = CountingStreamReaders.open(
        server.port(), LiveServer.STREAM, READING_CLIENTS, "load.test")) {
      await().atMost(Duration.ofSeconds(10))
          .until(() -> broker.connectedClients() == READING_CLIENTS + 1);

      // Warm up: fill the replay log and let every reader's queue and buffers reach their
      // working size, so that the baseline below already includes them.
      int published = 0;
      for (int batch = 0; batch < WARM_UP_EVENTS / BATCH_SIZE; batch++) {
        published = publishAndAwaitReaders(readers, published, BATCH_SIZE);
      }
      long baseline = usedHeapAfterGc();
      long peak = baseline;

      for (int batch = 0; batch < MEASURED_EVENTS / BATCH_SIZE; batch++) {
        published = publishAndAwaitReaders(readers, published, BATCH_SIZE);
        if (batch % 20 == 19) {
          peak = Math.max(peak, usedHeapAfterGc());
        }
      }

      assertThat(readers.failures()).isEmpty();
      assertThat(readers.eventCounts()).containsOnly(published);
      assertThat(readers.endedConnections()).isZero();
      assertThat(broker.closedStreams(CloseReason.SLOW_CLIENT)).isEqualTo(1);
      assertThat(broker.connectedClients()).isEqualTo(READING_CLIENTS);
      assertThat(server.connectedClients()).isEqualTo(READING_CLIENTS);
      assertThat(slowClientWarnings()).hasSize(1);
      assertThat(peak - baseline)
          .as("heap growth in bytes while %d events passed a stalled client", MEASURED_EVENTS)
          .isLessThan(heapBoundBytes());
    } finally {
      stalled.close();
    }
  }

  /**
   * Returns the most the heap may grow while the stalled client is connected.
   *
   * <p>Readers that keep up hold nothing between batches, and the warm-up filled the replay log
   * with frames of the same size, so the stalled stream is the only thing that grows:
   *
   * <ul>
   *   <li>its live queue: at most {@code MAX_QUEUED_BYTES} of frames plus, for each of at most
   *       {@code MAX_QUEUED_EVENTS} entries, a queue slot and the frame's object header (64
   *       bytes is more than both together);
   *   <li>the chunk the transport handed to Jetty before the socket stopped taking bytes: at
   *       most 16 KiB of joined frames, or one frame;
   *   <li>Jetty's output buffer for the connection: 32 KiB by default;
   *   <li>{@link #HEAP_MARGIN_BYTES} for allocation the GC does not return at once, such as
   *       buffer pools and thread-local caches that grow while the load runs.
   * </ul>
   *
   * <p>Without the queue bound, the stalled stream would hold every event that the socket
   * buffers did not take: about 8 MiB here, several times this bound.
   */
  private static long heapBoundBytes() {
    long queue = MAX_QUEUED_BYTES + MAX_QUEUED_EVENTS * 64L;
    long chunkInFlight = 16 * 1024;
    long jettyOutputBuffer = 32 * 1024;
    return queue + chunkInFlight + jettyOutputBuffer + HEAP_MARGIN_BYTES;
  }

  private int publishAndAwaitReaders(CountingStreamReaders readers, int firstSeq, int count)
      throws Exception {
    List<ObjectNode> events = new ArrayList<>(count);
    for (int seq = firstSeq; seq < firstSeq + count; seq++) {
      events.add(loadEvent(seq));
    }
    server.publishBatch(events);
    int published = firstSeq + count;
    await().atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> readers.minEventCount() >= published || !readers.failures().isEmpty());
    assertThat(readers.failures()).isEmpty();
    return published;
  }

  private static ObjectNode loadEvent(int seq) {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "load.test");
    event.put("timestamp", "2025-11-05T12:00:00.000Z");
    event.put("seq", seq);
    event.put("pad", "x".repeat(PAD_BYTES));
    return event;
  }

  /** Opens a stream on a socket with a tiny receive buffer that is never read. */
  private Socket openStalledStream() throws Exception {
    Socket socket = new Socket();
    // Set before connecting, so that the TCP window is small from the start.
    socket.setReceiveBufferSize(1024);
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + LiveServer.STREAM + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private long usedHeapAfterGc() {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private List<ILoggingEvent> slowClientWarnings() {
    return brokerLog.list.stream()
        .filter(event -> event.getLevel() == Level.WARN)
        .filter(event -> event.getFormattedMessage().contains("not reading fast enough"))
        .toList();
  }

  private static Logger brokerLogger() {
    return (Logger) LoggerFactory.getLogger(SseBroker.class);
  }
}
