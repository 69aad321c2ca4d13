package io.ssekit.core;

import io.ssekit.core.testing.EventStreamParser;
import io.ssekit.core.testing.ParsedEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A fake {@link SseTransport} that drains the way a non-blocking server adapter does, and
 * records what a client would receive.
 *
 * <p>On the thread that calls {@link #onFramesAvailable()} it polls every waiting frame, closes
 * the stream once {@link SseStream#isEndOfStream()} returns true, and ends its turn with
 * {@link SseStream#finishDraining()}, starting over while that returns false. The first turn
 * belongs to the adapter, so {@link #open} drains once itself after the broker returns the
 * stream, as a servlet's first {@code onWritePossible} would.
 *
 * <p>A stalled transport stops draining and keeps its turn, like an adapter whose socket
 * cannot take more bytes. The fake records a broken hand-off, such as a drain request while it
 * still owns the turn, in {@link #drainFailure()}. Safe for concurrent use: broker threads
 * drain while a test reads.
 */
final class RecordingTransport implements SseTransport {

  /** The {@code maxBytes} passed to {@link SseStream#poll(int)}, a typical socket buffer size. */
  static final int MAX_POLL_BYTES = 8 * 1024;

  /** Bound on polls in one turn, so a broken hand-off fails the test instead of spinning. */
  private static final int MAX_POLLS_PER_TURN = 1_000_000;

  private final List<CloseReason> closeReasons = new CopyOnWriteArrayList<>();
  private final AtomicInteger drainRequests = new AtomicInteger();
  // The first draining turn belongs to the adapter from the moment it opens the stream.
  private final AtomicBoolean ownsTurn = new AtomicBoolean(true);
  private volatile @Nullable SseStream stream;
  private volatile boolean stalled;
  private volatile @Nullable String drainFailure;

  // Guarded by "this": written by whichever thread owns the draining turn.
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private final EventStreamParser parser = new EventStreamParser();
  private final List<ParsedEvent> events = new ArrayList<>();

  /** Opens a stream for this transport and runs the adapter's first draining turn. */
  SseStream open(SseBroker broker, StreamRequest request) {
    SseStream opened = broker.open(this, request);
    stream = opened;
    if (!stalled) {
      drain(opened);
    }
    return opened;
  }

  /** Stops draining from the next turn on. A stall before {@link #open} keeps the first turn. */
  void stall() {
    stalled = true;
  }

  @Override
  public void onFramesAvailable() {
    drainRequests.incrementAndGet();
    SseStream current = stream;
    if (current == null || !ownsTurn.compareAndSet(false, true)) {
      drainFailure = "onFramesAvailable was called while the adapter owned its draining turn";
      return;
    }
    if (!stalled) {
      drain(current);
    }
  }

  @Override
  public void close(CloseReason reason) {
    closeReasons.add(reason);
  }

  private void drain(SseStream current) {
    for (int polls = 0; polls < MAX_POLLS_PER_TURN; polls++) {
      byte[] bytes = current.poll(MAX_POLL_BYTES);
      if (bytes != null) {
        record(bytes);
        continue;
      }
      if (current.isEndOfStream()) {
        current.close(current.closingReason());
      }
      if (finishTurn(current)) {
        return;
      }
    }
    drainFailure = "the draining turn did not end after " + MAX_POLLS_PER_TURN + " polls";
  }

  /**
   * Ends the draining turn with {@link SseStream#finishDraining()}, for a test that polls as the
   * adapter itself; returns its result.
   */
  boolean finishTurn() {
    return finishTurn(stream());
  }

  private boolean finishTurn(SseStream current) {
    // Give the turn up first: once finishDraining returns true, a writer may call us at once.
    ownsTurn.set(false);
    boolean finished = current.finishDraining();
    if (!finished) {
      ownsTurn.set(true);
    }
    return finished;
  }

  private synchronized void record(byte[] bytes) {
    received.writeBytes(bytes);
    events.addAll(parser.feed(bytes));
  }

  /** Returns everything received so far as UTF-8 text. */
  synchronized String text() {
    return received.toString(StandardCharsets.UTF_8);
  }

  /** Returns the events a client would have dispatched so far, heartbeats included. */
  synchronized List<ParsedEvent> events() {
    return List.copyOf(events);
  }

  /** Returns the events of type {@code type} received so far. */
  List<ParsedEvent> events(String type) {
    return events().stream().filter(event -> event.type().equals(type)).toList();
  }

  /**
   * Returns the ids of the published events received so far, in arrival order. Heartbeats and
   * resets are left out because they are not published events.
   */
  List<String> publishedIds() {
    return events().stream()
        .filter(event -> !event.type().equals("heartbeat") && !event.type().equals("stream.reset"))
        .map(ParsedEvent::lastEventId)
        .toList();
  }

  /** Returns the reasons passed to {@link #close(CloseReason)}, in call order. */
  List<CloseReason> closeReasons() {
    return List.copyOf(closeReasons);
  }

  /** Returns how many times the broker asked this transport to drain. */
  int drainRequests() {
    return drainRequests.get();
  }

  /** Returns a description of a broken hand-off seen while draining, or null if none. */
  @Nullable String drainFailure() {
    return drainFailure;
  }

  /** Returns the stream once {@link #open} returned it. */
  SseStream stream() {
    SseStream current = stream;
    if (current == null) {
      throw new IllegalStateException("the stream is not open yet");
    }
    return current;
  }
}
