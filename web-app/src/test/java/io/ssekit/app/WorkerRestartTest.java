package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventDraft;
import io.ssekit.core.EventJson;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.BufferFullException;
import io.ssekit.worker.EventPublisher;
import io.ssekit.worker.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stops and restarts a real server on the same port while one worker publishes, and checks
 * that every event arrives exactly once across the two servers.
 */
class WorkerRestartTest {

  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final String STREAM = "/api/v2/events/stream";
  private static final int EVENTS = 1_000;
  private static final int STOP_AFTER = 400;

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  @Test
  void eventsBufferedDuringRestartArriveExactlyOnce() throws Exception {
    EventServer first = track(startServer(0, InMemoryEventBus.create()));
    int port = first.port();
    SseSocketClient before = track(SseSocketClient.open(port, STREAM));
    await().atMost(BOUND).until(() -> first.broker().connectedClients() == 1);
    EventPublisher publisher = track(EventPublisher.builder("http://127.0.0.1:" + port)
        .retryPolicy(RetryPolicy.builder()
            .baseDelay(Duration.ofMillis(20))
            .maxDelay(Duration.ofMillis(200))
            .maxElapsed(BOUND)
            .build())
        .maxBatchSize(50)
        .requestTimeout(Duration.ofSeconds(5))
        .maxBufferedEvents(2 * EVENTS)
        .build());
    List<CompletableFuture<String>> futures = new ArrayList<>();

    for (int seq = 1; seq <= STOP_AFTER; seq++) {
      futures.add(publisher.publishJsonAsync(sequenceEvent(seq)));
    }
    await().atMost(BOUND).until(() -> !sequences(before).isEmpty());
    Set<Integer> acknowledgedBeforeStop = acknowledged(futures);
    first.stop();
    for (int seq = STOP_AFTER + 1; seq <= EVENTS; seq++) {
      futures.add(publisher.publishJsonAsync(sequenceEvent(seq)));
    }
    assertThat(before.awaitEnd(BOUND)).isTrue();
    // The restarted server has a new in-memory bus. A marker seeded in it gives the client an
    // id to resume from, so replay covers what the worker publishes before the client connects.
    InMemoryEventBus bus = InMemoryEventBus.create();
    PublishedEvent marker = bus.publish(List.of(new EventDraft("test.marker", "{\"type\":\"test.marker\"}", null, null))).get(0);
    EventServer second = track(startServer(port, bus));
    SseSocketClient after = track(SseSocketClient.open(port, STREAM, Map.of("Last-Event-ID", marker.id().toString())));

    assertThat(publisher.flush(BOUND)).isTrue();

    assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted().isNotCompletedExceptionally());
    await().atMost(BOUND).until(() -> sequences(before).size() + sequences(after).size() >= EVENTS);
    List<Integer> fromFirst = sequences(before);
    List<Integer> fromSecond = sequences(after);
    assertThat(fromFirst).as("events from the first server").isNotEmpty().doesNotHaveDuplicates();
    assertThat(fromSecond).as("events from the restarted server").isNotEmpty().doesNotHaveDuplicates();
    assertThat(fromFirst).containsAll(acknowledgedBeforeStop);
    assertThat(fromFirst).doesNotContainAnyElementsOf(fromSecond);
    List<Integer> all = new ArrayList<>(fromFirst);
    all.addAll(fromSecond);
    assertThat(all).hasSize(EVENTS);
    assertThat(new TreeSet<>(all)).containsExactlyElementsOf(IntStream.rangeClosed(1, EVENTS).boxed().toList());
    assertThat(fromFirst).isSorted();
    assertThat(fromSecond).isSorted();
    assertThat(second.broker().connectedClients()).isEqualTo(1);
  }

  @Test
  void fullBufferWhileServerDownRejectsAndKeepsAccepted() throws Exception {
    EventServer first = startServer(0, InMemoryEventBus.create());
    int port = first.port();
    first.stop();
    EventPublisher publisher = track(EventPublisher.builder("http://127.0.0.1:" + port)
        .retryPolicy(RetryPolicy.builder().baseDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(100))
            .maxElapsed(BOUND).build())
        .maxBufferedEvents(10)
        .maxBlock(Duration.ZERO)
        .build());
    List<CompletableFuture<String>> accepted = new ArrayList<>();
    for (int seq = 1; seq <= 10; seq++) {
      accepted.add(publisher.publishJsonAsync(sequenceEvent(seq)));
    }

    assertThatThrownBy(() -> publisher.publishJsonAsync(sequenceEvent(11)))
        .isInstanceOf(BufferFullException.class)
        .hasMessageContaining("nothing was queued");

    InMemoryEventBus bus = InMemoryEventBus.create();
    PublishedEvent marker = bus.publish(List.of(new EventDraft("test.marker", "{\"type\":\"test.marker\"}", null, null))).get(0);
    EventServer second = track(startServer(port, bus));
    SseSocketClient client = track(SseSocketClient.open(port, STREAM, Map.of("Last-Event-ID", marker.id().toString())));
    assertThat(publisher.flush(BOUND)).isTrue();
    assertThat(accepted).allSatisfy(future -> assertThat(future).isCompleted().isNotCompletedExceptionally());
    await().atMost(BOUND).until(() -> sequences(client).size() >= 10);
    assertThat(sequences(client)).containsExactlyElementsOf(IntStream.rangeClosed(1, 10).boxed().toList());
    assertThat(second.broker().connectedClients()).isEqualTo(1);
  }

  private static EventServer startServer(int port, InMemoryEventBus bus) throws Exception {
    Map<String, String> settings = new HashMap<>();
    settings.put("PORT", Integer.toString(port));
    settings.put("HOST", "127.0.0.1");
    settings.put("SHUTDOWN_GRACE", "2");
    EventServer server = new EventServer(ServerConfig.fromSources(settings, List.of()), bus);
    server.start();
    return server;
  }

  private static ObjectNode sequenceEvent(int seq) {
    return EventJson.mapper().createObjectNode().put("type", "test.sequence").put("seq", seq);
  }

  private static Set<Integer> acknowledged(List<CompletableFuture<String>> futures) {
    Set<Integer> seqs = new TreeSet<>();
    for (int i = 0; i < futures.size(); i++) {
      CompletableFuture<String> future = futures.get(i);
      if (future.isDone() && !future.isCompletedExceptionally()) {
        seqs.add(i + 1);
      }
    }
    return seqs;
  }

  private static List<Integer> sequences(SseSocketClient client) {
    return client.events("test.sequence").stream()
        .map(WorkerRestartTest::sequence)
        .collect(Collectors.toList());
  }

  private static int sequence(ParsedEvent event) {
    try {
      return EventJson.mapper().readTree(event.data()).get("seq").asInt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(0, resource);
    return resource;
  }
}
