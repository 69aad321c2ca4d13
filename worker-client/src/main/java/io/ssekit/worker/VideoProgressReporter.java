package io.ssekit.worker;

import static java.util.Objects.requireNonNull;

import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the progress of videos through a pipeline as {@code video.status} events, with one
 * call per step: {@code downloading(id)}, {@code transcribing(id, 40)}, {@code completed(id)},
 * {@code failed(id, error)}.
 *
 * <p>Coalescing: a progress update that keeps a video's status is handed to the publisher at
 * most once per {@link Builder#minInterval(Duration)} per video; when updates come faster, the
 * newest pending one wins and the others are dropped. A status change and a final status
 * ({@code completed}, {@code failed}) are handed over at once; a pending progress update of
 * the older status is dropped in their favour. Per video, events reach the publisher, and so
 * the server, in call order.
 *
 * <p>A pending progress update goes out from a timer thread once its interval has passed; with
 * {@link Builder#autoFlush(boolean) autoFlush(false)} there is no timer, and
 * {@link #flushDue()} does that work. When the publisher's buffer is full
 * ({@link BufferFullException}), the update stays pending in this reporter, in order, and is
 * handed over on a later call or flush; a call may then block up to the publisher's
 * {@code maxBlock}. While the buffer stays full, a video keeps at most
 * {@value #MAX_UNSENT_PER_VIDEO} pending updates: beyond that the oldest status change is
 * dropped and logged, never a final status. The reporter forgets a video once its final
 * status is handed over.
 *
 * <p>Safe for concurrent use; typically one pipeline thread reports each video. Calls do not
 * wait for the server.
 */
public final class VideoProgressReporter implements AutoCloseable {

  /** Default minimum time between two progress updates of one video. */
  public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMillis(500);

  /** Maximum length of an error text sent with {@code failed}; longer ones are cut. */
  public static final int MAX_ERROR_LENGTH = 2_000;

  /** Maximum updates pending per video while the publisher's buffer is full. */
  public static final int MAX_UNSENT_PER_VIDEO = 32;

  /** Shortest period of the timer, so that tiny intervals do not busy the timer thread. */
  private static final Duration MIN_TICK = Duration.ofMillis(10);

  private static final Logger log = LoggerFactory.getLogger(VideoProgressReporter.class);

  private final EventPublisher publisher;
  private final Clock clock;
  private final long minIntervalMillis;
  private final @Nullable ScheduledExecutorService timer;
  private final Map<String, VideoState> videos = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong coalescedUpdates = new AtomicLong();
  private final AtomicLong droppedStatusChanges = new AtomicLong();

  // Written by any thread that hands over; a flag so a full buffer is logged once per episode.
  private final AtomicBoolean bufferFull = new AtomicBoolean();

  private VideoProgressReporter(Builder builder) {
    this.publisher = builder.publisher;
    this.clock = builder.clock;
    this.minIntervalMillis = builder.minInterval.toMillis();
    if (builder.autoFlush) {
      this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "ssekit-progress-reporter");
        thread.setDaemon(true);
        return thread;
      });
      long tickMillis = Math.max(MIN_TICK.toMillis(), minIntervalMillis / 4);
      timer.scheduleWithFixedDelay(this::flushDueSafely, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    } else {
      this.timer = null;
    }
  }

  /** Returns a builder for a reporter that publishes through {@code publisher}. */
  public static Builder builder(EventPublisher publisher) {
    return new Builder(publisher);
  }

  /** Reports that {@code videoId} waits for a worker, at progress 0. */
  public void queued(String videoId) {
    report(videoId, VideoStatus.QUEUED, 0, null, null);
  }

  /** Reports that {@code videoId} is downloading, keeping its last progress. */
  public void downloading(String videoId) {
    report(videoId, VideoStatus.DOWNLOADING, lastProgress(videoId), null, null);
  }

  /** Reports that {@code videoId} is downloading, at {@code progress} percent of the whole processing. */
  public void downloading(String videoId, int progress) {
    report(videoId, VideoStatus.DOWNLOADING, progress, null, null);
  }

  /** Reports that {@code videoId} is transcribing, at {@code progress} percent of the whole processing. */
  public void transcribing(String videoId, int progress) {
    report(videoId, VideoStatus.TRANSCRIBING, progress, null, null);
  }

  /** Reports that {@code videoId} is processing, at {@code progress} percent of the whole processing. */
  public void processing(String videoId, int progress) {
    report(videoId, VideoStatus.PROCESSING, progress, null, null);
  }

  /** Reports that {@code videoId} is analyzing, at {@code progress} percent of the whole processing. */
  public void analyzing(String videoId, int progress) {
    report(videoId, VideoStatus.ANALYZING, progress, null, null);
  }

  /** Reports that {@code videoId} is done, at progress 100. Never coalesced or dropped. */
  public void completed(String videoId) {
    report(videoId, VideoStatus.COMPLETED, 100, null, null);
  }

  /** Reports that {@code videoId} failed with {@code error}, keeping its last progress. Never coalesced or dropped. */
  public void failed(String videoId, String error) {
    requireNonNull(error, "error");
    report(videoId, VideoStatus.FAILED, lastProgress(videoId), null, truncate(error));
  }

  /**
   * Reports that {@code videoId} failed with {@code error}; the event's {@code error} is the
   * exception's class and message.
   */
  public void failed(String videoId, Throwable error) {
    requireNonNull(error, "error");
    String text = error.getMessage() == null
        ? error.getClass().getName()
        : error.getClass().getSimpleName() + ": " + error.getMessage();
    failed(videoId, text);
  }

  /**
   * Reports any step.
   *
   * @param progress percent of the whole processing, 0 to 100
   * @param message a human-readable note, or null
   * @param error what went wrong, for {@link VideoStatus#FAILED}, or null
   * @throws IllegalArgumentException if {@code videoId} is blank or too long, or
   *     {@code progress} is outside 0 to 100
   * @throws IllegalStateException if the reporter or its publisher is closed
   */
  public void report(
      String videoId, VideoStatus status, int progress, @Nullable String message, @Nullable String error) {
    if (closed.get()) {
      throw new IllegalStateException("the reporter is closed (expected: report before close())");
    }
    VideoStatusEvent event = new VideoStatusEvent(clock.instant(), videoId, status, progress, message, error);
    while (true) {
      VideoState video = videos.computeIfAbsent(videoId, VideoState::new);
      synchronized (video) {
        // T1 retired this state and removed it after T2 looked it up: T2 starts a fresh one.
        if (video.retired) {
          continue;
        }
        video.add(event);
        handOver(video, false);
        retireIfFinished(video);
        return;
      }
    }
  }

  /**
   * Hands over every pending progress update whose interval has passed. The timer calls it;
   * call it yourself when the reporter was built with {@code autoFlush(false)}.
   */
  public void flushDue() {
    handOverAll(false);
  }

  /** Hands over every pending update now, whether its interval has passed or not. */
  public void flush() {
    handOverAll(true);
  }

  /** Returns the number of updates waiting in this reporter, over all videos. */
  public int pendingUpdates() {
    int pending = 0;
    for (VideoState video : videos.values()) {
      synchronized (video) {
        pending += video.unsent.size();
      }
    }
    return pending;
  }

  /** Returns how many progress updates were dropped because a newer one replaced them. */
  public long coalescedUpdates() {
    return coalescedUpdates.get();
  }

  /**
   * Stops the timer and hands over every pending update. Does not close the publisher, which
   * sends what it has. Updates that still do not fit in the publisher's buffer are dropped and
   * logged. A second call does nothing; report calls after it throw.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    handOverAll(true);
    int left = pendingUpdates();
    if (left > 0) {
      log.warn("Closed the progress reporter with {} updates that did not fit in the publisher's buffer", left);
    }
    videos.clear();
  }

  private void handOverAll(boolean force) {
    for (VideoState video : videos.values()) {
      synchronized (video) {
        if (video.retired) {
          continue;
        }
        boolean fullNow = !handOver(video, force);
        retireIfFinished(video);
        if (fullNow) {
          // The buffer is full for every video alike; the next flush tries again.
          return;
        }
      }
    }
  }

  /**
   * Hands {@code video}'s pending updates to the publisher in order. The caller must own the
   * video's monitor. Returns false if the publisher's buffer is full.
   */
  private boolean handOver(VideoState video, boolean force) {
    long now = clock.millis();
    while (!video.unsent.isEmpty()) {
      Update head = video.unsent.peekFirst();
      if (head.progressOnly && !force && !isDue(video, now)) {
        return true;
      }
      try {
        publisher.publishAsync(head.event);
      } catch (BufferFullException e) {
        if (bufferFull.compareAndSet(false, true)) {
          log.warn("Publisher buffer is full; keeping {} updates of video {} until it drains: {}",
              video.unsent.size(), video.videoId, e.getMessage());
        }
        return false;
      }
      if (bufferFull.compareAndSet(true, false)) {
        log.info("Publisher buffer has space again; pending progress updates resume");
      }
      video.unsent.removeFirst();
      video.lastHandedOverMillis = now;
    }
    return true;
  }

  private boolean isDue(VideoState video, long nowMillis) {
    return video.lastHandedOverMillis == Long.MIN_VALUE
        || nowMillis - video.lastHandedOverMillis >= minIntervalMillis;
  }

  private void retireIfFinished(VideoState video) {
    if (video.lastStatus != null && video.lastStatus.isTerminal() && video.unsent.isEmpty()) {
      video.retired = true;
      videos.remove(video.videoId, video);
    }
  }

  private int lastProgress(String videoId) {
    VideoState video = videos.get(videoId);
    if (video == null) {
      return 0;
    }
    synchronized (video) {
      return video.lastProgress;
    }
  }

  private void flushDueSafely() {
    try {
      flushDue();
    } catch (RuntimeException e) {
      // An exception would cancel the periodic task and strand every pending update.
      log.warn("Handing over pending progress updates failed; the next tick tries again", e);
    }
  }

  private static String truncate(String text) {
    return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH) + "...";
  }

  private record Update(VideoStatusEvent event, boolean progressOnly) {}

  /** The reporter's state of one video, guarded by its own monitor. */
  private final class VideoState {

    final String videoId;
    final ArrayDeque<Update> unsent = new ArrayDeque<>();
    @Nullable VideoStatus lastStatus;
    int lastProgress;
    long lastHandedOverMillis = Long.MIN_VALUE;
    boolean retired;

    VideoState(String videoId) {
      this.videoId = videoId;
    }

    /** Queues {@code event}, replacing a pending progress update that it makes obsolete. */
    void add(VideoStatusEvent event) {
      boolean progressOnly = event.status() == lastStatus && !event.status().isTerminal();
      lastStatus = event.status();
      lastProgress = event.progress();
      Update tail = unsent.peekLast();
      if (tail != null && tail.progressOnly) {
        unsent.removeLast();
        coalescedUpdates.incrementAndGet();
      }
      unsent.addLast(new Update(event, progressOnly));
      if (unsent.size() > MAX_UNSENT_PER_VIDEO) {
        dropOldestStatusChange();
      }
    }

    private void dropOldestStatusChange() {
      for (var iterator = unsent.iterator(); iterator.hasNext(); ) {
        Update update = iterator.next();
        if (!update.event.status().isTerminal()) {
          iterator.remove();
          long dropped = droppedStatusChanges.incrementAndGet();
          if (dropped == 1 || dropped % 1000 == 0) {
            log.warn("Dropped {} status changes in all (video {} now) while the publisher's buffer was full",
                dropped, videoId);
          }
          return;
        }
      }
    }
  }

  /** Configures a {@link VideoProgressReporter}. Not thread-safe. */
  public static final class Builder {

    private final EventPublisher publisher;
    private Duration minInterval = DEFAULT_MIN_INTERVAL;
    private Clock clock = Clock.systemUTC();
    private boolean autoFlush = true;

    private Builder(EventPublisher publisher) {
      this.publisher = requireNonNull(publisher, "publisher");
    }

    /** Sets the minimum time between two progress updates of one video; defaults to 500 ms. */
    public Builder minInterval(Duration minInterval) {
      requireNonNull(minInterval, "minInterval");
      if (minInterval.isNegative()) {
        throw new IllegalArgumentException("minInterval: " + minInterval + " (expected: >= 0)");
      }
      this.minInterval = minInterval;
      return this;
    }

    /** Sets the clock for event timestamps and intervals; defaults to the UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets whether a daemon timer thread hands over pending updates once due; defaults to
     * true. Without it, call {@link VideoProgressReporter#flushDue()} yourself.
     */
    public Builder autoFlush(boolean autoFlush) {
      this.autoFlush = autoFlush;
      return this;
    }

    /** Returns the reporter and, with auto flush, starts its timer thread. */
    public VideoProgressReporter build() {
      return new VideoProgressReporter(this);
    }
  }
}
