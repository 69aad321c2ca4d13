package io.ssekit.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeliveryStatsTest {

  @Test
  void percentilesOfOneToThousandMicroseconds() {
    DeliveryStats stats = new DeliveryStats();
    for (int micros = 1; micros <= 1000; micros++) {
      stats.recordLatency(0, micros);
    }

    // HdrHistogram with 3 significant digits is exact below 2048.
    assertThat(stats.latencyAtPercentile(50)).isEqualTo(500);
    assertThat(stats.latencyAtPercentile(90)).isEqualTo(900);
    assertThat(stats.latencyAtPercentile(99)).isEqualTo(990);
    assertThat(stats.latencyAtPercentile(100)).isEqualTo(1000);
  }

  @Test
  void percentileWithoutDeliveriesIsZero() {
    assertThat(new DeliveryStats().latencyAtPercentile(99)).isZero();
  }

  @Test
  void jsonRoundTripThenAddKeepsCountsAndLatencies() throws IOException {
    DeliveryStats first = new DeliveryStats();
    first.recordLatency(0, 100);
    first.deliveries = 1;
    first.missing = 2;
    first.streamsRequested = 3;
    first.addErrorSample("stream 1 failed");
    DeliveryStats second = new DeliveryStats();
    second.recordLatency(0, 300);
    second.deliveries = 1;
    second.duplicates = 4;
    second.maxMissingInOneStream = 5;
    second.otherEvents = 6;

    String json = new ObjectMapper().writeValueAsString(second.toJson());
    first.add(DeliveryStats.fromJson(new ObjectMapper().readTree(json)));

    assertThat(first.deliveries).isEqualTo(2);
    assertThat(first.missing).isEqualTo(2);
    assertThat(first.duplicates).isEqualTo(4);
    assertThat(first.maxMissingInOneStream).isEqualTo(5);
    assertThat(first.otherEvents).isEqualTo(6);
    assertThat(first.latencyMicros.getTotalCount()).isEqualTo(2);
    assertThat(first.latencyAtPercentile(100)).isEqualTo(300);
    assertThat(first.errorSamples).containsExactly("stream 1 failed");
  }

  @Test
  void eventLatenciesKeepFirstAndLast() throws IOException {
    DeliveryStats first = new DeliveryStats();
    first.recordLatency(0, 500);
    first.recordLatency(0, 200);
    first.recordLatency(2, 700);
    DeliveryStats second = new DeliveryStats();
    second.recordLatency(0, 900);
    second.recordLatency(1, 400);
    second.recordLatency(2, 100);

    String json = new ObjectMapper().writeValueAsString(second.toJson());
    first.add(DeliveryStats.fromJson(new ObjectMapper().readTree(json)));

    assertThat(first.firstLatencyMicros(0)).isEqualTo(200);
    assertThat(first.lastLatencyMicros(0)).isEqualTo(900);
    assertThat(first.firstLatencyMicros(1)).isEqualTo(400);
    assertThat(first.lastLatencyMicros(1)).isEqualTo(400);
    assertThat(first.firstLatencyMicros(2)).isEqualTo(100);
    assertThat(first.lastLatencyMicros(2)).isEqualTo(700);
    // Medians over the three events: first latencies 100, 200, 400 and last ones 400, 700, 900.
    ObjectNode latency = (ObjectNode) first.toJson().get("latency_us");
    assertThat(latency.get("event_first_p50").asLong()).isEqualTo(200);
    assertThat(latency.get("event_last_p50").asLong()).isEqualTo(700);
  }

  @Test
  void eventArraysEndAtLastRecordedEvent() {
    DeliveryStats stats = new DeliveryStats();
    for (int event = 0; event < 5; event++) {
      stats.recordLatency(event, 100 + event);
    }

    ObjectNode latency = (ObjectNode) stats.toJson().get("latency_us");

    assertThat(latency.get("event_first")).hasSize(5);
    assertThat(latency.get("event_last")).hasSize(5);
    assertThat(latency.get("event_last").get(4).asLong()).isEqualTo(104);
  }

  @Test
  void resultWithoutHistogramIsRejected() {
    ObjectNode json = new DeliveryStats().toJson();
    ((ObjectNode) json.get("latency_us")).remove("histogram");

    assertThatThrownBy(() -> DeliveryStats.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("histogram");
  }

  @Test
  void streamCountsMissingDuplicatesAndOutOfOrder() throws IOException {
    DeliveryStats stats = new DeliveryStats();
    try (SocketChannel unconnected = SocketChannel.open()) {
      StreamConnection stream = new StreamConnection(0, unconnected, null, 10, 5, stats);
      long sent = BenchPayload.nowMicros();
      stream.arrivalMicros = sent + 1_000;
      for (long seq : new long[] {10, 12, 11, 12, 99, 13}) {
        feed(stream, "data: " + BenchPayload.json(seq, sent) + "\n\n");
      }
      stream.finish();
    }

    assertThat(stats.deliveries).isEqualTo(4);
    assertThat(stats.duplicates).isEqualTo(1);
    assertThat(stats.outOfOrder).isEqualTo(1);
    assertThat(stats.foreignEvents).isEqualTo(1);
    assertThat(stats.missing).isEqualTo(1);
    assertThat(stats.streamsComplete).isZero();
    assertThat(stats.latencyAtPercentile(50)).isEqualTo(1_000);
  }

  @Test
  void payloadNumbersAreReadBack() {
    byte[] data = BenchPayload.json(42, 1_764_936_000_123_456L).getBytes(StandardCharsets.UTF_8);

    assertThat(BenchPayload.readSeq(data, data.length)).isEqualTo(42);
    assertThat(BenchPayload.readSentMicros(data, data.length)).isEqualTo(1_764_936_000_123_456L);
    assertThat(BenchPayload.readSeq(new byte[] {'{', '}'}, 2)).isEqualTo(-1);
  }

  private static void feed(StreamConnection stream, String body) {
    String chunk = Integer.toHexString(body.length()) + "\r\n" + body + "\r\n";
    byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
    if (!stream.decoder.headComplete()) {
      byte[] head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      stream.decoder.feed(head, 0, head.length);
    }
    stream.decoder.feed(bytes, 0, bytes.length);
  }
}
