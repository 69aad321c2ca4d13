package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection registry: opens streams, fans published events out to them, sends
 * heartbeats, and closes every stream on shutdown.
 *
 * <p>Fan-out only appends a shared, already encoded {@link Frame} to each matching stream's
 * bounded queue and, for a stream that was idle, hands a drain request to a writer thread. It
 * never touches a socket and never waits for a client. Streams with a {@code video_id} filter
 * are indexed by video, so an event reaches only the streams that asked for its video plus the
 * streams without a video filter.
 *
 * <p>Safe for concurrent use. Create one per event bus with {@link #builder(EventBus)}.
 */
public final class SseBroker {

  /** Default time between heartbeats. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);

  /** Default reconnection time sent to clients in the {@code retry:} field. */
  public static final Duration DEFAULT_RETRY = Duration.ofMillis(3000);

  /** Default maximum number of open streams. */
  public static final int DEFAULT_MAX_STREAMS = 50_000;

  /**
   * Default maximum number of open streams from one client address: room for an office
   * behind one NAT address with a few tabs per person, far below {@link #DEFAULT_MAX_STREAMS}.
   */
  public static final int DEFAULT_MAX_STREAMS_PER_ADDRESS = 1_000;

  /** Default bound on live events waiting for one client. */
  public static final int DEFAULT_MAX_QUEUED_EVENTS = 1_000;

  /** Default bound on the bytes of live events waiting for one client. */
  public static final long DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

  /**
   * Default number of live frames waiting for one client from which conflation starts: far
   * above what a client that keeps up has waiting, far below the queue bound.
   */
  public static final int DEFAULT_CONFLATION_THRESHOLD = 128;

  private static final Logger log = LoggerFactory.getLogger(SseBroker.class);

  private final EventBus bus;
  private final Clock clock;
  private final int maxStreams;
  private final int maxStreamsPerAddress;
  private final int maxQueuedEvents;
  private final long maxQueuedBytes;
  private final int conflationThreshold;
  private final Frame retryFrame;
  private final ExecutorService writerExecutor;
  private final boolean ownsWriterExecutor;
  private final ScheduledExecutorService heartbeatScheduler;
  private final EventBus.Subscription subscription;
  private final SseMetrics metrics;
  private final long heartbeatIntervalNanos;
  private final long heartbeatStartNanos;

  // Confined to the heartbeat thread.
  private long heartbeatTicks;

  // Written by threads that open and close streams.
  private final Set<SseStream> allStreams = ConcurrentHashMap.newKeySet();
  private final Set<SseStream> streamsForAnyVideo = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<SseStream>> streamsByVideo = new ConcurrentHashMap<>();
  private final AtomicInteger connectedClients = new AtomicInteger();
  private final Map<String, Integer> streamsByAddress = new ConcurrentHashMap<>();
  private final AtomicLong streamSequence = new AtomicLong();
  private final Map<CloseReason, AtomicLong> closedByReason = new EnumMap<>(CloseReason.class);

  // Written once by the thread that shuts down.
  private final AtomicBoolean shuttingDown = new AtomicBoolean();
  private final Object allClosed = new Object();

  // Read-locked by publishing threads, write-locked once by shutdown to wait for them.
  private final ReentrantReadWriteLock publishGate = new ReentrantReadWriteLock();

  private SseBroker(Builder builder) {
    this.bus = builder.bus;
    this.clock = builder.clock;
    this.maxStreams = builder.maxStreams;
    this.maxStreamsPerAddress = builder.maxStreamsPerAddress;
    this.maxQueuedEvents = builder.maxQueuedEvents;
    this.maxQueuedBytes = builder.maxQueuedBytes;
    this.conflationThreshold = builder.conflationThreshold;
    this.retryFrame = new Frame(SseEncoder.encodeRetry(builder.retry), null);
    this.ownsWriterExecutor = builder.writerExecutor == null;
    this.writerExecutor =
        ownsWriterExecutor
            ? Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                daemonThreads("sse-writer-"))
            : builder.writerExecutor;
    for (CloseReason reason : CloseReason.values()) {
      closedByReason.put(reason, new AtomicLong());
    }
    this.heartbeatScheduler =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("sse-heartbeat-"));
    this.metrics = GuardedSseMetrics.guard(builder.metrics);
    long intervalMillis = builder.heartbeatInterval.toMillis();
    this.heartbeatIntervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.heartbeatStartNanos = System.nanoTime();
    // The first encoding loads Jackson's serializer classes for the heartbeat. Doing it now keeps
    // that class loading, and the compiled code HotSpot may discard for it, out of the first tick.
    heartbeatFrame(clock.instant());
    heartbeatScheduler.scheduleAtFixedRate(
        this::sendHeartbeatSafely, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    this.subscription = bus.subscribe(this::dispatch);
  }

  /** Returns a builder for a broker that delivers the events of {@code bus}. */
  public static Builder builder(EventBus bus) {
    return new Builder(bus);
  }

  /**
   * Opens a stream for {@code transport}: registers it, queues the {@code retry:} hint, and
   * either the events after the request's last event ID or a {@code stream.reset} event when
   * they cannot be replayed. Live events follow without gap or duplicate.
   *
   * <p>Frames become available through {@link SseTransport#onFramesAvailable()} only after the
   * adapter's first draining turn has ended with {@link SseStream#finishDraining()}, so the
   * adapter may set up its writer after this call returns and then drain once.
   *
   * @throws StreamLimitException if the broker has its maximum number of streams open, in
   *     total or from the request's client address, or is shutting down. Nothing was
   *     registered then.
   */
  public SseStream open(SseTransport transport, StreamRequest request) {
    requireNonNull(transport, "transport");
    requireNonNull(request, "request");
    if (shuttingDown.get()) {
      metrics.streamRejected(CloseReason.SHUTDOWN);
      throw new StreamLimitException("the server is shutting down");
    }
    reserveSlot(request.remoteAddress());
    String id = "s" + streamSequence.incrementAndGet();
    SseStream stream =
        new SseStream(
            id, request, transport, this, maxQueuedEvents, maxQueuedBytes, conflationThreshold);
    register(stream);
    metrics.streamOpened();
    log.debug("Opened stream {} for {}", id, request.remoteAddress());
    try {
      startStream(stream, request.lastEventId());
    } catch (RuntimeException e) {
      // The caller never gets the stream, so nothing else would ever close it and free its slot.
      stream.close(CloseReason.CLIENT_GONE);
      throw e;
    }
    // T1 opens and registers; T2 shuts down and closes all it saw before T1's register.
    if (shuttingDown.get()) {
      stream.closeAfter(retryFrame, CloseReason.SHUTDOWN);
    }
    return stream;
  }

  /** Returns the number of open streams; exact once concurrent opens and closes return. */
  public int connectedClients() {
    return connectedClients.get();
  }

  /** Returns how many streams have closed for {@code reason} since the broker started. */
  public long closedStreams(CloseReason reason) {
    return closedByReason.get(reason).get();
  }

  /**
   * Returns the frames waiting to be written, summed over every open stream. Takes each
   * stream's lock in turn, so it costs time proportional to the open streams: meant for a
   * metrics scrape, not for a hot path. The sum is not a snapshot of one instant.
   */
  public long queuedFrames() {
    long total = 0;
    for (SseStream stream : allStreams) {
      total += stream.queuedFrames();
    }
    return total;
  }

  /** Returns the bytes of live frames waiting to be written, summed like {@link #queuedFrames()}. */
  public long queuedBytes() {
    long total = 0;
    for (SseStream stream : allStreams) {
      total += stream.queuedBytes();
    }
    return total;
  }

  /**
   * Returns where this broker reports what it does; adapters report their own rejections
   * (such as {@link SseMetrics#publishRejected(int)}) to it. Its report methods never throw,
   * because the broker wraps user-supplied metrics and logs their first failure.
   */
  public SseMetrics metrics() {
    return metrics;
  }

  /** Returns the bus whose events this broker delivers. */
  public EventBus bus() {
    return bus;
  }

  /**
   * Publishes {@code drafts} on the bus, unless shutdown has begun. Adapters publish through
   * here so that, with a bus that delivers on the publishing thread (the in-memory bus), every
   * event they acknowledge is queued on the open streams before shutdown closes them. A bus
   * that delivers from its own reader thread (Redis) may still be delivering when shutdown
   * closes the streams, and those clients get the events by replay when they reconnect. Safe
   * for concurrent use; blocks only while the bus publishes.
   *
   * @return the published events, in the order of {@code drafts}
   * @throws EventBusUnavailableException if the broker is shutting down or the bus cannot
   *     publish now; nothing was published
   */
  public List<PublishedEvent> publish(List<EventDraft> drafts) {
    requireNonNull(drafts, "drafts");
    Lock gate = publishGate.readLock();
    gate.lock();
    try {
      if (shuttingDown.get()) {
        throw new EventBusUnavailableException("the server is shutting down");
      }
      return bus.publish(drafts);
    } finally {
      gate.unlock();
    }
  }

  /** Returns whether {@link #shutdown(Duration)} has begun. */
  public boolean isShuttingDown() {
    return shuttingDown.get();
  }

  /** Returns the frame that sets a client's reconnection time, sent at every stream start. */
  public Frame retryFrame() {
    return retryFrame;
  }

  /**
   * Stops heartbeats and delivery, sends every stream the {@code retry:} hint and lets it
   * close, waits up to {@code grace} for the streams to finish, then closes the rest at once
   * and stops the broker's threads. Blocks the caller. A second call returns at once.
   */
  public void shutdown(Duration grace) {
    if (!shuttingDown.compareAndSet(false, true)) {
      return;
    }
    // T1 in publish() passed the flag check before T2 set it; T2 waits here until T1's events
    // are queued on the streams, so the retry hint and close come after them.
    publishGate.writeLock().lock();
    publishGate.writeLock().unlock();
    subscription.close();
    heartbeatScheduler.shutdownNow();
    int open = connectedClients.get();
    for (SseStream stream : allStreams) {
      stream.closeAfter(retryFrame, CloseReason.SHUTDOWN);
    }
    boolean clean = awaitAllClosed(grace);
    for (SseStream stream : allStreams) {
      stream.close(CloseReason.SHUTDOWN);
    }
    if (ownsWriterExecutor) {
      writerExecutor.shutdown();
      awaitTermination(writerExecutor);
    }
    awaitTermination(heartbeatScheduler);
    log.info(
        "Broker stopped; streams closed: {}{}",
        open,
        clean ? "" : " (some did not finish within " + grace.toMillis() + " ms and were cut)");
  }

  /** Sends one heartbeat to every open stream; the scheduler calls it at the set interval. */
  void sendHeartbeat() {
    Frame frame = heartbeatFrame(clock.instant());
    DrainBatch batch = new DrainBatch(this);
    try {
      for (SseStream stream : allStreams) {
        stream.offer(frame, batch);
      }
    } finally {
      batch.flush();
    }
  }

  void signal(SseTransport transport) {
    try {
      writerExecutor.execute(transport::onFramesAvailable);
    } catch (RejectedExecutionException e) {
      // Only after shutdown stopped the writers; every stream is closed by then.
      log.debug("Writer stopped; dropped a drain request", e);
    }
  }

  /** Has a writer drain the first {@code count} transports of {@code transports} in turn. */
  void signalAll(@Nullable SseTransport[] transports, int count) {
    try {
      writerExecutor.execute(() -> drainAll(transports, count));
    } catch (RejectedExecutionException e) {
      // Only after shutdown stopped the writers; every stream is closed by then.
      log.debug("Writer stopped; dropped {} drain requests", count, e);
    }
  }

  private static void drainAll(@Nullable SseTransport[] transports, int count) {
    for (int i = 0; i < count; i++) {
      SseTransport transport = transports[i];
      try {
        transport.onFramesAvailable();
      } catch (RuntimeException e) {
        // One broken transport must not keep the rest of its group from being written.
        log.warn("A transport failed to start draining", e);
      }
    }
  }

  void onOverflow(SseStream stream, int queuedEvents, int maxEvents, long maxBytes) {
    log.warn(
        "Closing stream {} of {}: the client is not reading fast enough ({} events queued;"
            + " bounds: {} events, {} bytes); it may reconnect and resume with Last-Event-ID",
        stream.id(),
        stream.request().remoteAddress(),
        queuedEvents,
        maxEvents,
        maxBytes);
  }

  void onClosed(SseStream stream, CloseReason reason) {
    unregister(stream);
    connectedClients.decrementAndGet();
    releaseAddressSlot(stream.request().remoteAddress());
    closedByReason.get(reason).incrementAndGet();
    metrics.streamClosed(reason);
    log.debug("Closed stream {} ({})", stream.id(), reason);
    if (shuttingDown.get()) {
      synchronized (allClosed) {
        allClosed.notifyAll();
      }
    }
  }

  private void dispatch(PublishedEvent event) {
    metrics.eventPublished();
    Frame frame = event.frame();
    DrainBatch batch = new DrainBatch(this);
    try {
      for (SseStream stream : streamsForAnyVideo) {
        offerIfMatching(stream, event, frame, batch);
      }
      String videoId = event.videoId();
      Set<SseStream> forVideo = videoId == null ? null : streamsByVideo.get(videoId);
      if (forVideo != null) {
        for (SseStream stream : forVideo) {
          offerIfMatching(stream, event, frame, batch);
        }
      }
    } finally {
      batch.flush();
    }
  }

  private static void offerIfMatching(
      SseStream stream, PublishedEvent event, Frame frame, DrainBatch batch) {
    if (stream.request().filter().matches(event)) {
      stream.offer(frame, batch);
    }
  }

  private void startStream(SseStream stream, @Nullable String lastEventId) {
    if (lastEventId == null || lastEventId.isEmpty()) {
      stream.finishReplay(List.of(retryFrame), null);
      return;
    }
    EventId lastId;
    try {
      lastId = EventId.parse(lastEventId);
    } catch (IllegalArgumentException malformed) {
      metrics.replayReset();
      EventId latest = bus.latestId();
      stream.finishReplay(List.of(retryFrame, resetFrame(lastEventId, latest)), latest);
      return;
    }
    EventBus.Replay replay;
    try {
      replay = bus.replayAfter(lastId);
    } catch (EventBusUnavailableException e) {
      log.warn("Cannot replay for stream {}: {}; asking the client to retry", stream.id(), e.getMessage());
      metrics.replayFailed();
      stream.abandonReplay(retryFrame, CloseReason.BUS_UNAVAILABLE);
      return;
    }
    if (!replay.complete()) {
      metrics.replayReset();
      EventId latest = replay.latestId();
      stream.finishReplay(List.of(retryFrame, resetFrame(lastEventId, latest)), latest);
      return;
    }
    List<Frame> frames = new ArrayList<>(replay.events().size() + 1);
    frames.add(retryFrame);
    EventId cursor = lastId;
    StreamFilter filter = stream.request().filter();
    for (PublishedEvent event : replay.events()) {
      cursor = event.id();
      if (filter.matches(event)) {
        frames.add(event.frame());
      }
    }
    if (stream.request().compactReplay()) {
      frames = compact(frames);
    }
    metrics.replayServed(frames.size() - 1);
    stream.finishReplay(frames, cursor);
  }

  /**
   * Keeps, of the replayed frames in id order, every unkeyed frame, every frame that may not
   * be dropped, and the newest frame of each conflation key.
   */
  private static List<Frame> compact(List<Frame> frames) {
    Map<String, Frame> newestByKey = new HashMap<>();
    for (Frame frame : frames) {
      if (frame.conflationKey() != null) {
        newestByKey.put(frame.conflationKey(), frame);
      }
    }
    List<Frame> kept = new ArrayList<>(frames.size());
    for (Frame frame : frames) {
      String key = frame.conflationKey();
      if (key == null || !frame.supersedable() || newestByKey.get(key) == frame) {
        kept.add(frame);
      }
    }
    return kept;
  }

  private Frame resetFrame(String lastEventId, @Nullable EventId latest) {
    StreamResetEvent reset =
        new StreamResetEvent(clock.instant(), StreamResetEvent.REASON_UNKNOWN_ID, lastEventId);
    // An empty id clears the client's last event ID when nothing was published yet.
    String id = latest == null ? "" : latest.toString();
    String sanitizedData = EventJson.write(reset);
    return new Frame(
        SseEncoder.encode(new ServerSentEvent(id, reset.type(), sanitizedData, null)), latest);
  }

  private void reserveSlot(String remoteAddress) {
    int open = connectedClients.incrementAndGet();
    if (open > maxStreams) {
      connectedClients.decrementAndGet();
      metrics.streamRejected(CloseReason.LIMIT);
      throw new StreamLimitException(
          "the server has its maximum of " + maxStreams + " streams open; retry later");
    }
    if (!reserveAddressSlot(remoteAddress)) {
      connectedClients.decrementAndGet();
      metrics.streamRejected(CloseReason.LIMIT);
      throw new StreamLimitException(
          "client address " + remoteAddress + " has its maximum of " + maxStreamsPerAddress
              + " streams open; retry later");
    }
  }

  /** Counts one more stream for {@code address}, unless it is at the per-address maximum. */
  private boolean reserveAddressSlot(String address) {
    boolean[] reserved = {false};
    // compute runs atomically per key, so two opens from one address cannot both pass the check.
    streamsByAddress.compute(address, (key, open) -> {
      int current = open == null ? 0 : open;
      if (current >= maxStreamsPerAddress) {
        return open;
      }
      reserved[0] = true;
      return current + 1;
    });
    return reserved[0];
  }

  private void releaseAddressSlot(String address) {
    streamsByAddress.computeIfPresent(address, (key, open) -> open <= 1 ? null : open - 1);
  }

  private void register(SseStream stream) {
    allStreams.add(stream);
    Set<String> videoIds = stream.request().filter().videoIds();
    if (videoIds.isEmpty()) {
      streamsForAnyVideo.add(stream);
      return;
    }
    for (String videoId : videoIds) {
      streamsByVideo.computeIfAbsent(videoId, key -> ConcurrentHashMap.newKeySet()).add(stream);
    }
  }

  private void unregister(SseStream stream) {
    allStreams.remove(stream);
    Set<String> videoIds = stream.request().filter().videoIds();
    if (videoIds.isEmpty()) {
      streamsForAnyVideo.remove(stream);
      return;
    }
    for (String videoId : videoIds) {
      // computeIfPresent is atomic per key, so a concurrent register never adds to a dropped set.
      streamsByVideo.computeIfPresent(
          videoId,
          (key, streams) -> {
            streams.remove(stream);
            return streams.isEmpty() ? null : streams;
          });
    }
  }

  private static Frame heartbeatFrame(Instant now) {
    HeartbeatEvent heartbeat = new HeartbeatEvent(now);
    byte[] bytes = SseEncoder.encode(ServerSentEvent.of(heartbeat.type(), EventJson.write(heartbeat)));
    return new Frame(bytes, null);
  }

  private void sendHeartbeatSafely() {
    // At a fixed rate, tick n is due at start + n * interval; a late tick runs as soon as it can.
    heartbeatTicks++;
    long lagNanos = System.nanoTime() - (heartbeatStartNanos + heartbeatTicks * heartbeatIntervalNanos);
    try {
      sendHeartbeat();
    } catch (RuntimeException e) {
      // An exception would cancel the periodic task, and with it every later heartbeat.
      log.warn("Heartbeat failed; the next one runs on schedule", e);
    }
    metrics.heartbeatSent(Math.max(0, lagNanos));
  }

  private boolean awaitAllClosed(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (allClosed) {
      while (connectedClients.get() > 0) {
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMillis <= 0) {
          return false;
        }
        try {
          allClosed.wait(remainingMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  private static void awaitTermination(ExecutorService executor) {
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Configures an {@link SseBroker}. Not thread-safe. */
  public static final class Builder {

    private final EventBus bus;
    private Clock clock = Clock.systemUTC();
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration retry = DEFAULT_RETRY;
    private int maxStreams = DEFAULT_MAX_STREAMS;
    private int maxStreamsPerAddress = DEFAULT_MAX_STREAMS_PER_ADDRESS;
    private int maxQueuedEvents = DEFAULT_MAX_QUEUED_EVENTS;
    private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
    private int conflationThreshold = DEFAULT_CONFLATION_THRESHOLD;
    private @Nullable ExecutorService writerExecutor;
    private SseMetrics metrics = SseMetrics.NONE;

    private Builder(EventBus bus) {
      this.bus = requireNonNull(bus, "bus");
    }

    /** Sets the clock for heartbeat and reset timestamps; defaults to the UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Sets the time between heartbeats; defaults to 30 seconds. */
    public Builder heartbeatInterval(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException(
            "heartbeatInterval: " + interval + " (expected: >= 1 ms)");
      }
      this.heartbeatInterval = interval;
      return this;
    }

    /** Sets the reconnection time sent to clients; defaults to 3000 ms. */
    public Builder retry(Duration retry) {
      requireNonNull(retry, "retry");
      if (retry.isNegative()) {
        throw new IllegalArgumentException("retry: " + retry + " (expected: >= 0)");
      }
      this.retry = retry;
      return this;
    }

    /** Sets the maximum number of open streams; defaults to {@value SseBroker#DEFAULT_MAX_STREAMS}. */
    public Builder maxStreams(int maxStreams) {
      if (maxStreams < 1) {
        throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: >= 1)");
      }
      this.maxStreams = maxStreams;
      return this;
    }

    /**
     * Sets the maximum number of open streams from one client address, as the adapter reports
     * it in {@link StreamRequest#remoteAddress()}; defaults to
     * {@value SseBroker#DEFAULT_MAX_STREAMS_PER_ADDRESS}. Behind a reverse proxy every stream
     * comes from the proxy's address, so raise it to the total maximum there.
     */
    public Builder maxStreamsPerAddress(int maxStreamsPerAddress) {
      if (maxStreamsPerAddress < 1) {
        throw new IllegalArgumentException(
            "maxStreamsPerAddress: " + maxStreamsPerAddress + " (expected: >= 1)");
      }
      this.maxStreamsPerAddress = maxStreamsPerAddress;
      return this;
    }

    /**
     * Sets the bound on live events waiting for one client; defaults to
     * {@value SseBroker#DEFAULT_MAX_QUEUED_EVENTS}.
     */
    public Builder maxQueuedEvents(int maxQueuedEvents) {
      if (maxQueuedEvents < 1) {
        throw new IllegalArgumentException(
            "maxQueuedEvents: " + maxQueuedEvents + " (expected: >= 1)");
      }
      this.maxQueuedEvents = maxQueuedEvents;
      return this;
    }

    /**
     * Sets from how many live frames waiting for one client a newer event replaces the waiting
     * event with the same conflation key; defaults to {@value SseBroker#DEFAULT_CONFLATION_THRESHOLD}.
     * {@link Integer#MAX_VALUE} turns conflation off.
     */
    public Builder conflationThreshold(int threshold) {
      if (threshold < 0) {
        throw new IllegalArgumentException(
            "conflationThreshold: " + threshold + " (expected: >= 0; 0 conflates always)");
      }
      this.conflationThreshold = threshold;
      return this;
    }

    /** Sets the bound on the bytes of live events waiting for one client; defaults to 1 MiB. */
    public Builder maxQueuedBytes(long maxQueuedBytes) {
      if (maxQueuedBytes < 1) {
        throw new IllegalArgumentException(
            "maxQueuedBytes: " + maxQueuedBytes + " (expected: >= 1)");
      }
      this.maxQueuedBytes = maxQueuedBytes;
      return this;
    }

    /**
     * Sets the executor that runs {@link SseTransport#onFramesAvailable()}; the caller keeps
     * ownership. Defaults to a pool of one daemon thread per core, at least two, that
     * {@link SseBroker#shutdown(Duration)} stops.
     */
    public Builder writerExecutor(ExecutorService executor) {
      this.writerExecutor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets where the broker reports streams, events, writes, replays and heartbeat lag;
     * defaults to {@link SseMetrics#NONE}. The broker catches and logs what it throws.
     */
    public Builder metrics(SseMetrics metrics) {
      this.metrics = requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Builds the broker, subscribes it to the bus, starts its heartbeat and binds the metrics.
     *
     * @throws RuntimeException whatever {@link SseMetrics#bind(SseBroker)} throws; the broker
     *     is then shut down
     */
    public SseBroker build() {
      SseBroker broker = new SseBroker(this);
      try {
        broker.metrics.bind(broker);
      } catch (RuntimeException e) {
        broker.shutdown(Duration.ZERO);
        throw e;
      }
      return broker;
    }
  }
}
