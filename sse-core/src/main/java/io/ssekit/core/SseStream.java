package io.ssekit.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One open event stream: the frames waiting for a client and the state of its connection.
 *
 * <p>Frames wait in two places. The backlog contains the frames known when the stream opened (the
 * retry hint, then replayed events); it is not bounded here because the replayed frames are
 * shared with the bus's log. The live queue holds frames offered afterwards and is bounded in
 * count and bytes: an offer past a bound closes the stream as {@link CloseReason#SLOW_CLIENT},
 * so one client that stops reading never holds more than its bound.
 *
 * <p>A client that falls behind gets the newest state instead of every step: once the live
 * queue has {@code conflationThreshold} frames waiting, a frame with a conflation key (see
 * {@link Frame#conflationKey()}) drops the older waiting frame with the same key, unless that
 * one is not supersedable, and joins the end of the queue. The client then sees at most one
 * waiting event per key, ids that only increase (with gaps), and per key never an older
 * event after a newer one. Frames without a key are never dropped.
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

  /** Queue length above which an emptied queue is released rather than kept for reuse. */
  private static final int RELEASE_AFTER_PEAK = 64;

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
  private final int conflationThreshold;
  private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);

  // Guarded by lock. Intrinsic, because a ReentrantLock stores its owner thread at each lock,
  // which costs G1 a card scan per stream and event.
  private final Object lock = new Object();
  private final ArrayDeque<Frame> backlog = new ArrayDeque<>(2);
  private @Nullable ArrayDeque<Frame> queue;
  private long queuedBytes;
  private boolean replaying = true;
  private boolean draining = true;
  private CloseReason closingReason = CloseReason.SHUTDOWN;
  private int takenFrames;
  private int takenEvents;
  // Frames still in the queue that a newer frame with the same key replaced; skipped by polls.
  private @Nullable Set<Frame> superseded;
  // The newest waiting frame of each conflation key in the live queue.
  private @Nullable Map<String, Frame> waitingByKey;
  // The maximum number of frames in the live queue since it was last released.
  private int queuePeak;

  SseStream(
      String id,
      StreamRequest request,
      SseTransport transport,
      SseBroker broker,
      int maxQueuedEvents,
      long maxQueuedBytes,
      int conflationThreshold) {
    this.id = id;
    this.request = request;
    this.transport = transport;
    this.broker = broker;
    this.maxQueuedEvents = maxQueuedEvents;
    this.maxQueuedBytes = maxQueuedBytes;
    this.conflationThreshold = conflationThreshold;
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
    byte[] chunk;
    int frames;
    int events;
    synchronized (lock) {
      chunk = takeChunk(maxBytes);
      frames = takenFrames;
      events = takenEvents;
      takenFrames = 0;
      takenEvents = 0;
    }
    if (chunk != null) {
      // Reported outside the lock, once per chunk, so metrics never slow an offer down.
      broker.metrics().framesWritten(frames, events, chunk.length);
    }
    return chunk;
  }

  /**
   * Ends the adapter's draining turn if nothing is waiting. Returns true if the turn ended (the
   * broker calls {@link SseTransport#onFramesAvailable()} for the next frame), or false if
   * frames arrived meanwhile and the adapter must go on draining.
   */
  public boolean finishDraining() {
    synchronized (lock) {
      // While replaying, nothing is pollable yet and finishReplay signals when it is.
      if (!replaying && (hasWaitingFrames() || state.get() == State.CLOSING)) {
        return false;
      }
      draining = false;
      return true;
    }
  }

  /**
   * Returns whether the stream is closing and every waiting frame has been polled; the adapter
   * then flushes and calls {@link #close(CloseReason)} with {@link #closingReason()}.
   */
  public boolean isEndOfStream() {
    synchronized (lock) {
      return state.get() == State.CLOSING && !hasWaitingFrames();
    }
  }

  /** Returns why the stream is closing; meaningful once {@link #isEndOfStream()} is true. */
  public CloseReason closingReason() {
    synchronized (lock) {
      return closingReason;
    }
  }

  /**
   * Closes the stream at once: unregisters it and has the transport end the response.
   * Idempotent and callable from any thread; only the first call has an effect.
   */
  public void close(CloseReason reason) {
    State previous = state.getAndSet(State.CLOSED);
    if (previous == State.CLOSED) {
      return;
    }
    synchronized (lock) {
      backlog.clear();
      queue = null;
      queuedBytes = 0;
      superseded = null;
      waitingByKey = null;
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
    return offer(frame, null);
  }

  /**
   * Queues a live frame as {@link #offer(Frame)} does, but adds the drain request, if any, to
   * {@code batch} instead of handing it to a writer at once.
   */
  boolean offer(Frame frame, @Nullable DrainBatch batch) {
    boolean overflow;
    boolean mustSignal = false;
    Frame replaced = null;
    synchronized (lock) {
      if (state.get() != State.OPEN) {
        return false;
      }
      replaced = replaceableBy(frame);
      int framesAfter = liveFrames() + (replaced == null ? 1 : 0);
      long bytesAfter = queuedBytes + frame.size() - (replaced == null ? 0 : replaced.size());
      overflow = framesAfter > maxQueuedEvents || bytesAfter > maxQueuedBytes;
      if (!overflow) {
        if (replaced != null) {
          supersede(replaced);
        }
        append(frame);
        mustSignal = takeDrainTurn();
      }
    }
    if (!overflow && replaced != null) {
      broker.metrics().eventConflated();
    }
    if (overflow) {
      broker.onOverflow(this, queuedEventsForLog(), maxQueuedEvents, maxQueuedBytes);
      close(CloseReason.SLOW_CLIENT);
      return false;
    }
    if (mustSignal) {
      if (batch != null) {
        batch.add(transport);
      } else {
        broker.signal(transport);
      }
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
    synchronized (lock) {
      if (state.get() == State.CLOSED) {
        return;
      }
      backlog.addAll(startFrames);
      if (cursor != null && queue != null) {
        dropQueuedUpTo(cursor);
      }
      replaying = false;
      mustSignal = takeDrainTurn();
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
    synchronized (lock) {
      mustSignal = enqueueLastFrame(lastFrame, reason);
    }
    if (mustSignal) {
      broker.signal(transport);
    }
  }

  /**
   * Ends a stream whose replay could not be read: drops the events queued since it opened, then
   * sends {@code lastFrame} and closes as {@link #closeAfter(Frame, CloseReason)} does. Must be
   * called before the adapter's first poll.
   *
   * <p>The dropped events follow the ones the client missed. Sending them would move its last
   * event ID past that gap, which no later replay would fill. Without them the client
   * reconnects with the same ID.
   */
  void abandonReplay(Frame lastFrame, CloseReason reason) {
    boolean mustSignal;
    synchronized (lock) {
      // Also after a shutdown's closeAfter, which may already have ended the replay phase.
      dropQueuedEvents();
      mustSignal = enqueueLastFrame(lastFrame, reason);
    }
    if (mustSignal) {
      broker.signal(transport);
    }
  }

  private boolean enqueueLastFrame(Frame lastFrame, CloseReason reason) {
    if (!state.compareAndSet(State.OPEN, State.CLOSING)) {
      return false;
    }
    closingReason = reason;
    replaying = false;
    liveQueue().add(lastFrame);
    queuedBytes += lastFrame.size();
    return takeDrainTurn();
  }

  private void dropQueuedEvents() {
    retainQueued(frame -> frame.id() == null);
  }

  /** Returns the frames waiting to be written: the backlog plus the live queue. */
  int queuedFrames() {
    synchronized (lock) {
      return backlog.size() + liveFrames();
    }
  }

  /** Returns the bytes of the live frames waiting to be written. */
  long queuedBytes() {
    synchronized (lock) {
      return queuedBytes;
    }
  }

  private byte @Nullable [] takeChunk(int maxBytes) {
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
  }

  private boolean takeDrainTurn() {
    if (draining) {
      return false;
    }
    draining = true;
    return true;
  }

  private void dropQueuedUpTo(EventId cursor) {
    retainQueued(frame -> frame.id() == null || frame.id().compareTo(cursor) > 0);
  }

  /** Returns the waiting frame that {@code frame} replaces by conflation, or null. */
  private @Nullable Frame replaceableBy(Frame frame) {
    String key = frame.conflationKey();
    if (key == null || waitingByKey == null || liveFrames() < conflationThreshold) {
      return null;
    }
    Frame waiting = waitingByKey.get(key);
    return waiting != null && waiting.supersedable() ? waiting : null;
  }

  private void append(Frame frame) {
    ArrayDeque<Frame> live = liveQueue();
    live.add(frame);
    queuePeak = Math.max(queuePeak, live.size());
    queuedBytes += frame.size();
    String key = frame.conflationKey();
    if (key != null) {
      if (waitingByKey == null) {
        waitingByKey = new HashMap<>();
      }
      waitingByKey.put(key, frame);
    }
  }

  private void supersede(Frame frame) {
    if (superseded == null) {
      superseded = Collections.newSetFromMap(new IdentityHashMap<>());
    }
    superseded.add(frame);
    queuedBytes -= frame.size();
    // Superseded frames stay in the deque until polled; compact before they dominate it.
    if (superseded.size() > liveFrames() + 64) {
      retainQueued(kept -> true);
    }
  }

  /**
   * Rebuilds the live queue with the frames that are not superseded and pass {@code keep},
   * and recomputes the byte count and the per-key index from what is left.
   */
  private void retainQueued(Predicate<Frame> keep) {
    if (queue == null) {
      return;
    }
    ArrayDeque<Frame> kept = new ArrayDeque<>(Math.max(4, liveFrames()));
    long bytes = 0;
    Map<String, Frame> index = null;
    for (Frame frame : queue) {
      if ((superseded != null && superseded.contains(frame)) || !keep.test(frame)) {
        continue;
      }
      kept.add(frame);
      bytes += frame.size();
      if (frame.conflationKey() != null) {
        if (index == null) {
          index = new HashMap<>();
        }
        index.put(frame.conflationKey(), frame);
      }
    }
    queue = kept;
    queuedBytes = bytes;
    superseded = null;
    waitingByKey = index;
  }

  /** Returns the live frames waiting, without the superseded ones. */
  private int liveFrames() {
    if (queue == null) {
      return 0;
    }
    return queue.size() - (superseded == null ? 0 : superseded.size());
  }

  /** Removes superseded frames from the head of the live queue. */
  private void skipSuperseded() {
    if (queue == null || superseded == null) {
      return;
    }
    while (!queue.isEmpty() && superseded.remove(queue.peek())) {
      queue.poll();
    }
    if (superseded.isEmpty()) {
      superseded = null;
    }
  }

  private ArrayDeque<Frame> liveQueue() {
    if (queue == null) {
      // Most streams are idle most of the time: allocate on first use.
      queue = new ArrayDeque<>(4);
    }
    return queue;
  }

  private boolean hasWaitingFrames() {
    return !backlog.isEmpty() || liveFrames() > 0;
  }

  private @Nullable Frame takeNext() {
    Frame frame = backlog.poll();
    if (frame == null && queue != null) {
      skipSuperseded();
      frame = queue.poll();
      if (frame != null) {
        queuedBytes -= frame.size();
        forgetWaiting(frame);
      }
      releaseQueueAfterBurst();
    }
    if (frame != null) {
      takenFrames++;
      if (frame.id() != null) {
        takenEvents++;
      }
    }
    return frame;
  }

  /**
   * Drops an emptied queue that grew during a burst: an ArrayDeque never shrinks, and
   * thousands of idle streams would otherwise each keep the array of their largest burst.
   */
  private void releaseQueueAfterBurst() {
    if (queue.isEmpty() && queuePeak > RELEASE_AFTER_PEAK) {
      queue = null;
      superseded = null;
      waitingByKey = null;
      queuePeak = 0;
    }
  }

  private void forgetWaiting(Frame frame) {
    String key = frame.conflationKey();
    if (key != null && waitingByKey != null && waitingByKey.get(key) == frame) {
      waitingByKey.remove(key);
    }
  }

  private @Nullable Frame peekNext() {
    Frame frame = backlog.peek();
    if (frame != null || queue == null) {
      return frame;
    }
    skipSuperseded();
    return queue.peek();
  }

  private byte[] join(Frame first, int maxBytes) {
    List<Frame> frames = new ArrayList<>();
    frames.add(first);
    int total = first.size();
    for (Frame next = peekNext(); next != null && total + next.size() <= maxBytes; next = peekNext()) {
      frames.add(takeNext());
      total += next.size();
    }
    byte[] joined = new byte[total];
    int offset = 0;
    for (Frame frame : frames) {
      System.arraycopy(frame.bytes(), 0, joined, offset, frame.size());
      offset += frame.size();
    }
    return joined;
  }

  private int queuedEventsForLog() {
    synchronized (lock) {
      return liveFrames();
    }
  }

  @Override
  public String toString() {
    return "SseStream{" + id + ", " + request.remoteAddress() + '}';
  }
}
