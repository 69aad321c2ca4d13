package io.ssekit.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssekit.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tests the draining hand-off from the adapter's side: each test keeps the adapter's first
 * turn by stalling the fake transport before opening, then polls on the test thread. Drain
 * requests run on the publishing thread, so each test can count them right after a publish.
 */
class SseStreamTest {

  private static final String RETRY = "retry: 3000\n\n";

  private final MutableClock clock = new MutableClock(Instant.parse("2025-11-05T12:00:00Z"));

  private final InMemoryEventBus bus = InMemoryEventBus.builder().clock(clock).build();

  private final SseBroker broker =
      SseBroker.builder(bus).clock(clock).writerExecutor(new DirectExecutorService()).build();

  private final RecordingTransport transport = new RecordingTransport();

  @AfterEach
  void stop() {
    // The test owns the draining turn, so close the stream instead of waiting out the grace.
    transport.stream().close(CloseReason.CLIENT_GONE);
    broker.shutdown(Duration.ofMillis(100));
    bus.close();
  }

  @Test
  void pollJoinsFramesUpToMaxBytes() {
    SseStream stream = openOwnedByTest(null);
    PublishedEvent first = publish(10);
    publish(20);

    byte[] joined = stream.poll(RETRY.length() + first.frame().size());

    assertThat(text(joined)).isEqualTo(RETRY + text(first.frame().bytes()));
  }

  @Test
  void pollReturnsLargerFrameAlone() {
    SseStream stream = openOwnedByTest(null);
    stream.poll(RETRY.length());
    PublishedEvent event = publish(10);

    byte[] bytes = stream.poll(1);

    assertThat(bytes).isSameAs(event.frame().bytes());
  }

  @Test
  void pollStopsBeforeFrameThatDoesNotFit() {
    SseStream stream = openOwnedByTest(null);
    PublishedEvent first = publish(10);
    PublishedEvent second = publish(20);

    byte[] head = stream.poll(RETRY.length() + first.frame().size() + 1);
    byte[] rest = stream.poll(Integer.MAX_VALUE);

    assertThat(text(head)).isEqualTo(RETRY + text(first.frame().bytes()));
    assertThat(text(rest)).isEqualTo(text(second.frame().bytes()));
  }

  @Test
  void pollJoinsReplayAndLiveFrames() {
    PublishedEvent start = publish(0);
    PublishedEvent replayed = publish(10);
    SseStream stream = openOwnedByTest(start.id().toString());
    PublishedEvent live = publish(20);

    byte[] bytes = stream.poll(Integer.MAX_VALUE);

    assertThat(text(bytes))
        .isEqualTo(RETRY + text(replayed.frame().bytes()) + text(live.frame().bytes()));
  }

  @Test
  void pollWithNothingWaitingReturnsNull() {
    SseStream stream = openOwnedByTest(null);
    stream.poll(Integer.MAX_VALUE);

    assertThat(stream.poll(Integer.MAX_VALUE)).isNull();
  }

  @Test
  void finishDrainingRefusesWhileFramesWait() {
    SseStream stream = openOwnedByTest(null);
    stream.poll(Integer.MAX_VALUE);
    publish(10);

    boolean finished = stream.finishDraining();

    assertThat(finished).isFalse();
    assertThat(transport.drainRequests()).isZero();
  }

  @Test
  void finishDrainingEndsTurnOnceEmpty() {
    SseStream stream = openOwnedByTest(null);
    publish(10);
    stream.poll(Integer.MAX_VALUE);

    boolean finished = stream.finishDraining();

    assertThat(finished).isTrue();
  }

  @Test
  void offerAfterTurnEndedRequestsOneDrain() {
    SseStream stream = openOwnedByTest(null);
    stream.poll(Integer.MAX_VALUE);
    transport.finishTurn();

    publish(10);
    publish(20);

    // The stalled fake keeps the turn after the first request, so the second event must not ask.
    assertThat(transport.drainRequests()).isEqualTo(1);
    assertThat(transport.drainFailure()).isNull();
  }

  @Test
  void noDrainRequestWhileAdapterKeepsFirstTurn() {
    openOwnedByTest(null);

    publish(10);

    assertThat(transport.drainRequests()).isZero();
  }

  @Test
  void closedStreamPollsNothing() {
    SseStream stream = openOwnedByTest(null);
    publish(10);

    stream.close(CloseReason.CLIENT_GONE);

    assertThat(stream.poll(Integer.MAX_VALUE)).isNull();
    assertThat(stream.isEndOfStream()).isFalse();
    assertThat(stream.finishDraining()).isTrue();
  }

  @Test
  void closingStreamEndsAfterWaitingFrames() {
    SseStream stream = openOwnedByTest(null);
    PublishedEvent event = publish(10);
    stream.closeAfter(broker.retryFrame(), CloseReason.SHUTDOWN);

    assertThat(stream.isEndOfStream()).isFalse();
    byte[] bytes = stream.poll(Integer.MAX_VALUE);

    assertThat(text(bytes)).isEqualTo(RETRY + text(event.frame().bytes()) + RETRY);
    assertThat(stream.isEndOfStream()).isTrue();
    assertThat(stream.closingReason()).isEqualTo(CloseReason.SHUTDOWN);
  }

  private SseStream openOwnedByTest(@Nullable String lastEventId) {
    transport.stall();
    return transport.open(broker, new StreamRequest(StreamFilter.ALL, lastEventId, "127.0.0.1"));
  }

  private PublishedEvent publish(int progress) {
    VideoStatusEvent event =
        VideoStatusEvent.of(clock.instant(), "abc-123", VideoStatus.PROCESSING, progress);
    return bus.publish(List.of(EventDraft.of(event))).get(0);
  }

  private static String text(byte @Nullable [] bytes) {
    assertThat(bytes).isNotNull();
    return new String(bytes, UTF_8);
  }
}
