package io.ssekit.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.worker.LoopbackServers.Answer;
import io.ssekit.worker.LoopbackServers.ScriptedServer;
import io.ssekit.worker.LoopbackServers.SilentServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventPublisherTest {

  private static final Duration BOUND = Duration.ofSeconds(10);

  private static final RetryPolicy FAST_RETRIES = RetryPolicy.builder()
      .baseDelay(Duration.ofMillis(10))
      .maxDelay(Duration.ofMillis(50))
      .maxAttempts(3)
      .build();

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  @Test
  void serverThatNeverAnswersTimesOut() throws Exception {
    SilentServer server = track(new SilentServer());
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl())
        .requestTimeout(Duration.ofMillis(200))
        .retryPolicy(FAST_RETRIES.toBuilder().maxAttempts(2).build())
        .build());

    CompletableFuture<String> id = publisher.publishAsync(status("a", 10));

    PublishException failure = failure(id);
    assertThat(failure.getMessage())
        .contains("failed after 2 attempts")
        .contains("no response within the request timeout of 200 ms");
    assertThat(failure.status()).isZero();
    assertThat(server.acceptedConnections()).isPositive();
  }

  @Test
  void slowAnswerTimesOutWithoutBlockingCaller() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ScriptedServer server = track(new ScriptedServer(body -> {
      awaitLatch(release);
      return Answer.accepted("1-0");
    }));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl())
        .requestTimeout(Duration.ofMillis(200))
        .retryPolicy(RetryPolicy.NEVER)
        .build());

    long start = System.nanoTime();
    assertThatThrownBy(() -> publisher.publish(status("a", 10)))
        .isInstanceOf(PublishException.class)
        .hasMessageContaining("failed after 1 attempts")
        .hasMessageContaining("request timeout of 200 ms");
    release.countDown();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
  }

  @Test
  void retriesOn503And429WithSameIdempotencyKey() {
    AtomicInteger requests = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> switch (requests.incrementAndGet()) {
      case 1 -> Answer.problem(503, "the event bus is unavailable", null).withRetryAfter(0);
      case 2 -> Answer.problem(429, "slow down", null);
      default -> Answer.accepted("7-0");
    }));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).retryPolicy(FAST_RETRIES).build());

    String id = publisher.publish(status("a", 10), "key-1");

    assertThat(id).isEqualTo("7-0");
    List<String> bodies = server.bodies();
    assertThat(bodies).hasSize(3);
    assertThat(bodies).containsOnly(bodies.get(0));
    assertThat(keys(bodies.get(0))).containsExactly("key-1");
  }

  @Test
  void generatedKeyIsSameOnEveryRetry() {
    AtomicInteger requests = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> requests.incrementAndGet() < 3
        ? Answer.problem(500, "boom", null)
        : Answer.accepted("7-0")));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).retryPolicy(FAST_RETRIES).build());

    publisher.publish(status("a", 10));

    List<String> keys = new ArrayList<>();
    for (String body : server.bodies()) {
      keys.addAll(keys(body));
    }
    assertThat(keys).hasSize(3);
    assertThat(keys).containsOnly(keys.get(0));
    assertThat(keys.get(0)).matches("[0-9a-f-]{36}");
  }

  @Test
  void clientErrorFailsAtOnceWithProblemDetail() {
    ScriptedServer server = track(new ScriptedServer(body ->
        Answer.problem(400, "progress is 150 (expected: an integer from 0 to 100)", "events[0].progress")));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).retryPolicy(FAST_RETRIES).build());

    assertThatThrownBy(() -> publisher.publish(status("a", 10)))
        .isInstanceOfSatisfying(PublishException.class, failure -> {
          assertThat(failure.status()).isEqualTo(400);
          assertThat(failure.field()).isEqualTo("progress");
          assertThat(failure.detail()).isEqualTo("progress is 150 (expected: an integer from 0 to 100)");
          assertThat(failure.getMessage()).contains("rejected the video.status event of video a");
        });
    assertThat(server.bodies()).hasSize(1);
  }

  @Test
  void unauthorizedFailsAtOnce() {
    ScriptedServer server = track(new ScriptedServer(body ->
        Answer.problem(401, "the bearer token is not valid", "Authorization")));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).retryPolicy(FAST_RETRIES).build());

    assertThatThrownBy(() -> publisher.publish(status("a", 10)))
        .isInstanceOfSatisfying(PublishException.class, failure -> {
          assertThat(failure.status()).isEqualTo(401);
          assertThat(failure.field()).isEqualTo("Authorization");
        });
    assertThat(server.bodies()).hasSize(1);
  }

  @Test
  void connectionRefusedIsRetriedUntilPolicyGivesUp() {
    EventPublisher publisher = track(EventPublisher.builder("http://127.0.0.1:" + LoopbackServers.closedPort())
        .retryPolicy(FAST_RETRIES)
        .build());

    assertThatThrownBy(() -> publisher.publish(status("a", 10)))
        .isInstanceOf(PublishException.class)
        .hasMessageContaining("failed after 3 attempts")
        .hasMessageContaining("connection failed");
    // The space is released just after the future fails.
    await().atMost(BOUND).until(() -> publisher.bufferedEvents() == 0);
  }

  @Test
  void fullBufferRejectsAtOnceWithZeroMaxBlock() throws Exception {
    SilentServer server = track(new SilentServer());
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl())
        .maxBufferedEvents(3)
        .maxBlock(Duration.ZERO)
        .build());
    List<CompletableFuture<String>> accepted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      accepted.add(publisher.publishAsync(status("a", i)));
    }

    assertThatThrownBy(() -> publisher.publishAsync(status("a", 3)))
        .isInstanceOf(BufferFullException.class)
        .hasMessageContaining("is full: 3 events (max 3)")
        .hasMessageContaining("nothing was queued");
    assertThat(publisher.bufferedEvents()).isEqualTo(3);

    List<UnsentEvent> unsent = publisher.close(Duration.ofMillis(200));

    assertThat(unsent).hasSize(3);
    assertThat(unsent).extracting(UnsentEvent::type).containsOnly("video.status");
    for (CompletableFuture<String> future : accepted) {
      assertThat(failure(future).getMessage()).contains("closed before");
    }
  }

  @Test
  void fullBufferBlocksUpToMaxBlock() {
    SilentServer server = track(new SilentServer());
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl())
        .maxBufferedEvents(1)
        .maxBlock(Duration.ofMillis(300))
        .closeTimeout(Duration.ofMillis(100))
        .build());
    publisher.publishAsync(status("a", 1));

    long start = System.nanoTime();
    assertThatThrownBy(() -> publisher.publishAsync(status("a", 2))).isInstanceOf(BufferFullException.class);

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void blockedPublishProceedsWhenSpaceFrees() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger ids = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> {
      awaitLatch(release);
      return Answer.accepted(ids.getAndIncrement() + "-0");
    }));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl())
        .maxBufferedEvents(1)
        .maxBlock(BOUND)
        .build());
    CompletableFuture<String> first = publisher.publishAsync(status("a", 1));
    CompletableFuture<CompletableFuture<String>> second =
        CompletableFuture.supplyAsync(() -> publisher.publishAsync(status("a", 2)));
    await().atMost(BOUND).until(() -> server.bodies().size() == 1);

    assertThat(second).isNotDone();
    release.countDown();

    assertThat(first).succeedsWithin(BOUND).isEqualTo("0-0");
    assertThat(second.get(BOUND.toSeconds(), TimeUnit.SECONDS)).succeedsWithin(BOUND).isEqualTo("1-0");
  }

  @Test
  void queuedEventsAreBatchedUpToMaxBatchSize() {
    AtomicInteger ids = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> Answer.accepted(idsFor(body, ids))));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl())
        .maxBatchSize(10)
        .linger(Duration.ofMinutes(1))
        .build());
    List<CompletableFuture<String>> futures = new ArrayList<>();

    for (int i = 0; i < 25; i++) {
      futures.add(publisher.publishAsync(status("a", i)));
    }
    assertThat(publisher.flush(BOUND)).isTrue();

    assertThat(server.bodies()).extracting(body -> keys(body).size()).containsExactly(10, 10, 5);
    for (int i = 0; i < futures.size(); i++) {
      assertThat(futures.get(i)).isCompletedWithValue(i + "-0");
    }
  }

  @Test
  void publishAllSendsOneAtomicRequest() {
    AtomicInteger ids = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> Answer.accepted(idsFor(body, ids))));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).maxBatchSize(3).build());

    List<String> published = publisher.publishAll(List.of(status("a", 1), status("b", 2), status("c", 3)));

    assertThat(published).containsExactly("0-0", "1-0", "2-0");
    assertThat(server.bodies()).hasSize(1);
  }

  @Test
  void publishAllLargerThanBatchIsRejected() {
    ScriptedServer server = track(new ScriptedServer(body -> Answer.accepted("0-0")));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).maxBatchSize(2).build());

    assertThatThrownBy(() -> publisher.publishAll(List.of(status("a", 1), status("b", 2), status("c", 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("events has 3 events (expected: at most maxBatchSize 2)");
    assertThat(publisher.bufferedEvents()).isZero();
  }

  @Test
  void closeSendsBufferedEventsWithoutLingering() {
    AtomicInteger ids = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> Answer.accepted(idsFor(body, ids))));
    EventPublisher publisher = EventPublisher.builder(server.baseUrl())
        .linger(Duration.ofMinutes(1))
        .build();
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      futures.add(publisher.publishAsync(status("a", i)));
    }

    List<UnsentEvent> unsent = publisher.close(BOUND);

    assertThat(unsent).isEmpty();
    assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted());
    assertThat(server.bodies()).hasSize(1);
  }

  @Test
  void closeReturnsWithinDeadlineAndReportsUnsent() {
    EventPublisher publisher = EventPublisher.builder("http://127.0.0.1:" + LoopbackServers.closedPort())
        .retryPolicy(RetryPolicy.builder().baseDelay(Duration.ofMillis(50)).maxElapsed(Duration.ofMinutes(5)).build())
        .build();
    CompletableFuture<String> first = publisher.publishAsync(status("a", 1), "key-a");
    publisher.publishAsync(status("b", 2), "key-b");

    long start = System.nanoTime();
    List<UnsentEvent> unsent = publisher.close(Duration.ofMillis(300));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(unsent).extracting(UnsentEvent::idempotencyKey).containsExactly("key-a", "key-b");
    assertThat(unsent).extracting(UnsentEvent::videoId).containsExactly("a", "b");
    assertThat(unsent.get(0).json()).contains("\"idempotency_key\":\"key-a\"");
    assertThat(took).isLessThan(Duration.ofSeconds(3));
    assertThat(failure(first).getMessage()).contains("closed before");
    assertThat(publisher.close(Duration.ofMillis(1))).isEqualTo(unsent);
    assertThatThrownBy(() -> publisher.publishAsync(status("a", 3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void jsonEventKeepsCallerKey() {
    AtomicInteger ids = new AtomicInteger();
    ScriptedServer server = track(new ScriptedServer(body -> Answer.accepted(idsFor(body, ids))));
    EventPublisher publisher = track(EventPublisher.builder(server.baseUrl()).build());
    ObjectNode event = EventJson.mapper().createObjectNode()
        .put("type", "upload.done")
        .put("idempotency_key", "upload-1");

    assertThat(publisher.publishJsonAsync(event)).succeedsWithin(BOUND).isEqualTo("0-0");
    assertThat(keys(server.bodies().get(0))).containsExactly("upload-1");
  }

  @Test
  void jsonEventWithoutTypeIsRejected() {
    EventPublisher publisher = track(EventPublisher.builder("http://127.0.0.1:1").build());

    assertThatThrownBy(() -> publisher.publishJsonAsync(EventJson.mapper().createObjectNode().put("video_id", "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("type: null (expected: a text field");
    assertThat(publisher.bufferedEvents()).isZero();
  }

  @Test
  void invalidBaseUrlIsRejected() {
    assertThatThrownBy(() -> EventPublisher.builder("ftp://example"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseUrl: \"ftp://example\" (expected: an http or https URL such as http://localhost:8000)");
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(0, resource);
    return resource;
  }

  private static VideoStatusEvent status(String videoId, int progress) {
    return VideoStatusEvent.of(Instant.parse("2025-11-05T12:00:00Z"), videoId, VideoStatus.TRANSCRIBING, progress);
  }

  private static PublishException failure(CompletableFuture<?> future) {
    assertThat(future).failsWithin(BOUND);
    try {
      future.get();
      throw new AssertionError("the future succeeded");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(PublishException.class);
      return (PublishException) e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static List<String> keys(String body) {
    List<String> keys = new ArrayList<>();
    for (JsonNode event : readTree(body).get("events")) {
      keys.add(event.get("idempotency_key").asText());
    }
    return keys;
  }

  private static String[] idsFor(String body, AtomicInteger next) {
    int count = readTree(body).get("events").size();
    String[] ids = new String[count];
    for (int i = 0; i < count; i++) {
      ids[i] = next.getAndIncrement() + "-0";
    }
    return ids;
  }

  private static JsonNode readTree(String body) {
    try {
      return EventJson.mapper().readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
