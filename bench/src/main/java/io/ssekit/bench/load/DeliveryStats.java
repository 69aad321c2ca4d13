package io.ssekit.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What a group of streams received: delivery latency and completeness, per stream summed up.
 * Groups from several threads or processes add up with {@link #add(DeliveryStats)}, and travel
 * between processes as JSON with the latency histogram in HdrHistogram's compressed form.
 *
 * <p>Counting rules, per stream and event sequence number: the first receipt of a number is a
 * delivery; a later receipt of the same number is a duplicate; a first receipt of a number
 * below the highest one the stream already had is out of order; a number never received by the
 * end is missing. A stream that never opened misses every event. Not thread-safe.
 */
final class DeliveryStats {

  /** Highest latency the histogram tracks: ten minutes, longer than any bounded run. */
  static final long MAX_TRACKED_MICROS = 600_000_000L;

  private static final int SIGNIFICANT_DIGITS = 3;
  private static final int MAX_ERROR_SAMPLES = 5;

  final Histogram latencyMicros = new Histogram(MAX_TRACKED_MICROS, SIGNIFICANT_DIGITS);
  long streamsRequested;
  long streamsOpened;
  long streamsFailed;
  long streamsClosedEarly;
  long streamsComplete;
  long deliveries;
  long missing;
  long duplicates;
  long outOfOrder;
  // Load-test events that a stream did not expect: sent before it opened, or out of its range.
  long foreignEvents;
  // Events without a sequence number, such as heartbeats.
  long otherEvents;
  long streamsWithMissing;
  long streamsWithDuplicates;
  long streamsWithOutOfOrder;
  long maxMissingInOneStream;
  final List<String> errorSamples = new ArrayList<>();

  // Per event, by its position in the run: the lowest and the highest latency of any stream,
  // -1 where no stream received the event. They tell a late start from a slow fan-out.
  private long[] firstLatencies = new long[0];
  private long[] lastLatencies = new long[0];

  /** Records the latency of one delivery of event number {@code event}, clamped to the tracked range. */
  void recordLatency(int event, long micros) {
    long clamped = Math.max(0, Math.min(micros, MAX_TRACKED_MICROS));
    latencyMicros.recordValue(clamped);
    recordEventLatencies(event, clamped, clamped);
  }

  /** Returns the lowest latency any stream had for event number {@code event}, or -1. */
  long firstLatencyMicros(int event) {
    return event < firstLatencies.length ? firstLatencies[event] : -1;
  }

  /** Returns the highest latency any stream had for event number {@code event}, or -1. */
  long lastLatencyMicros(int event) {
    return event < lastLatencies.length ? lastLatencies[event] : -1;
  }

  private void recordEventLatencies(int event, long first, long last) {
    if (first < 0) {
      return;
    }
    if (event >= firstLatencies.length) {
      int length = Math.max(event + 1, firstLatencies.length * 2);
      int oldLength = firstLatencies.length;
      firstLatencies = Arrays.copyOf(firstLatencies, length);
      lastLatencies = Arrays.copyOf(lastLatencies, length);
      Arrays.fill(firstLatencies, oldLength, length, -1);
      Arrays.fill(lastLatencies, oldLength, length, -1);
    }
    if (firstLatencies[event] < 0 || first < firstLatencies[event]) {
      firstLatencies[event] = first;
    }
    lastLatencies[event] = Math.max(lastLatencies[event], last);
  }

  /** Keeps the first few error messages, so a failed run reports its cause without flooding the output. */
  void addErrorSample(String message) {
    if (errorSamples.size() < MAX_ERROR_SAMPLES) {
      errorSamples.add(message);
    }
  }

  /** Adds {@code other}'s counts and latencies to this one's. */
  void add(DeliveryStats other) {
    latencyMicros.add(other.latencyMicros);
    streamsRequested += other.streamsRequested;
    streamsOpened += other.streamsOpened;
    streamsFailed += other.streamsFailed;
    streamsClosedEarly += other.streamsClosedEarly;
    streamsComplete += other.streamsComplete;
    deliveries += other.deliveries;
    missing += other.missing;
    duplicates += other.duplicates;
    outOfOrder += other.outOfOrder;
    foreignEvents += other.foreignEvents;
    otherEvents += other.otherEvents;
    streamsWithMissing += other.streamsWithMissing;
    streamsWithDuplicates += other.streamsWithDuplicates;
    streamsWithOutOfOrder += other.streamsWithOutOfOrder;
    maxMissingInOneStream = Math.max(maxMissingInOneStream, other.maxMissingInOneStream);
    for (int event = 0; event < other.firstLatencies.length; event++) {
      recordEventLatencies(event, other.firstLatencies[event], other.lastLatencies[event]);
    }
    for (String sample : other.errorSamples) {
      addErrorSample(sample);
    }
  }

  /** Returns the latency at {@code percentile} (0 to 100) in microseconds, 0 without deliveries. */
  long latencyAtPercentile(double percentile) {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile);
  }

  /** Returns the counts, the latency summary and the encoded histogram as JSON. */
  ObjectNode toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("streams_requested", streamsRequested);
    json.put("streams_opened", streamsOpened);
    json.put("streams_failed", streamsFailed);
    json.put("streams_closed_early", streamsClosedEarly);
    json.put("streams_complete", streamsComplete);
    json.put("deliveries", deliveries);
    json.put("missing", missing);
    json.put("duplicates", duplicates);
    json.put("out_of_order", outOfOrder);
    json.put("foreign_events", foreignEvents);
    json.put("other_events", otherEvents);
    json.put("streams_with_missing", streamsWithMissing);
    json.put("streams_with_duplicates", streamsWithDuplicates);
    json.put("streams_with_out_of_order", streamsWithOutOfOrder);
    json.put("max_missing_in_one_stream", maxMissingInOneStream);
    ObjectNode latency = json.putObject("latency_us");
    latency.put("count", latencyMicros.getTotalCount());
    latency.put("p50", latencyAtPercentile(50));
    latency.put("p90", latencyAtPercentile(90));
    latency.put("p99", latencyAtPercentile(99));
    latency.put("p999", latencyAtPercentile(99.9));
    latency.put("max", latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue());
    latency.put("event_first_p50", median(firstLatencies));
    latency.put("event_last_p50", median(lastLatencies));
    latency.put("histogram", encodeHistogram());
    latency.set("event_first", longArray(firstLatencies));
    latency.set("event_last", longArray(lastLatencies));
    json.putArray("error_samples").addAll(errorSamples.stream().map(JsonNodeFactory.instance::textNode).toList());
    return json;
  }

  /**
   * Reads what {@link #toJson()} wrote.
   *
   * @throws IllegalArgumentException if a field is missing or the histogram cannot be decoded
   */
  static DeliveryStats fromJson(JsonNode json) {
    DeliveryStats stats = new DeliveryStats();
    stats.streamsRequested = required(json, "streams_requested").asLong();
    stats.streamsOpened = required(json, "streams_opened").asLong();
    stats.streamsFailed = required(json, "streams_failed").asLong();
    stats.streamsClosedEarly = required(json, "streams_closed_early").asLong();
    stats.streamsComplete = required(json, "streams_complete").asLong();
    stats.deliveries = required(json, "deliveries").asLong();
    stats.missing = required(json, "missing").asLong();
    stats.duplicates = required(json, "duplicates").asLong();
    stats.outOfOrder = required(json, "out_of_order").asLong();
    stats.foreignEvents = required(json, "foreign_events").asLong();
    stats.otherEvents = required(json, "other_events").asLong();
    stats.streamsWithMissing = required(json, "streams_with_missing").asLong();
    stats.streamsWithDuplicates = required(json, "streams_with_duplicates").asLong();
    stats.streamsWithOutOfOrder = required(json, "streams_with_out_of_order").asLong();
    stats.maxMissingInOneStream = required(json, "max_missing_in_one_stream").asLong();
    JsonNode latency = required(json, "latency_us");
    stats.latencyMicros.add(decodeHistogram(required(latency, "histogram").asText()));
    JsonNode firsts = latency.path("event_first");
    JsonNode lasts = latency.path("event_last");
    for (int event = 0; event < firsts.size() && event < lasts.size(); event++) {
      stats.recordEventLatencies(event, firsts.get(event).asLong(), lasts.get(event).asLong());
    }
    for (JsonNode sample : json.path("error_samples")) {
      stats.addErrorSample(sample.asText());
    }
    return stats;
  }

  /** Returns the median (the lower middle one for an even count) of the values that are not -1, or -1 if none. */
  private static long median(long[] values) {
    long[] known = Arrays.stream(values).filter(value -> value >= 0).sorted().toArray();
    return known.length == 0 ? -1 : known[(known.length - 1) / 2];
  }

  /** Returns {@code values} as a JSON array that ends at its last entry other than -1. */
  private static ArrayNode longArray(long[] values) {
    int length = values.length;
    while (length > 0 && values[length - 1] < 0) {
      length--;
    }
    ArrayNode array = JsonNodeFactory.instance.arrayNode(length);
    for (int i = 0; i < length; i++) {
      array.add(values[i]);
    }
    return array;
  }

  private String encodeHistogram() {
    ByteBuffer buffer = ByteBuffer.allocate(latencyMicros.getNeededByteBufferCapacity());
    int length = latencyMicros.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
  }

  private static Histogram decodeHistogram(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(
          ByteBuffer.wrap(Base64.getDecoder().decode(base64)), MAX_TRACKED_MICROS);
    } catch (DataFormatException | IllegalArgumentException e) {
      throw new IllegalArgumentException("latency_us.histogram cannot be decoded: " + e.getMessage(), e);
    }
  }

  private static JsonNode required(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("the delivery result has no field " + field);
    }
    return value;
  }
}
