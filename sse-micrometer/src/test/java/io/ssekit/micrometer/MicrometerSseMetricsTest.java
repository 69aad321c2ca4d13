package io.ssekit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ssekit.core.CloseReason;
import io.ssekit.core.EventDraft;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.SseBroker;
import io.ssekit.core.SseStream;
import io.ssekit.core.SseTransport;
import io.ssekit.core.StreamFilter;
import io.ssekit.core.StreamLimitException;
import io.ssekit.core.StreamRequest;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerSseMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final InMemoryEventBus bus = InMemoryEventBus.builder().build();
  private final List<SseBroker> brokers = new ArrayList<>();

  @AfterEach
  void shutDown() {
    brokers.forEach(broker -> broker.shutdown(Duration.ZERO));
    bus.close();
  }

  @Test
  void deliveryCountsEventsFramesAndBytes() {
    SseBroker broker = broker(SseBroker.builder(bus));
    DrainingTransport reader = DrainingTransport.open(broker, null);

    publish(2);

    // Writer threads drain after the publish returns.
    await().atMost(Duration.ofSeconds(5)).until(() -> counter("sse.frames.written") == 3);
    String body = reader.written();
    assertThat(body).startsWith("retry: 3000\n\n");
    assertThat(counter("sse.streams.opened")).isEqualTo(1);
    assertThat(counter("sse.events.published")).isEqualTo(2);
    assertThat(counter("sse.events.delivered")).isEqualTo(2);
    assertThat(counter("sse.written.bytes")).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
    assertThat(gauge("sse.streams.open")).isEqualTo(1);
  }

  @Test
  void slowClientCutCountsAsSlowClientClose() {
    SseBroker broker = broker(SseBroker.builder(bus).maxQueuedEvents(2));
    DrainingTransport.stalled(broker);
    publish(2);

    assertThat(gauge("sse.queue.frames")).isEqualTo(3);
    assertThat(gauge("sse.queue.bytes")).isPositive();

    publish(1);

    assertThat(closed(CloseReason.SLOW_CLIENT)).isEqualTo(1);
    assertThat(gauge("sse.streams.open")).isZero();
    assertThat(gauge("sse.queue.frames")).isZero();
  }

  @Test
  void refusedStreamCountsAsLimitClose() {
    SseBroker broker = broker(SseBroker.builder(bus).maxStreams(1));
    DrainingTransport.open(broker, null);

    assertThatThrownBy(() -> DrainingTransport.open(broker, null))
        .isInstanceOf(StreamLimitException.class);

    assertThat(counter("sse.streams.opened")).isEqualTo(2);
    assertThat(closed(CloseReason.LIMIT)).isEqualTo(1);
    assertThat(gauge("sse.streams.open")).isEqualTo(1);
  }

  @Test
  void shutdownClosesCountAsShutdown() {
    SseBroker broker = broker(SseBroker.builder(bus));
    DrainingTransport.open(broker, null);
    DrainingTransport.open(broker, null);

    broker.shutdown(Duration.ofSeconds(5));

    assertThat(closed(CloseReason.SHUTDOWN)).isEqualTo(2);
    assertThat(closed(CloseReason.CLIENT_GONE)).isZero();
  }

  @Test
  void replayOutcomesAreCountedByOutcome() {
    SseBroker broker = broker(SseBroker.builder(bus));
    List<PublishedEvent> published = publish(3);

    DrainingTransport.open(broker, published.get(0).id().toString());
    DrainingTransport.open(broker, "1-0");
    DrainingTransport.open(broker, "not-an-id");

    assertThat(counter("sse.replay.requests", "outcome", "replayed")).isEqualTo(1);
    assertThat(counter("sse.replay.requests", "outcome", "reset")).isEqualTo(2);
    assertThat(counter("sse.replay.events")).isEqualTo(2);
  }

  @Test
  void publishErrorsAreCountedByStatus() {
    SseBroker broker = broker(SseBroker.builder(bus));

    broker.metrics().publishRejected(401);
    broker.metrics().publishRejected(415);
    broker.metrics().publishRejected(415);

    assertThat(counter("sse.publish.errors", "status", "401")).isEqualTo(1);
    assertThat(counter("sse.publish.errors", "status", "415")).isEqualTo(2);
  }

  @Test
  void heartbeatLagIsRecordedPerTick() {
    broker(SseBroker.builder(bus).heartbeatInterval(Duration.ofMillis(20)));

    await().atMost(Duration.ofSeconds(5))
        .until(() -> registry.get("sse.heartbeat.lag").timer().count() >= 3);

    assertThat(registry.get("sse.heartbeat.lag").timer().totalTime(TimeUnit.SECONDS)).isLessThan(5);
  }

  @Test
  void commonTagsAreOnEveryMeter() {
    MicrometerSseMetrics metrics = new MicrometerSseMetrics(registry, List.of(Tag.of("node", "a")));
    SseBroker broker = SseBroker.builder(bus).metrics(metrics).build();
    brokers.add(broker);

    assertThat(registry.getMeters())
        .isNotEmpty()
        .allSatisfy(meter -> assertThat(meter.getId().getTag("node")).isEqualTo("a"));
  }

  @Test
  void secondBindIsRejectedAndItsBrokerStopped() {
    MicrometerSseMetrics metrics = new MicrometerSseMetrics(registry);
    brokers.add(SseBroker.builder(bus).metrics(metrics).build());

    assertThatThrownBy(() -> SseBroker.builder(bus).metrics(metrics).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already bound");
  }

  private SseBroker broker(SseBroker.Builder builder) {
    SseBroker broker = builder.metrics(new MicrometerSseMetrics(registry)).build();
    brokers.add(broker);
    return broker;
  }

  private List<PublishedEvent> publish(int count) {
    List<EventDraft> drafts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      VideoStatusEvent event = VideoStatusEvent.of(
          Instant.parse("2025-11-05T12:00:00Z"), "abc-123", VideoStatus.PROCESSING, i);
      drafts.add(EventDraft.of(event));
    }
    return bus.publish(drafts);
  }

  private double counter(String name) {
    return registry.get(name).counter().count();
  }

  private double counter(String name, String tag, String value) {
    return registry.get(name).tag(tag, value).counter().count();
  }

  private double closed(CloseReason reason) {
    return counter("sse.streams.closed", "reason", reason.name().toLowerCase(Locale.ROOT));
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  /** A transport that drains on the calling thread into memory, or never drains at all. */
  private static final class DrainingTransport implements SseTransport {

    private final boolean reading;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private volatile @Nullable SseStream stream;

    private DrainingTransport(boolean reading) {
      this.reading = reading;
    }

    static DrainingTransport open(SseBroker broker, @Nullable String lastEventId) {
      DrainingTransport transport = new DrainingTransport(true);
      transport.stream = broker.open(transport, request(lastEventId));
      transport.drain();
      return transport;
    }

    static DrainingTransport stalled(SseBroker broker) {
      DrainingTransport transport = new DrainingTransport(false);
      transport.stream = broker.open(transport, request(null));
      return transport;
    }

    private static StreamRequest request(@Nullable String lastEventId) {
      return new StreamRequest(new StreamFilter(Set.of(), Set.of()), lastEventId, "127.0.0.1");
    }

    String written() {
      synchronized (written) {
        return written.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void onFramesAvailable() {
      drain();
    }

    @Override
    public void close(CloseReason reason) {}

    private void drain() {
      SseStream current = stream;
      if (!reading || current == null) {
        return;
      }
      synchronized (written) {
        do {
          for (byte[] chunk = current.poll(16 * 1024); chunk != null; chunk = current.poll(16 * 1024)) {
            written.writeBytes(chunk);
          }
          if (current.isEndOfStream()) {
            current.close(current.closingReason());
            return;
          }
        } while (!current.finishDraining());
      }
    }
  }
}
