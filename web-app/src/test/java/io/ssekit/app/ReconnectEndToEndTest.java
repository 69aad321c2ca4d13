package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.CloseReason;
import io.ssekit.core.SseBroker;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients whose connections break at random points while events are published: each
 * reconnects with the last id it saw, as a browser does, and must end up with every event
 * exactly once, in order.
 */
class ReconnectEndToEndTest {

  private static final int CLIENTS = 5;

  private static final int EVENTS = 10_000;

  private static final int BATCH_SIZE = 200;

  private static final int CUTS_PER_CLIENT = 8;

  /** Fixed, so that a failure can be replayed with the same cut points. */
  private static final long SEED = 20251105L;

  private LiveServer server;
  private final ExecutorService publisherThread = Executors.newSingleThreadExecutor();

  @BeforeEach
  void startServer() throws Exception {
    server = LiveServer.start(Map.of(
        "REPLAY_BUFFER_SIZE", String.valueOf(EVENTS),
        // Finds the cut connections quickly, so that connected_clients settles.
        "HEARTBEAT_INTERVAL", "0.2",
        // Every id must arrive, so a reader that lags must not have progress conflated.
        "CONFLATION_THRESHOLD", String.valueOf(Integer.MAX_VALUE)));
  }

  @AfterEach
  void stopServer() throws Exception {
    publisherThread.shutdownNow();
    publisherThread.awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void everyClientGetsEveryEventOnceInOrder() throws Exception {
    Random random = new Random(SEED);
    List<ReconnectingClient> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(new ReconnectingClient(cutPoints(random)));
    }
    SseBroker broker = server.server().broker();
    await().atMost(Duration.ofSeconds(5)).until(() -> broker.connectedClients() == CLIENTS);

    Future<List<String>> published = publisherThread.submit(this::publishAll);
    await("every client has " + EVENTS + " events")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> stepAll(clients, published));

    List<String> publishedIds = published.get();
    assertThat(publishedIds).hasSize(EVENTS).doesNotHaveDuplicates();
    for (ReconnectingClient client : clients) {
      assertThat(client.cuts).isEqualTo(CUTS_PER_CLIENT);
      assertThat(client.allIds()).containsExactlyElementsOf(publishedIds);
    }
    int reconnects = clients.stream().mapToInt(client -> client.reconnects).sum();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> broker.connectedClients() == CLIENTS);
    assertThat(server.connectedClients()).isEqualTo(CLIENTS);
    assertThat(broker.closedStreams(CloseReason.CLIENT_GONE) + broker.closedStreams(CloseReason.SLOW_CLIENT))
        .isEqualTo(reconnects);
    for (ReconnectingClient client : clients) {
      client.connection.close();
    }
  }

  @Test
  void connectedClientsExactAfterConcurrentConnectsAndDrops() throws Exception {
    int threads = 4;
    int opensPerThread = 30;
    ExecutorService clientThreads = Executors.newFixedThreadPool(threads);
    List<Future<List<SseSocketClient>>> kept = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        // Each thread opens a stream and aborts every other one it opened, while others do too.
        kept.add(clientThreads.submit(() -> {
          List<SseSocketClient> open = new ArrayList<>();
          for (int i = 0; i < opensPerThread; i++) {
            SseSocketClient client = SseSocketClient.open(server.port(), LiveServer.STREAM);
            if (i % 2 == 1) {
              client.abort();
            } else {
              open.add(client);
            }
          }
          return open;
        }));
      }
      List<SseSocketClient> survivors = new ArrayList<>();
      for (Future<List<SseSocketClient>> future : kept) {
        survivors.addAll(future.get(30, TimeUnit.SECONDS));
      }
      SseBroker broker = server.server().broker();

      await().atMost(Duration.ofSeconds(10))
          .until(() -> broker.connectedClients() == threads * opensPerThread / 2);
      assertThat(server.connectedClients()).isEqualTo(threads * opensPerThread / 2);
      assertThat(broker.closedStreams(CloseReason.CLIENT_GONE)).isEqualTo(threads * opensPerThread / 2);

      for (SseSocketClient client : survivors) {
        client.abort();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> broker.connectedClients() == 0);
      assertThat(broker.closedStreams(CloseReason.CLIENT_GONE)).isEqualTo(threads * opensPerThread);
    } finally {
      clientThreads.shutdownNow();
    }
  }

  /** Returns the points, in events received, at which one client's connection is cut. */
  private static int[] cutPoints(Random random) {
    return random.ints(CUTS_PER_CLIENT, 1, EVENTS).sorted().toArray();
  }

  private List<String> publishAll() throws Exception {
    List<String> ids = new ArrayList<>(EVENTS);
    for (int first = 0; first < EVENTS; first += BATCH_SIZE) {
      List<ObjectNode> batch = new ArrayList<>(BATCH_SIZE);
      for (int i = first; i < first + BATCH_SIZE; i++) {
        batch.add(LiveServer.videoStatus("video-" + (i % 7), i % 101));
      }
      ids.addAll(server.publishBatch(batch));
    }
    return ids;
  }

  /** Cuts and reconnects the clients that are due; returns whether all have every event. */
  private static boolean stepAll(List<ReconnectingClient> clients, Future<List<String>> published)
      throws Exception {
    boolean done = published.isDone();
    for (ReconnectingClient client : clients) {
      client.step();
      done &= client.isComplete();
    }
    return done;
  }

  /** One client that reconnects after every break with the last id it saw. */
  private final class ReconnectingClient {

    private final int[] cutPoints;
    private final List<String> idsOfEndedConnections = new ArrayList<>();
    private SseSocketClient connection;
    private int cuts;
    private int reconnects;

    ReconnectingClient(int[] cutPoints) throws IOException {
      this.cutPoints = cutPoints;
      this.connection = SseSocketClient.open(server.port(), LiveServer.STREAM);
    }

    void step() throws Exception {
      int received = idsOfEndedConnections.size() + eventIds(connection).size();
      boolean cutDue = cuts < CUTS_PER_CLIENT && received >= cutPoints[cuts];
      if (cutDue) {
        // An abort at an arbitrary moment, often in the middle of an event.
        connection.abort();
        cuts++;
      }
      if (cutDue || connection.isEnded()) {
        reconnect();
      }
    }

    boolean isComplete() {
      return cuts == CUTS_PER_CLIENT && allIds().size() >= EVENTS;
    }

    List<String> allIds() {
      List<String> ids = new ArrayList<>(idsOfEndedConnections);
      ids.addAll(eventIds(connection));
      return ids;
    }

    private void reconnect() throws Exception {
      assertThat(connection.awaitEnd(Duration.ofSeconds(5))).isTrue();
      idsOfEndedConnections.addAll(eventIds(connection));
      Map<String, String> headers = idsOfEndedConnections.isEmpty()
          ? Map.of()
          : Map.of("Last-Event-ID", idsOfEndedConnections.get(idsOfEndedConnections.size() - 1));
      connection = SseSocketClient.open(server.port(), LiveServer.STREAM, headers);
      reconnects++;
    }

    private static List<String> eventIds(SseSocketClient connection) {
      return connection.events("video.status").stream().map(ParsedEvent::lastEventId).toList();
    }
  }
}
