package io.ssekit.bench;

import io.ssekit.core.CloseReason;
import io.ssekit.core.EventDraft;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.SseBroker;
import io.ssekit.core.SseStream;
import io.ssekit.core.SseTransport;
import io.ssekit.core.StreamFilter;
import io.ssekit.core.StreamRequest;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of publishing one {@code video.status} event to many open streams through an
 * {@link InMemoryEventBus} and an {@link SseBroker}, without sockets.
 *
 * <p>Every stream has a {@link CountingTransport} that drains its frames into a byte counter.
 * The broker's writer executor only collects drain requests, so the benchmark thread runs them
 * itself and no other thread takes part:
 *
 * <ul>
 *   <li>{@code publishUntilEnqueued}: from {@code bus.publish} until the event's frame is
 *       in every stream's queue and each stream's drain request is handed to the executor.
 *       This is what a publishing thread waits for. The drains run after each call, outside
 *       the measured time, so that no queue reaches its bound;
 *   <li>{@code publishAndDrainAll}: the same, plus every stream's drain on the calling
 *       thread: the whole fan-out, as if each socket took the bytes at once.
 * </ul>
 *
 * <p>Streams have no filter, so each event reaches all of them. The event is 167 bytes on the
 * wire.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BroadcastBenchmark {

  @Benchmark
  public List<PublishedEvent> publishUntilEnqueued(Streams streams, DrainAfterEachCall drain) {
    return streams.bus.publish(streams.event);
  }

  @Benchmark
  public void publishAndDrainAll(Streams streams, Blackhole blackhole) {
    blackhole.consume(streams.bus.publish(streams.event));
    streams.writer.runPending();
  }

  /** The bus, the broker and its open streams, shared by every call of one run. */
  @State(Scope.Benchmark)
  public static class Streams {

    /** The number of open streams. */
    @Param("10000")
    public int count;

    final DeferredExecutor writer = new DeferredExecutor();
    final List<CountingTransport> transports = new ArrayList<>();
    InMemoryEventBus bus;
    SseBroker broker;
    List<EventDraft> event;

    @Setup(Level.Trial)
    public void open() {
      bus = InMemoryEventBus.builder().replayCapacity(1_000).build();
      broker = SseBroker.builder(bus)
          .writerExecutor(writer)
          // No heartbeat during a run: it would add frames that the measurement did not publish.
          .heartbeatInterval(Duration.ofHours(1))
          .maxStreams(count)
          .build();
      for (int i = 0; i < count; i++) {
        CountingTransport transport = new CountingTransport();
        // A distinct loopback address per stream stays below the per-address stream limit.
        String address = "127.0." + (i / 250) + "." + (i % 250 + 1);
        transport.stream = broker.open(transport, new StreamRequest(StreamFilter.ALL, null, address));
        // The first draining turn belongs to the adapter, as a servlet's first onWritePossible.
        transport.drain();
        transports.add(transport);
      }
      event = List.of(EventDraft.of(VideoStatusEvent.of(
          Instant.parse("2025-11-05T12:00:00Z"), "abc-123", VideoStatus.PROCESSING, 50)));
    }

    /** Checks that every stream got the same bytes, so that no delivery was lost or cut. */
    @TearDown(Level.Trial)
    public void close() {
      writer.runPending();
      long first = transports.get(0).bytes;
      for (CountingTransport transport : transports) {
        if (transport.closedFor != null || transport.bytes != first) {
          throw new IllegalStateException("stream " + transport.stream.id() + " got "
              + transport.bytes + " bytes (expected: " + first + "), closed: " + transport.closedFor);
        }
      }
      broker.shutdown(Duration.ZERO);
      bus.close();
    }
  }

  /** Runs the drains after each call, outside the measured time, so no queue fills up. */
  @State(Scope.Thread)
  public static class DrainAfterEachCall {

    @TearDown(Level.Invocation)
    public void drain(Streams streams) {
      streams.writer.runPending();
    }
  }

  /** Collects drain requests; {@link #runPending()} runs them on the calling thread. */
  static final class DeferredExecutor extends AbstractExecutorService {

    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();

    void runPending() {
      Runnable task;
      while ((task = pending.poll()) != null) {
        task.run();
      }
    }

    @Override
    public void execute(Runnable command) {
      pending.add(command);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  /** An adapter whose socket takes every byte at once; it counts the bytes. */
  static final class CountingTransport implements SseTransport {

    /** The same chunk size as the servlet adapter. */
    private static final int CHUNK_BYTES = 16 * 1024;

    SseStream stream;
    long bytes;
    CloseReason closedFor;

    @Override
    public void onFramesAvailable() {
      drain();
    }

    void drain() {
      while (true) {
        byte[] chunk = stream.poll(CHUNK_BYTES);
        if (chunk != null) {
          bytes += chunk.length;
          continue;
        }
        if (stream.isEndOfStream()) {
          stream.close(stream.closingReason());
          return;
        }
        if (stream.finishDraining()) {
          return;
        }
      }
    }

    @Override
    public void close(CloseReason reason) {
      closedFor = reason;
    }
  }
}
