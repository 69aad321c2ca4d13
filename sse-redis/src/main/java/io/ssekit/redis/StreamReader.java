package io.ssekit.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ssekit.core.EventBus.EventListener;
import io.ssekit.core.EventId;
import io.ssekit.core.PublishedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that reads new stream entries with {@code XREAD BLOCK} on a dedicated connection
 * and hands them to the listeners, one at a time and in id order.
 *
 * <p>It reads after the last id it handed on, so after an outage it continues where it stopped:
 * clients that stayed connected receive what other nodes published meanwhile. When a read fails
 * it waits with exponential back-off and tries again, logging the outage once when it starts
 * and once when it ends. Lettuce reconnects the connection on its own in the meantime.
 *
 * <p>Two checks keep the reader honest about what it may have missed. Each entry names the entry
 * before it ({@code prev_id}). An entry that does not follow the last one read means entries
 * were trimmed before this node read them, or Redis lost the stream, and is logged. And when a
 * read finds nothing new, the reader compares the stream's last generated id with its position.
 * A lower id means the stream's ids went back, because Redis restored older data or failed over
 * to a replica whose clock is behind. The reader then moves its position back to that id, so
 * that it does not skip the entries added from then on.
 *
 * <p>Safe for concurrent use: {@link #awaitDelivered}, {@link #delivered()},
 * {@link #isReading()} and {@link #close()} may be called from any thread.
 */
final class StreamReader {

  /** Maximum time one {@code XREAD} blocks on the server waiting for new entries. */
  static final Duration BLOCK = Duration.ofSeconds(1);

  /** Maximum entries taken by one read; bounds the memory of a reader that fell behind. */
  static final int READ_BATCH = 1_000;

  /** First wait after a failed read. */
  static final Duration MIN_BACKOFF = Duration.ofMillis(100);

  /**
   * Maximum wait between two failed reads. With Lettuce's reconnect delay, it bounds how long
   * after Redis is back the delivery resumes.
   */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  private static final String STREAM_START = "0-0";

  private static final Logger log = LoggerFactory.getLogger(StreamReader.class);

  private final String streamKey;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> commands;
  private final List<EventListener> listeners;
  private final Thread thread;
  private final CountDownLatch closeSignal = new CountDownLatch(1);

  // Written by the reader thread only.
  private String position;
  private long outageStartNanos;

  // Written by the reader thread, read by any thread.
  private volatile boolean reading = true;
  private volatile @Nullable EventId delivered;
  private final ReentrantLock deliveryLock = new ReentrantLock();
  private final Condition deliveryAdvanced = deliveryLock.newCondition();

  // Written by the thread that closes, or by the reader thread when it is interrupted.
  private volatile boolean closing;

  /**
   * Creates a reader that starts after {@code startId}, or at the stream's start when it is null.
   * Nothing is read before {@link #start()}.
   */
  StreamReader(
      String streamKey,
      StatefulRedisConnection<String, String> connection,
      List<EventListener> listeners,
      @Nullable EventId startId) {
    this.streamKey = streamKey;
    this.connection = connection;
    this.commands = connection.sync();
    this.listeners = listeners;
    this.position = startId == null ? STREAM_START : startId.toString();
    this.delivered = startId;
    this.thread = new Thread(this::run, "ssekit-redis-reader-" + streamKey);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Returns the id of the newest entry handed to the listeners, or the start id. */
  @Nullable EventId delivered() {
    return delivered;
  }

  /** Returns whether the last read succeeded; false during an outage and after close. */
  boolean isReading() {
    return reading && !closing;
  }

  /**
   * Waits until the listeners have been handed every entry up to {@code id}. Returns false if
   * that did not happen within {@code timeout} or the reader closed.
   */
  boolean awaitDelivered(EventId id, Duration timeout) throws InterruptedException {
    long remainingNanos = timeout.toNanos();
    deliveryLock.lock();
    try {
      while (!isDeliveredUpTo(id)) {
        if (closing || remainingNanos <= 0) {
          return false;
        }
        remainingNanos = deliveryAdvanced.awaitNanos(remainingNanos);
      }
      return true;
    } finally {
      deliveryLock.unlock();
    }
  }

  /** Stops the thread and waits for it up to {@code timeout}; the caller closes the connection. */
  void close(Duration timeout) {
    closing = true;
    closeSignal.countDown();
    // Closing the connection fails the XREAD that the thread may be blocked in.
    connection.close();
    signalDelivery();
    try {
      thread.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    Duration backoff = MIN_BACKOFF;
    while (!closing) {
      try {
        readOnce();
        backoff = MIN_BACKOFF;
      } catch (RedisException e) {
        if (closing) {
          return;
        }
        onReadFailed(e, backoff);
        pause(backoff);
        backoff = nextBackoff(backoff);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void readOnce() {
    List<StreamMessage<String, String>> messages =
        commands.xread(
            XReadArgs.Builder.block(BLOCK).count(READ_BATCH),
            XReadArgs.StreamOffset.from(streamKey, position));
    onReadSucceeded();
    if (messages == null || messages.isEmpty()) {
      followStreamIfIdsWentBack();
      return;
    }
    for (StreamMessage<String, String> message : messages) {
      warnOnGap(message);
      PublishedEvent event = toEvent(streamKey, message.getId(), message.getBody());
      if (event != null) {
        notifyListeners(event);
      }
      position = message.getId();
    }
    markDelivered(EventId.parse(position));
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

  private void warnOnGap(StreamMessage<String, String> message) {
    String previous = message.getBody().getOrDefault(StreamScripts.PREVIOUS_ID_FIELD, STREAM_START);
    if (previous.equals(position)) {
      return;
    }
    // NOTE: the bus cannot tell the broker to reset this node's streams, so its clients miss
    // these entries without a stream.reset until they reconnect.
    log.warn(
        "Stream {}: entry {} follows {}, but this node last read {}. Entries in between were"
            + " trimmed before this node read them, or Redis lost the stream (a restart without"
            + " persistence); clients connected to this node did not receive them",
        streamKey,
        message.getId(),
        previous,
        position);
  }

  private void followStreamIfIdsWentBack() {
    String lastGenerated =
        StreamScripts.LAST_GENERATED_ID.runForValue(commands, new String[] {streamKey});
    if (lastGenerated == null || EventId.parse(lastGenerated).compareTo(EventId.parse(position)) >= 0) {
      return;
    }
    log.warn(
        "Stream {}: its last id {} is below {}, the last id this node read (Redis restored older"
            + " data, or its clock is behind); reading on after {}",
        streamKey,
        lastGenerated,
        position,
        lastGenerated);
    // NOTE: entries that were added with lower ids before this check are skipped.
    position = lastGenerated;
    markDelivered(EventId.parse(lastGenerated));
  }

  private void markDelivered(EventId id) {
    delivered = id;
    signalDelivery();
  }

  private void signalDelivery() {
    deliveryLock.lock();
    try {
      deliveryAdvanced.signalAll();
    } finally {
      deliveryLock.unlock();
    }
  }

  private boolean isDeliveredUpTo(EventId id) {
    EventId current = delivered;
    return current != null && current.compareTo(id) >= 0;
  }

  private void onReadSucceeded() {
    if (reading) {
      return;
    }
    reading = true;
    long outageMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos);
    log.info(
        "Reading stream {} again after an outage of {} ms; resuming after id {}",
        streamKey,
        outageMillis,
        position);
  }

  private void onReadFailed(RedisException e, Duration backoff) {
    if (!reading) {
      log.debug("Reading stream {} failed again: {}", streamKey, e.toString());
      return;
    }
    reading = false;
    outageStartNanos = System.nanoTime();
    log.warn(
        "Cannot read stream {} from Redis: {}; retrying every {} to {} ms until Redis responds,"
            + " then resuming after id {}",
        streamKey,
        e.toString(),
        backoff.toMillis(),
        MAX_BACKOFF.toMillis(),
        position);
  }

  private void pause(Duration backoff) {
    try {
      closeSignal.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      // Nothing but a shutdown interrupts this private thread. Reading on would fail at once on
      // every call while the flag is set, so the thread stops.
      Thread.currentThread().interrupt();
      closing = true;
    }
  }

  private static Duration nextBackoff(Duration backoff) {
    Duration doubled = backoff.multipliedBy(2);
    return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
  }

  /**
   * Returns the event stored in an entry's fields, or null (with a warning) when the entry was
   * not written by this bus or cannot be encoded.
   */
  static @Nullable PublishedEvent toEvent(String streamKey, String id, Map<String, String> fields) {
    String type = fields.get(StreamScripts.TYPE_FIELD);
    String data = fields.get(StreamScripts.DATA_FIELD);
    if (type == null || data == null) {
      log.warn("Stream {}: skipped entry {} without a type or data field (expected: entries"
          + " that only this bus writes)", streamKey, id);
      return null;
    }
    try {
      return new PublishedEvent(EventId.parse(id), type, data, fields.get(StreamScripts.VIDEO_ID_FIELD));
    } catch (IllegalArgumentException e) {
      log.warn("Stream {}: skipped entry {} that cannot be sent: {}", streamKey, id, e.getMessage());
      return null;
    }
  }
}
