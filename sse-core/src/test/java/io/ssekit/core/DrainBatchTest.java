package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.ssekit.core.testing.ParsedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A broadcast hands its drain requests to the writers in groups. */
class DrainBatchTest {

  private final DirectExecutorService writers = new DirectExecutorService();
  private final InMemoryEventBus bus = InMemoryEventBus.builder().build();
  private final SseBroker broker = SseBroker.builder(bus).writerExecutor(writers).build();

  @AfterEach
  void stop() {
    broker.shutdown(Duration.ofMillis(200));
    bus.close();
  }

  @Test
  void broadcastUsesOneTaskPerGroup() {
    List<RecordingTransport> transports = new ArrayList<>();
    for (int i = 0; i < 130; i++) {
      RecordingTransport transport = new RecordingTransport();
      transport.open(broker, request());
      transports.add(transport);
    }
    int tasksBefore = writers.executedTasks();

    PublishedEvent event = publish();

    // 64 + 64 + 2 streams.
    assertThat(writers.executedTasks() - tasksBefore).isEqualTo(3);
    for (RecordingTransport transport : transports) {
      assertThat(transport.events("bench.tick")).extracting(ParsedEvent::lastEventId)
          .containsExactly(event.id().toString());
      assertThat(transport.drainFailure()).isNull();
    }
  }

  @Test
  void throwingTransportSparesItsGroup() {
    SseStream broken = broker.open(new ThrowingTransport(), request());
    // Ends the adapter's first turn, so that the next event makes the broker signal the transport.
    assertThat(broken.poll(1024)).isNotNull();
    assertThat(broken.finishDraining()).isTrue();
    RecordingTransport healthy = new RecordingTransport();
    healthy.open(broker, request());

    PublishedEvent event = publish();

    assertThat(healthy.events("bench.tick")).extracting(ParsedEvent::lastEventId)
        .containsExactly(event.id().toString());
  }

  private PublishedEvent publish() {
    return broker.publish(List.of(new EventDraft("bench.tick", "{}", null, null))).get(0);
  }

  private static StreamRequest request() {
    return new StreamRequest(StreamFilter.ALL, null, "127.0.0.1");
  }

  /** A transport whose drain always fails, as a broken adapter's would. */
  private static final class ThrowingTransport implements SseTransport {

    @Override
    public void onFramesAvailable() {
      throw new IllegalStateException("broken adapter");
    }

    @Override
    public void close(CloseReason reason) {
      // Nothing to release.
    }
  }
}
