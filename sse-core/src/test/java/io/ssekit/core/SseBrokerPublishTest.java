package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Publishing through the broker, and how it meets shutdown. */
class SseBrokerPublishTest {

  private static final Duration BOUND = Duration.ofSeconds(10);

  private final InMemoryEventBus bus = InMemoryEventBus.create();
  private final BlockingBus blockingBus = new BlockingBus(bus);
  private final SseBroker broker = SseBroker.builder(blockingBus).build();

  @AfterEach
  void shutDown() {
    blockingBus.release.countDown();
    broker.shutdown(Duration.ZERO);
    bus.close();
  }

  @Test
  void publishReachesBus() {
    List<PublishedEvent> published = broker.publish(List.of(draft("a")));

    assertThat(published).singleElement().satisfies(event -> assertThat(bus.latestId()).isEqualTo(event.id()));
  }

  @Test
  void publishAfterShutdownIsRejected() {
    broker.shutdown(Duration.ZERO);

    assertThatThrownBy(() -> broker.publish(List.of(draft("a"))))
        .isInstanceOf(EventBusUnavailableException.class)
        .hasMessage("the server is shutting down");
    assertThat(bus.latestId()).isNull();
  }

  @Test
  void shutdownWaitsForPublishInProgress() throws Exception {
    blockingBus.blockNextPublish();
    CompletableFuture<List<PublishedEvent>> publishing =
        CompletableFuture.supplyAsync(() -> broker.publish(List.of(draft("a"))));
    assertThat(blockingBus.entered.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    Thread shutdown = new Thread(() -> broker.shutdown(Duration.ZERO), "test-shutdown");

    shutdown.start();
    await().atMost(BOUND).until(() -> shutdown.getState() == Thread.State.WAITING);

    assertThat(broker.isShuttingDown()).isTrue();
    assertThat(shutdown.isAlive()).isTrue();
    blockingBus.release.countDown();
    assertThat(publishing.get(BOUND.toSeconds(), TimeUnit.SECONDS)).hasSize(1);
    shutdown.join(BOUND.toMillis());
    assertThat(shutdown.isAlive()).isFalse();
  }

  private static EventDraft draft(String videoId) {
    return EventDraft.of(VideoStatusEvent.of(Instant.parse("2025-11-05T12:00:00Z"), videoId, VideoStatus.QUEUED, 0));
  }

  /** An in-memory bus whose next publish can be held inside {@code publish} until released. */
  private static final class BlockingBus implements EventBus {

    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final EventBus delegate;
    private volatile boolean blockNext;

    BlockingBus(EventBus delegate) {
      this.delegate = delegate;
    }

    void blockNextPublish() {
      blockNext = true;
    }

    @Override
    public List<PublishedEvent> publish(List<EventDraft> drafts) {
      if (blockNext) {
        blockNext = false;
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return delegate.publish(drafts);
    }

    @Override
    public Subscription subscribe(EventListener listener) {
      return delegate.subscribe(listener);
    }

    @Override
    public Replay replayAfter(EventId lastEventId) {
      return delegate.replayAfter(lastEventId);
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
