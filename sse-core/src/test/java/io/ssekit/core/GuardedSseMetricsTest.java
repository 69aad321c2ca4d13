package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuardedSseMetricsTest {

  private final InMemoryEventBus bus = InMemoryEventBus.builder().build();
  private SseBroker broker;

  @AfterEach
  void shutDown() {
    if (broker != null) {
      broker.shutdown(Duration.ZERO);
    }
    bus.close();
  }

  @Test
  void throwingMetricsDoNotStopDelivery() {
    ThrowingMetrics metrics = new ThrowingMetrics();
    broker = SseBroker.builder(bus).metrics(metrics).build();
    SseStream stream = broker.open(new IdleTransport(), request());

    List<PublishedEvent> published = bus.publish(List.of(EventDraft.of(
        VideoStatusEvent.of(Instant.parse("2025-11-05T12:00:00Z"), "abc-123", VideoStatus.QUEUED, 0))));

    String written = new String(stream.poll(64 * 1024), StandardCharsets.UTF_8);
    assertThat(written).startsWith("retry: 3000\n\n").contains("id: " + published.get(0).id());
    // Opened, published and written each reached the metrics and threw.
    assertThat(metrics.calls.get()).isEqualTo(3);
  }

  @Test
  void noMetricsIsTheSharedNoOp() {
    broker = SseBroker.builder(bus).build();

    assertThat(broker.metrics()).isSameAs(SseMetrics.NONE);
  }

  @Test
  void failingBindFailsBuild() {
    SseMetrics metrics = new SseMetrics() {
      @Override
      public void bind(SseBroker broker) {
        throw new IllegalStateException("bind failed");
      }
    };

    assertThatThrownBy(() -> SseBroker.builder(bus).metrics(metrics).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bind failed");
  }

  private static StreamRequest request() {
    return new StreamRequest(new StreamFilter(Set.of(), Set.of()), null, "127.0.0.1");
  }

  /** Counts each report and then throws, as a broken metrics library would. */
  private static final class ThrowingMetrics implements SseMetrics {

    final AtomicInteger calls = new AtomicInteger();

    @Override
    public void streamOpened() {
      fail();
    }

    @Override
    public void eventPublished() {
      fail();
    }

    @Override
    public void framesWritten(int frames, int events, int bytes) {
      fail();
    }

    private void fail() {
      calls.incrementAndGet();
      throw new IllegalStateException("metrics broke");
    }
  }

  /** A transport that keeps its draining turn, so frames wait until the test polls them. */
  private static final class IdleTransport implements SseTransport {

    @Override
    public void onFramesAvailable() {}

    @Override
    public void close(CloseReason reason) {}
  }
}
