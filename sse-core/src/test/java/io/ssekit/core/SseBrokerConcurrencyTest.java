package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the broker with several threads at once. The bounds are generous so that no stream is
 * closed as a slow client by accident, and every check compares against the bus's own order.
 */
class SseBrokerConcurrencyTest {

  private static final int THREADS = 8;

  private static final int ITERATIONS_PER_THREAD = 40;

  private static final int SEAM_ROUNDS = 30;

  private static final int MAX_EVENTS_PER_SEAM_ROUND = 2_000;

  private final InMemoryEventBus bus =
      InMemoryEventBus.builder().replayCapacity(100_000).build();

  private final SseBroker broker =
      SseBroker.builder(bus)
          .maxQueuedEvents(1_000_000)
          .maxQueuedBytes(512L * 1024 * 1024)
          .build();

  /** Every published id, in the order the bus delivered them. */
  private final List<String> busOrder = Collections.synchronizedList(new ArrayList<>());

  private final ExecutorService executor = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stop() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    broker.shutdown(Duration.ofSeconds(1));
    bus.close();
  }

  @Test
  void replaySeamHasNoGapOrDuplicate() throws Exception {
    bus.subscribe(event -> busOrder.add(event.id().toString()));
    for (int round = 0; round < SEAM_ROUNDS; round++) {
      String lastSeen = publish("before-" + round).id().toString();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch publishing = new CountDownLatch(1);
      Future<?> publisher =
          executor.submit(
              () -> {
                for (int i = 0; i < MAX_EVENTS_PER_SEAM_ROUND && !stop.get(); i++) {
                  publish("during-" + i);
                  publishing.countDown();
                }
              });
      assertThat(publishing.await(10, TimeUnit.SECONDS)).isTrue();

      RecordingTransport transport = new RecordingTransport();
      transport.open(broker, resume(lastSeen, "127.0.0.1"));
      stop.set(true);
      publisher.get(10, TimeUnit.SECONDS);
      String marker = publish("marker").id().toString();

      eventually().until(() -> transport.publishedIds().contains(marker));
      assertThat(transport.publishedIds())
          .as("round %d", round)
          .isEqualTo(idsAfter(lastSeen, marker));
      assertThat(transport.drainFailure()).isNull();
      transport.stream().close(CloseReason.CLIENT_GONE);
    }
  }

  @Test
  void connectedClientsExactUnderConcurrency() throws Exception {
    bus.subscribe(event -> busOrder.add(event.id().toString()));
    ConcurrentLinkedQueue<OpenedStream> stillOpen = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<OpenedStream> closed = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      workers.add(
          executor.submit(
              () -> {
                start.await();
                for (int i = 0; i < ITERATIONS_PER_THREAD; i++) {
                  // Every other stream resumes from the newest id, so it must get all later events.
                  EventId latest = bus.latestId();
                  String lastSeen = i % 2 == 0 && latest != null ? latest.toString() : null;
                  RecordingTransport transport = new RecordingTransport();
                  // One address per stream keeps the per-address limit out of this test.
                  String address = "10.0." + thread + "." + i;
                  SseStream stream = transport.open(broker, resume(lastSeen, address));
                  publish("t" + thread + "-" + i);
                  if (i % 3 == 0) {
                    stillOpen.add(new OpenedStream(transport, lastSeen));
                  } else {
                    stream.close(CloseReason.CLIENT_GONE);
                    closed.add(new OpenedStream(transport, lastSeen));
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> worker : workers) {
      worker.get(30, TimeUnit.SECONDS);
    }

    assertThat(broker.connectedClients()).isEqualTo(stillOpen.size());
    assertThat(broker.closedStreams(CloseReason.CLIENT_GONE)).isEqualTo(closed.size());

    String marker = publish("marker").id().toString();
    for (OpenedStream stream : stillOpen) {
      eventually().until(() -> stream.transport().publishedIds().contains(marker));
      assertThat(stream.transport().publishedIds()).isEqualTo(expectedFor(stream, marker));
      assertThat(stream.transport().closeReasons()).isEmpty();
      assertThat(stream.transport().drainFailure()).isNull();
    }
    for (OpenedStream stream : closed) {
      List<String> ids = stream.transport().publishedIds();
      assertThat(ids).doesNotHaveDuplicates();
      assertThat(ids).isSubsetOf(busOrder);
      assertThat(ids).isSortedAccordingTo((a, b) -> EventId.parse(a).compareTo(EventId.parse(b)));
      assertThat(stream.transport().closeReasons()).containsExactly(CloseReason.CLIENT_GONE);
    }
  }

  /** Returns what a stream that stayed open must have received, ending with {@code marker}. */
  private List<String> expectedFor(OpenedStream stream, String marker) {
    List<String> received = stream.transport().publishedIds();
    if (stream.lastSeen() != null) {
      return idsAfter(stream.lastSeen(), marker);
    }
    // A first connect gets live events from registration on: everything after its first one.
    assertThat(received).isNotEmpty();
    return idsFrom(received.get(0), marker);
  }

  private List<String> idsAfter(String lastSeen, String last) {
    synchronized (busOrder) {
      int from = busOrder.indexOf(lastSeen) + 1;
      assertThat(from).as("index of %s", lastSeen).isPositive();
      return List.copyOf(busOrder.subList(from, busOrder.indexOf(last) + 1));
    }
  }

  private List<String> idsFrom(String first, String last) {
    synchronized (busOrder) {
      return List.copyOf(busOrder.subList(busOrder.indexOf(first), busOrder.indexOf(last) + 1));
    }
  }

  private PublishedEvent publish(String text) {
    return bus.publish(List.of(new EventDraft("test.tick", "\"" + text + "\"", null, null))).get(0);
  }

  private static StreamRequest resume(@Nullable String lastEventId, String remoteAddress) {
    return new StreamRequest(StreamFilter.ALL, lastEventId, remoteAddress);
  }

  private static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }

  private record OpenedStream(RecordingTransport transport, @Nullable String lastSeen) {}
}
