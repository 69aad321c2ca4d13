package io.ssekit.bench;

import io.ssekit.app.EventServer;
import io.ssekit.app.ServerConfig;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.worker.EventPublisher;
import io.ssekit.worker.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events per second that one worker's {@link EventPublisher} gets acknowledged by one
 * {@link EventServer} on loopback, in the same JVM, with no stream connected.
 *
 * <ul>
 *   <li>{@code publishAsyncThenFlush}: buffers {@value #EVENTS_PER_CALL} {@code video.status}
 *       events with {@code publishAsync}, then waits with {@code flush} until the server has
 *       acknowledged all of them. {@code maxBatchSize} 1 sends one event per request
 *       (unbatched); larger values let the sender group the buffered events;
 *   <li>{@code publishSync}: one {@code publish} call that waits for its acknowledgement, the
 *       round trip a worker pays when it waits for each event.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class PublisherThroughputBenchmark {

  /** Events buffered per {@code publishAsyncThenFlush} call. */
  static final int EVENTS_PER_CALL = 1_000;

  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(60);

  /** Maximum events per request: 1 is unbatched. */
  @Param({"1", "100"})
  public int maxBatchSize;

  private EventServer server;
  private EventPublisher publisher;
  private List<VideoStatusEvent> events;

  @Setup(Level.Trial)
  public void startServerAndPublisher() throws Exception {
    server = new EventServer(ServerConfig.fromSources(Map.of("PORT", "0", "HOST", "127.0.0.1"), List.of()));
    server.start();
    publisher = EventPublisher.builder("http://127.0.0.1:" + server.port())
        .maxBatchSize(maxBatchSize)
        .linger(Duration.ofMillis(1))
        .maxBufferedEvents(2 * EVENTS_PER_CALL)
        .maxBlock(FLUSH_TIMEOUT)
        .retryPolicy(RetryPolicy.NEVER)
        .build();
    events = new ArrayList<>(EVENTS_PER_CALL);
    Instant now = Instant.parse("2025-11-05T12:00:00Z");
    for (int i = 0; i < EVENTS_PER_CALL; i++) {
      events.add(new VideoStatusEvent(now, "video-" + (i % 50), VideoStatus.TRANSCRIBING, i % 101, "frame " + i, null));
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    publisher.close();
    server.stop();
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS_PER_CALL)
  public int publishAsyncThenFlush() {
    List<CompletableFuture<String>> acknowledged = new ArrayList<>(EVENTS_PER_CALL);
    for (VideoStatusEvent event : events) {
      acknowledged.add(publisher.publishAsync(event));
    }
    if (!publisher.flush(FLUSH_TIMEOUT)) {
      throw new IllegalStateException("the server did not acknowledge " + EVENTS_PER_CALL + " events within " + FLUSH_TIMEOUT);
    }
    int failed = 0;
    for (CompletableFuture<String> future : acknowledged) {
      if (future.isCompletedExceptionally()) {
        failed++;
      }
    }
    if (failed > 0) {
      throw new IllegalStateException(failed + " of " + EVENTS_PER_CALL + " events failed; see the log");
    }
    return acknowledged.size();
  }

  @Benchmark
  public String publishSync() {
    return publisher.publish(events.get(0));
  }
}
