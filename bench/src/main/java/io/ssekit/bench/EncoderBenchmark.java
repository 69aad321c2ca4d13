package io.ssekit.bench;

import io.ssekit.core.EventJson;
import io.ssekit.core.ServerSentEvent;
import io.ssekit.core.SseEncoder;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of turning one event into wire bytes, which the bus pays once per published event.
 *
 * <ul>
 *   <li>{@link #encodeVideoStatus()}: {@link SseEncoder} on a typical {@code video.status}
 *       event whose JSON is already written: one {@code id}, {@code event} and {@code data}
 *       line, 198 bytes on the wire;
 *   <li>{@link #encodeMultiLineData()}: {@link SseEncoder} on a text of 1,932 characters in 40
 *       lines with LF, CRLF and CR breaks, each of which becomes a {@code data:} line: 2,205
 *       bytes on the wire;
 *   <li>{@link #writeJsonAndEncodeVideoStatus()}: the same {@code video.status} event from its
 *       record, JSON serialization included, as a worker's event takes it.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EncoderBenchmark {

  private VideoStatusEvent videoStatus;
  private ServerSentEvent videoStatusEvent;
  private ServerSentEvent multiLineEvent;

  @Setup
  public void createEvents() {
    videoStatus = new VideoStatusEvent(
        Instant.parse("2025-11-05T12:00:00Z"), "abc-123", VideoStatus.PROCESSING, 50,
        "Transcribing audio", null);
    videoStatusEvent = new ServerSentEvent(
        "1762344000000-0", "video.status", EventJson.write(videoStatus), null);
    multiLineEvent = new ServerSentEvent("1762344000000-1", "transcript.chunk", multiLineText(), null);
  }

  @Benchmark
  public byte[] encodeVideoStatus() {
    return SseEncoder.encode(videoStatusEvent);
  }

  @Benchmark
  public byte[] encodeMultiLineData() {
    return SseEncoder.encode(multiLineEvent);
  }

  @Benchmark
  public byte[] writeJsonAndEncodeVideoStatus() {
    return SseEncoder.encode(
        new ServerSentEvent("1762344000000-0", "video.status", EventJson.write(videoStatus), null));
  }

  private static String multiLineText() {
    String[] breaks = {"\n", "\r\n", "\r"};
    StringBuilder text = new StringBuilder();
    for (int line = 0; line < 40; line++) {
      if (line > 0) {
        text.append(breaks[line % breaks.length]);
      }
      text.append(String.format("%02d", line)).append(": ").append("the quick brown fox jumps over the lazy dog");
    }
    return text.toString();
  }
}
