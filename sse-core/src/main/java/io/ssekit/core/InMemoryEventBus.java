package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventBus} for one process: ids from the injected clock, a replay log bounded in
 * count and age, and idempotency keys remembered for a window.
 *
 * <p>Publishing holds one lock while it assigns ids, appends to the log and calls the
 * listeners, so listeners see events in id order even when many threads publish. Listeners
 * must therefore return quickly; {@link SseBroker} only enqueues.
 *
 * <p>Safe for concurrent use.
 */
public final class InMemoryEventBus implements EventBus {

  /** Default number of events kept for replay. */
  public static final int DEFAULT_REPLAY_CAPACITY = 10_000;

  /** Default maximum age of an event kept for replay. */
  public static final Duration DEFAULT_REPLAY_MAX_AGE = Duration.ofHours(1);

  /** Default time during which a repeated idempotency key returns the original event. */
  public static final Duration DEFAULT_IDEMPOTENCY_WINDOW = Duration.ofMinutes(10);

  /** Maximum number of idempotency keys remembered; the oldest are forgotten first. */
  static final int MAX_IDEMPOTENCY_KEYS = 100_000;

  private static final Logger log = LoggerFactory.getLogger(InMemoryEventBus.class);

  private final Clock clock;
  private final Duration replayMaxAge;
  private final Duration idempotencyWindow;
  private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

  // Guarded by lock: written by publishing threads and by replay readers that evict.
  private final ReentrantLock lock = new ReentrantLock();
  private final ReplayLog replayLog;
  private final Map<String, RememberedKey> idempotencyKeys = new LinkedHashMap<>();
  private @Nullable EventId latestId;
  private boolean closed;

  private InMemoryEventBus(Builder builder) {
    this.clock = builder.clock;
    this.replayMaxAge = builder.replayMaxAge;
    this.idempotencyWindow = builder.idempotencyWindow;
    this.replayLog = new ReplayLog(builder.replayCapacity);
  }

  /** Returns a bus with the default capacity, age and window. */
  public static InMemoryEventBus create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<PublishedEvent> publish(List<EventDraft> drafts) {
    requireNonNull(drafts, "drafts");
    List<PublishedEvent> published = new ArrayList<>(drafts.size());
    lock.lock();
    try {
      checkOpen();
      long now = clock.millis();
      evictExpired(now);
      for (EventDraft draft : drafts) {
        published.add(publishOne(draft, now));
      }
    } finally {
      lock.unlock();
    }
    return published;
  }

  private PublishedEvent publishOne(EventDraft draft, long now) {
    String key = draft.idempotencyKey();
    RememberedKey remembered = key == null ? null : idempotencyKeys.get(key);
    if (remembered != null) {
      return remembered.event;
    }
    EventId id = latestId == null ? new EventId(now, 0) : latestId.next(now);
    PublishedEvent event = PublishedEvent.of(id, draft);
    latestId = id;
    replayLog.append(event);
    if (key != null) {
      rememberKey(key, event, now);
    }
    notifyListeners(event);
    return event;
  }

  private void notifyListeners(PublishedEvent event) {
    for (EventListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        log.warn("Event listener {} failed on event {}", listener, event.id(), e);
      }
    }
  }

  private void rememberKey(String key, PublishedEvent event, long now) {
    idempotencyKeys.put(key, new RememberedKey(event, now));
    if (idempotencyKeys.size() > MAX_IDEMPOTENCY_KEYS) {
      Iterator<RememberedKey> oldest = idempotencyKeys.values().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  @Override
  public Subscription subscribe(EventListener listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public Replay replayAfter(EventId lastEventId) {
    requireNonNull(lastEventId, "lastEventId");
    lock.lock();
    try {
      evictExpired(clock.millis());
      List<PublishedEvent> events = replayLog.after(lastEventId);
      return events == null ? Replay.reset(latestId) : new Replay(true, events, latestId);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public @Nullable EventId latestId() {
    lock.lock();
    try {
      return latestId;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      listeners.clear();
    } finally {
      lock.unlock();
    }
  }

  private void evictExpired(long now) {
    long oldestAllowed = now - replayMaxAge.toMillis();
    PublishedEvent oldest = replayLog.oldest();
    while (oldest != null && oldest.id().millis() < oldestAllowed) {
      replayLog.evictOldest();
      oldest = replayLog.oldest();
    }
    long oldestKeyAllowed = now - idempotencyWindow.toMillis();
    Iterator<RememberedKey> keys = idempotencyKeys.values().iterator();
    while (keys.hasNext() && keys.next().rememberedAtMillis < oldestKeyAllowed) {
      keys.remove();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("event bus is closed");
    }
  }

  private record RememberedKey(PublishedEvent event, long rememberedAtMillis) {}

  /** Configures an {@link InMemoryEventBus}. Not thread-safe. */
  public static final class Builder {

    private Clock clock = Clock.systemUTC();
    private int replayCapacity = DEFAULT_REPLAY_CAPACITY;
    private Duration replayMaxAge = DEFAULT_REPLAY_MAX_AGE;
    private Duration idempotencyWindow = DEFAULT_IDEMPOTENCY_WINDOW;

    private Builder() {}

    /** Sets the clock that ids and ages come from; defaults to the UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Sets how many events are kept for replay; defaults to {@value InMemoryEventBus#DEFAULT_REPLAY_CAPACITY}. */
    public Builder replayCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("replayCapacity: " + capacity + " (expected: >= 1)");
      }
      this.replayCapacity = capacity;
      return this;
    }

    /** Sets how long an event is kept for replay; defaults to one hour. */
    public Builder replayMaxAge(Duration maxAge) {
      requirePositive(maxAge, "replayMaxAge");
      this.replayMaxAge = maxAge;
      return this;
    }

    /** Sets how long an idempotency key is remembered; defaults to ten minutes. */
    public Builder idempotencyWindow(Duration window) {
      requirePositive(window, "idempotencyWindow");
      this.idempotencyWindow = window;
      return this;
    }

    public InMemoryEventBus build() {
      return new InMemoryEventBus(this);
    }

    private static void requirePositive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
    }
  }
}
