package io.ssekit.core;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One open event stream: the frames waiting for a client and the state of its connection.
 *
 * <p>Frames wait in two places. The backlog holds the frames known when the stream opened (the
 * retry hint, then replayed events); it is not bounded here because the replayed frames are
 * shared with the bus's log. The live queue holds frames offered afterwards and is bounded in
 * count and bytes: an offer past a bound closes the stream as {@link CloseReason#SLOW_CLIENT},
 * so one client that stops reading never holds more than its bound.
 *
 * <p>Draining follows a hand-off protocol with the adapter: while {@code draining} is true the
 * adapter owns the stream's writes (it is writing, or waiting for its socket), so an offer only
 * appends. An offer that finds it false sets it and asks the adapter to drain. The adapter
 * clears it through {@link #finishDraining()}, which refuses while frames are pending, so no
 * frame is left behind between the adapter's last poll and its return.
 *
 * <p>Safe for concurrent use. The adapter calls {@link #poll(int)}, {@link #finishDraining()}
 * and {@link #isEndOfStream()} from one thread at a time.
 */
public final class SseStream {

  private enum State {
    OPEN,
    CLOSING,
    CLOSED
  }

  private final String id;
  private final StreamRequest request;
  private final SseTransport transport;
  private final SseBroker broker;
  private final int maxQueuedEvents;
  private final long maxQueuedBytes;
  private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);

  // Guarded by lock: written by the bus dispatch, heartbeat and adapter writer threads.
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Frame> backlog = new ArrayDeque<>(2);
  private @Nullable ArrayDeque<Frame> queue;
  private long queuedBytes;
  private boolean replaying = true;
  private boolean draining = true;
  private CloseReason closingReason = CloseReason.SHUTDOWN;

  SseStream(
      String id,
      StreamRequest request,
      SseTransport transport,
      SseBroker broker,
      int maxQueuedEvents,
      long maxQueuedBytes) {
    this.id = id;
    this.request = request;
    this.transport = transport;
    this.broker = broker;
    this.maxQueuedEvents = maxQueuedEvents;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /** Returns the stream's id, unique within its broker, for logs. */
  public String id() {
    return id;
  }

  /** Returns what the client asked for. */
  public StreamRequest request() {
    return request;
  }

  /**
   * Removes and returns the next waiting frames, joined into one array of at most
   * {@code maxBytes} unless a single frame is larger, or null if none is waiting.
   *
   * <p>Returns a frame's shared array when only one frame is taken; callers must not modify
   * it.
   */
  public byte @Nullable [] poll(int maxBytes) {
    lock.lock();
    try {
      if (state.get() == State.CLOSED || replaying) {
        return null;
      }
      Frame first = takeNext();
      if (first == null) {
        return null;
      }
      Frame second = peekNext();
      if (second == null || first.size() + second.size() > maxBytes) {
        return first.bytes();
      }
      return join(first, maxBytes);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the adapter's draining turn if nothing is waiting. Returns true if the turn ended (the
   * broker calls {@link SseTransport#onFramesAvailable()} for the next frame), or false if
   * frames arrived meanwhile and the adapter must go on draining.
   */
  public boolean finishDraining() {
    lock.lock();
    try {
      // While replaying, nothing is pollable yet and finishReplay signals when it is.
      if (!replaying && (hasWaitingFrames() || state.get() == State.CLOSING)) {
        return false;
      }
      draining = false;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns whether the stream is closing and every waiting frame has been polled; the adapter
   * then flushes and calls {@link #close(CloseReason)} with {@link #closingReason()}.
   */
  public boolean isEndOfStream() {
    lock.lock();
    try {
      return state.get() == State.CLOSING && !hasWaitingFrames();
    } finally {
      lock.unlock();
    }
  }

  /** Returns why the stream is closing; meaningful once {@link #isEndOfStream()} is true. */
  public CloseReason closingReason() {
    lock.lock();
    try {
      return closingReason;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the stream at once: unregisters it and asks the transport to end the response.
   * Idempotent and callable from any thread; only the first call has an effect.
   */
  public void close(CloseReason reason) {
    State previous = state.getAndSet(State.CLOSED);
    if (previous == State.CLOSED) {
      return;
    }
    lock.lock();
    try {
      backlog.clear();
      queue = null;
      queuedBytes = 0;
    } finally {
      lock.unlock();
    }
    broker.onClosed(this, reason);
    transport.close(reason);
  }

  /** Returns whether {@link #close(CloseReason)} has run. */
  public boolean isClosed() {
    return state.get() == State.CLOSED;
  }

  /** Queues a live frame; returns false if the stream is closed or was closed by this offer. */
  boolean offer(Frame frame) {
    boolean overflow;
    boolean mustSignal = false;
    lock.lock();
    try {
      if (state.get() != State.OPEN) {
        return false;
      }
      ArrayDeque<Frame> live = liveQueue();
      overflow = live.size() >= maxQueuedEvents || queuedBytes + frame.size() > maxQueuedBytes;
      if (!overflow) {
        live.add(frame);
        queuedBytes += frame.size();
        mustSignal = takeDrainTurn();
      }
    } finally {
      lock.unlock();
    }
    if (overflow) {
      broker.onOverflow(this, queuedEventsForLog(), maxQueuedEvents, maxQueuedBytes);
      close(CloseReason.SLOW_CLIENT);
      return false;
    }
    if (mustSignal) {
      broker.signal(transport);
    }
    return true;
  }

  /**
   * Ends the replay phase: {@code startFrames} go out first, then the live frames queued since
   * the stream opened whose ids are after {@code cursor}, so the seam between replay and live
   * has neither gap nor duplicate.
   */
  void finishReplay(List<Frame> startFrames, @Nullable EventId cursor) {
    boolean mustSignal;
    lock.lock();
    try {
      if (state.get() == State.CLOSED) {
        return;
      }
      backlog.addAll(startFrames);
      if (cursor != null && queue != null) {
        dropQueuedUpTo(cursor);
      }
      replaying = false;
      mustSignal = takeDrainTurn();
    } finally {
      lock.unlock();
    }
    if (mustSignal) {
      broker.signal(transport);
    }
  }

  /**
   * Sends {@code lastFrame} after everything already waiting and then lets the adapter close
   * the stream with {@code reason}. Ignores the queue bounds because the stream ends anyway.
   */
  void closeAfter(Frame lastFrame, CloseReason reason) {
    boolean mustSignal;
    lock.lock();
    try {
      if (!state.compareAndSet(State.OPEN, State.CLOSING)) {
        return;
      }
      closingReason = reason;
      replaying = false;
      liveQueue().add(lastFrame);
      queuedBytes += lastFrame.size();
      mustSignal = takeDrainTurn();
    } finally {
      lock.unlock();
    }
    if (mustSignal) {
      broker.signal(transport);
    }
  }

  private boolean takeDrainTurn() {
    if (draining) {
      return false;
    }
    draining = true;
    return true;
  }

  private void dropQueuedUpTo(EventId cursor) {
    ArrayDeque<Frame> kept = new ArrayDeque<>(queue.size());
    for (Frame frame : queue) {
      if (frame.id() != null && frame.id().compareTo(cursor) <= 0) {
        queuedBytes -= frame.size();
      } else {
        kept.add(frame);
      }
    }
    queue = kept;
  }

  private ArrayDeque<Frame> liveQueue() {
    if (queue == null) {
      // Most streams are idle most of the time: allocate on first use.
      queue = new ArrayDeque<>(4);
    }
    return queue;
  }

  private boolean hasWaitingFrames() {
    return !backlog.isEmpty() || (queue != null && !queue.isEmpty());
  }

  private @Nullable Frame takeNext() {
    Frame frame = backlog.poll();
    if (frame != null || queue == null) {
      return frame;
    }
    frame = queue.poll();
    if (frame != null) {
      queuedBytes -= frame.size();
    }
    return frame;
  }

  private @Nullable Frame peekNext() {
    Frame frame = backlog.peek();
    return frame != null || queue == null ? frame : queue.peek();
  }

  private byte[] join(Frame first, int maxBytes) {
    int total = first.size();
    int count = 1;
    for (Frame frame : backlog) {
      if (total + frame.size() > maxBytes) {
        break;
      }
      total += frame.size();
      count++;
    }
    if (count - 1 == backlog.size() && queue != null) {
      for (Frame frame : queue) {
        if (total + frame.size() > maxBytes) {
          break;
        }
        total += frame.size();
        count++;
      }
    }
    byte[] joined = new byte[total];
    System.arraycopy(first.bytes(), 0, joined, 0, first.size());
    int offset = first.size();
    for (int i = 1; i < count; i++) {
      Frame frame = takeNext();
      System.arraycopy(frame.bytes(), 0, joined, offset, frame.size());
      offset += frame.size();
    }
    return joined;
  }

  private int queuedEventsForLog() {
    lock.lock();
    try {
      return queue == null ? 0 : queue.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "SseStream{" + id + ", " + request.remoteAddress() + '}';
  }
}
