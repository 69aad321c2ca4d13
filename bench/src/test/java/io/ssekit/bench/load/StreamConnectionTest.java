package io.ssekit.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamConnectionTest {

  private final DeliveryStats stats = new DeliveryStats();
  private final StreamConnection connection = new StreamConnection(0, null, null, 0, 3, stats);
  private final SseWireParser parser = new SseWireParser(connection);

  @Test
  void eventSentBeforeOpenIsForeign() {
    long anHourAgo = BenchPayload.nowMicros() - 3_600_000_000L;

    feed(BenchPayload.json(0, anHourAgo));

    assertThat(stats.foreignEvents).isEqualTo(1);
    assertThat(stats.deliveries).isZero();
    assertThat(connection.isComplete()).isFalse();
  }

  @Test
  void eventsSentAfterOpenAreDelivered() {
    for (int seq = 0; seq < 3; seq++) {
      feed(BenchPayload.json(seq, BenchPayload.nowMicros()));
    }

    assertThat(stats.deliveries).isEqualTo(3);
    assertThat(stats.foreignEvents).isZero();
    assertThat(connection.isComplete()).isTrue();
  }

  @Test
  void sequenceOutsideRangeIsForeign() {
    feed(BenchPayload.json(3, BenchPayload.nowMicros()));

    assertThat(stats.foreignEvents).isEqualTo(1);
    assertThat(stats.deliveries).isZero();
  }

  @Test
  void heartbeatCountsAsOtherEvent() {
    byte[] wire = "event: heartbeat\ndata: {\"type\":\"heartbeat\"}\n\n".getBytes(StandardCharsets.UTF_8);

    parser.feed(wire, 0, wire.length);

    assertThat(stats.otherEvents).isEqualTo(1);
    assertThat(stats.foreignEvents).isZero();
    assertThat(stats.deliveries).isZero();
  }

  private void feed(String json) {
    byte[] wire = ("event: bench.tick\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    parser.feed(wire, 0, wire.length);
  }
}
