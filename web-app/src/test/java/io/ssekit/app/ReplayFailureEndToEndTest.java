package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ssekit.core.EventBus;
import io.ssekit.core.EventBusUnavailableException;
import io.ssekit.core.EventDraft;
import io.ssekit.core.EventId;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A reconnect whose replay read fails while live events keep arriving, as with a shared bus
 * whose log is unreachable but whose subscription still delivers.
 */
class ReplayFailureEndToEndTest {

  private final FailingReplayBus bus = new FailingReplayBus(InMemoryEventBus.create());
  private LiveServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = LiveServer.start(Map.of("HEARTBEAT_INTERVAL", "0.2"), bus);
  }

  @AfterEach
  void stopServer() {
    bus.releaseReplay();
    server.close();
  }

  @Test
  void failedReplaySendsRetryHintWithoutLiveEvents() throws Exception {
    String seen = server.publish(LiveServer.videoStatus("video-1", 1));
    String missed = server.publish(LiveServer.videoStatus("video-1", 2));

    // The response headers go out only after the replay, so open returns only after it.
    CompletableFuture<SseSocketClient> opening = CompletableFuture.supplyAsync(
        () -> openStream(Map.of("Last-Event-ID", seen)));
    assertThat(bus.awaitReplayStarted()).isTrue();
    // Published after the stream registered and before its replay failed.
    server.publish(LiveServer.videoStatus("video-1", 3));
    bus.releaseReplay();

    try (SseSocketClient client = opening.get(10, TimeUnit.SECONDS)) {
      assertThat(client.awaitEnd(Duration.ofSeconds(5))).isTrue();
      // A live event here would move the client's last event ID past the one it never got.
      assertThat(client.events("video.status")).isEmpty();
      assertThat(client.bodyText()).endsWith("retry: 3000\n\n");
    }

    bus.replayWorks();
    try (SseSocketClient client = SseSocketClient.open(
        server.port(), LiveServer.STREAM, Map.of("Last-Event-ID", seen))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> client.events("video.status").size() == 2);
      assertThat(client.events("video.status").get(0).lastEventId()).isEqualTo(missed);
    }
  }

  @Test
  void unexpectedReplayErrorFreesTheStreamSlot() throws Exception {
    String seen = server.publish(LiveServer.videoStatus("video-1", 1));
    bus.failUnexpectedly();
    bus.releaseReplay();

    HttpResponse<String> response = server.get(LiveServer.STREAM, "Last-Event-ID", seen);

    // An empty 200 stream: an EventSource reconnects after its retry time.
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
    assertThat(server.server().broker().connectedClients()).isZero();
    assertThat(server.connectedClients()).isZero();
  }

  private SseSocketClient openStream(Map<String, String> headers) {
    try {
      return SseSocketClient.open(server.port(), LiveServer.STREAM, headers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The in-memory bus, except that {@link #replayAfter(EventId)} first waits for the test and
   * then fails, until {@link #replayWorks()}: as unavailable, or with an exception that no bus
   * documents after {@link #failUnexpectedly()}.
   */
  private static final class FailingReplayBus implements EventBus {

    private final EventBus delegate;
    private final CountDownLatch replayStarted = new CountDownLatch(1);
    private final CountDownLatch replayReleased = new CountDownLatch(1);
    private volatile boolean failing = true;
    private volatile boolean unexpectedFailure;

    FailingReplayBus(EventBus delegate) {
      this.delegate = delegate;
    }

    boolean awaitReplayStarted() throws InterruptedException {
      return replayStarted.await(5, TimeUnit.SECONDS);
    }

    void releaseReplay() {
      replayReleased.countDown();
    }

    void replayWorks() {
      failing = false;
    }

    void failUnexpectedly() {
      unexpectedFailure = true;
    }

    @Override
    public Replay replayAfter(EventId lastEventId) {
      if (!failing) {
        return delegate.replayAfter(lastEventId);
      }
      replayStarted.countDown();
      try {
        replayReleased.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (unexpectedFailure) {
        throw new IllegalStateException("a failure the bus did not expect (test)");
      }
      throw new EventBusUnavailableException("the replay log is unreachable (test)");
    }

    @Override
    public List<PublishedEvent> publish(List<EventDraft> drafts) {
      return delegate.publish(drafts);
    }

    @Override
    public Subscription subscribe(EventListener listener) {
      return delegate.subscribe(listener);
    }

    @Override
    public @Nullable EventId latestId() {
      return delegate.latestId();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
