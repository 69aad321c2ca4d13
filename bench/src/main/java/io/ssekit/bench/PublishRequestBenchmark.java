package io.ssekit.bench;

import io.ssekit.core.EventDraft;
import io.ssekit.core.PublishRequestParser;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of checking one publish request body and turning it into drafts, which the
 * broadcast endpoint pays once per request before anything is published.
 *
 * <ul>
 *   <li>{@link #parseVideoStatus()}: one {@code video.status} event with an idempotency key,
 *       checked field by field and rewritten in the canonical field order;
 *   <li>{@link #parseGenericEvent()}: one event of another type with a timestamp, kept as sent;
 *   <li>{@link #parseBatchOfTen()}: {@code {"events":[...]}} with ten {@code video.status}
 *       events, as a worker sends a batch.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PublishRequestBenchmark {

  private static final String VIDEO_STATUS =
      "{\"type\":\"video.status\",\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50,"
          + "\"message\":\"Transcribing audio\",\"idempotency_key\":\"abc-123-transcribe-50\"}";

  private static final String GENERIC =
      "{\"type\":\"transcript.chunk\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
          + "\"video_id\":\"abc-123\",\"index\":7,\"text\":\"and so the parable begins\"}";

  private final PublishRequestParser parser = PublishRequestParser.withDefaults();
  private final byte[] videoStatus = VIDEO_STATUS.getBytes(StandardCharsets.UTF_8);
  private final byte[] generic = GENERIC.getBytes(StandardCharsets.UTF_8);
  private final byte[] batchOfTen = batch(10).getBytes(StandardCharsets.UTF_8);

  @Benchmark
  public List<EventDraft> parseVideoStatus() {
    return parser.parse(videoStatus);
  }

  @Benchmark
  public List<EventDraft> parseGenericEvent() {
    return parser.parse(generic);
  }

  @Benchmark
  public List<EventDraft> parseBatchOfTen() {
    return parser.parse(batchOfTen);
  }

  /** Returns a batch of {@code size} video.status events with progress 0, 1, 2 and so on. */
  private static String batch(int size) {
    StringBuilder json = new StringBuilder("{\"events\":[");
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append(VIDEO_STATUS.replace("-50\"", "-" + i + "\"").replace(":50,", ":" + i + ","));
    }
    return json.append("]}").toString();
  }
}
