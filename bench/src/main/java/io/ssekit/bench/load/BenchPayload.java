package io.ssekit.bench.load;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The events that a load run publishes: a {@code bench.tick} JSON object with the event's
 * sequence number and its send time, padded to the size of a typical {@code video.status}
 * event, and the reading of those two numbers back out of an event's data.
 *
 * <p>The send time is wall-clock time in microseconds since the epoch, because the publisher
 * and the readers may be different processes; on one machine they share that clock.
 */
final class BenchPayload {

  /** The event type of every published event. */
  static final String EVENT_TYPE = "bench.tick";

  private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SENT_KEY = "\"sent_us\":".getBytes(StandardCharsets.US_ASCII);

  /** Padding that brings an event to about the size of a video.status event's data. */
  private static final String PADDING =
      "\"video_id\":\"bench-video\",\"status\":\"processing\",\"message\":\"load test event, padded to a typical size\"";

  private BenchPayload() {}

  /** Returns the JSON of event {@code seq} sent at {@code sentMicros}. */
  static String json(long seq, long sentMicros) {
    return "{\"type\":\"" + EVENT_TYPE + "\",\"seq\":" + seq + ",\"sent_us\":" + sentMicros + "," + PADDING + "}";
  }

  /** Returns the current wall-clock time in microseconds since the epoch. */
  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /** Returns the {@code seq} number in {@code data}, or -1 if it has none. */
  static long readSeq(byte[] data, int length) {
    return readNumber(data, length, SEQ_KEY);
  }

  /** Returns the {@code sent_us} number in {@code data}, or -1 if it has none. */
  static long readSentMicros(byte[] data, int length) {
    return readNumber(data, length, SENT_KEY);
  }

  /**
   * Returns the non-negative integer after the first occurrence of {@code key} (a quoted name
   * and colon) in {@code data}, skipping spaces, or -1 if the key or the digits are missing.
   */
  static long readNumber(byte[] data, int length, byte[] key) {
    int at = indexOf(data, length, key);
    if (at < 0) {
      return -1;
    }
    int i = at + key.length;
    while (i < length && data[i] == ' ') {
      i++;
    }
    long value = 0;
    int digits = 0;
    while (i < length && data[i] >= '0' && data[i] <= '9' && digits < 18) {
      value = value * 10 + (data[i] - '0');
      digits++;
      i++;
    }
    return digits == 0 ? -1 : value;
  }

  private static int indexOf(byte[] data, int length, byte[] key) {
    int last = length - key.length;
    outer:
    for (int i = 0; i <= last; i++) {
      for (int j = 0; j < key.length; j++) {
        if (data[i + j] != key[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
