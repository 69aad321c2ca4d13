package io.ssekit.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.ssekit.core.EventBus;
import io.ssekit.core.EventBusUnavailableException;
import io.ssekit.core.EventDraft;
import io.ssekit.core.EventId;
import io.ssekit.core.PublishedEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventBus} on a Redis stream, shared by every server node that uses the same Redis
 * and stream key: an event published on any node reaches the subscribers of every node, with
 * the same id and in the same order, and any node can replay after any id.
 *
 * <p>How it maps onto Redis (7.0 or newer):
 *
 * <ul>
 *   <li>Publishing runs one Lua script per batch, so a batch is all or nothing and batches of
 *       different nodes never interleave. Each event becomes one {@code XADD} entry with the
 *       fields {@code type}, {@code data}, {@code video_id} (when set) and {@code prev_id} (the
 *       entry before it), and the entry id, {@code <millis>-<sequence>}, is the event id. The
 *       stream is trimmed with an approximate {@code MAXLEN} of {@link Builder#maxLength(int)}
 *       and an approximate {@code MINID} for {@link Builder#replayMaxAge(Duration)}, so Redis may
 *       keep somewhat more than either bound.
 *   <li>An idempotency key is stored in a hash next to the stream, {@code <stream key>:
 *       idempotency:<key>}, that expires after the window. A key seen on any node within the
 *       window returns the original event and adds nothing.
 *   <li>One reader thread per bus reads new entries with {@code XREAD BLOCK} after the last id it
 *       handed on, on its own connection, and calls the listeners one at a time in id order.
 *   <li>Replay after an id reads the stream in a script. The result is complete when the stream
 *       still contains the id, or when the id is the {@code prev_id} of the oldest retained entry
 *       (the last trimmed one); otherwise it is a reset. Before it returns, replay waits until
 *       this node's reader has handed on every entry up to the stream's newest, so that the
 *       broker's seam between replayed and live events has neither gap nor duplicate.
 * </ul>
 *
 * <p>While Redis is unreachable, {@link #publish} and {@link #replayAfter} throw {@link
 * EventBusUnavailableException} at once instead of queueing, {@link #isAvailable()} returns
 * false, and Lettuce reconnects by itself. The reader then continues after the last id it
 * handed on. A Redis restarted without persistence starts an empty stream. Its new ids come
 * from the Redis clock, so unless that clock went back they follow every earlier id and the
 * reader delivers them. Ids issued before the restart are unknown to the new stream, so replay
 * after them is a reset.
 *
 * <p>Note: when Redis does not respond to a publish within the command timeout, the batch may
 * or may not have been added. Publishers that set idempotency keys can retry it safely.
 * Idempotency keys and the stream are as durable as the Redis persistence configuration.
 *
 * <p>Safe for concurrent use. {@link Builder#build()} connects, and {@link #close()} releases
 * the connections and threads.
 */
public final class RedisEventBus implements EventBus {

  /** Default stream key. */
  public static final String DEFAULT_STREAM_KEY = "ssekit:events";

  /** Default approximate number of entries kept in the stream for replay. */
  public static final int DEFAULT_MAX_LENGTH = 10_000;

  /** Default maximum age of an entry kept for replay; trimming is approximate. */
  public static final Duration DEFAULT_REPLAY_MAX_AGE = Duration.ofHours(1);

  /** Default time during which a repeated idempotency key returns the original event. */
  public static final Duration DEFAULT_IDEMPOTENCY_WINDOW = Duration.ofMinutes(10);

  /** Default timeout for connecting to Redis and for each command. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

  /** Suffix of the stream key that prefixes the idempotency keys. */
  static final String IDEMPOTENCY_INFIX = ":idempotency:";

  /** Bounds of Lettuce's exponential wait before it tries to reconnect a dropped connection. */
  private static final Duration MIN_RECONNECT_DELAY = Duration.ofMillis(50);

  private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

  /** Maximum time close() waits for the reader thread and for Lettuce's threads. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final Pattern REDIS_VERSION = Pattern.compile("(?m)^redis_version:(\\d+)\\.(\\d+)");

  private static final Logger log = LoggerFactory.getLogger(RedisEventBus.class);

  private final String streamKey;
  private final String redactedUrl;
  private final int maxLength;
  private final Duration replayMaxAge;
  private final Duration idempotencyWindow;
  private final Duration commandTimeout;
  private final Clock clock;
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> commands;
  private final List<EventListener> listeners = new CopyOnWriteArrayList<>();
  private final StreamReader reader;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisEventBus(Builder builder, ClientResources resources, RedisClient client) {
    this.streamKey = builder.streamKey;
    this.redactedUrl = redactUrl(builder.url);
    this.maxLength = builder.maxLength;
    this.replayMaxAge = builder.replayMaxAge;
    this.idempotencyWindow = builder.idempotencyWindow;
    this.commandTimeout = builder.commandTimeout;
    this.clock = builder.clock;
    this.resources = resources;
    this.client = client;
    this.connection = client.connect();
    this.commands = connection.sync();
    String version = requireSupportedVersion(commands.info("server"));
    StatefulRedisConnection<String, String> readerConnection = client.connect();
    // XREAD BLOCK keeps the command open on purpose, so its timeout must outlast the block.
    readerConnection.setTimeout(StreamReader.BLOCK.plus(commandTimeout));
    String startId =
        StreamScripts.LAST_GENERATED_ID.runForValue(commands, new String[] {streamKey});
    this.reader =
        new StreamReader(
            streamKey, readerConnection, listeners, startId == null ? null : EventId.parse(startId));
    reader.start();
    log.info(
        "Connected to Redis {} at {}: stream {}, max length ~{}, max age {}; reading after id {}",
        version,
        redactedUrl,
        streamKey,
        maxLength,
        replayMaxAge,
        startId == null ? "0-0 (the stream does not exist yet)" : startId);
  }

  /**
   * Returns a builder for a bus on the Redis at {@code redisUrl}, such as {@code
   * redis://127.0.0.1:6379/0} or {@code redis://:password@host:6379/0}.
   *
   * @throws IllegalArgumentException if the URL is not a Redis URL; the message masks the
   *     password
   */
  public static Builder builder(String redisUrl) {
    return new Builder(redisUrl);
  }

  /**
   * Returns {@code url} with the password replaced by {@code ****}, for logs: {@code
   * redis://user:secret@host} becomes {@code redis://user:****@host}, and {@code
   * redis://secret@host}, where Lettuce reads the user part as the password, becomes {@code
   * redis://****@host}.
   */
  public static String redactUrl(String url) {
    requireNonNull(url, "url");
    int schemeEnd = url.indexOf("://");
    // The last '@' ends the user part even when a password contains an unencoded '@'.
    int userInfoEnd = url.lastIndexOf('@');
    if (schemeEnd < 0 || userInfoEnd < schemeEnd) {
      return url;
    }
    String userInfo = url.substring(schemeEnd + 3, userInfoEnd);
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? "" : userInfo.substring(0, colon + 1);
    return url.substring(0, schemeEnd + 3) + user + "****" + url.substring(userInfoEnd);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Blocks the caller until Redis responds, at most the command timeout.
   *
   * @throws EventBusUnavailableException if Redis is unreachable, does not respond in time (see
   *     the class comment on the outcome), or rejects the script
   */
  @Override
  public List<PublishedEvent> publish(List<EventDraft> drafts) {
    requireNonNull(drafts, "drafts");
    checkOpen();
    if (drafts.isEmpty()) {
      return List.of();
    }
    List<String> keys = new ArrayList<>();
    keys.add(streamKey);
    List<String> args = new ArrayList<>(3 + drafts.size() * StreamScripts.ARGUMENTS_PER_DRAFT);
    args.add(Integer.toString(maxLength));
    args.add(Long.toString(idempotencyWindow.toMillis()));
    args.add(oldestRetainedId());
    for (EventDraft draft : drafts) {
      addDraftArguments(draft, keys, args);
    }
    List<Object> results;
    try {
      results = StreamScripts.PUBLISH.run(commands, keys.toArray(String[]::new), args.toArray(String[]::new));
    } catch (RedisException e) {
      throw unavailable("publish to", e);
    }
    List<PublishedEvent> published = new ArrayList<>(drafts.size());
    for (int i = 0; i < drafts.size(); i++) {
      published.add(toPublished(drafts.get(i), (List<?>) results.get(i)));
    }
    return published;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The listener runs on this bus's reader thread.
   */
  @Override
  public Subscription subscribe(EventListener listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Blocks the caller until Redis responds and this node's reader has handed on every entry
   * up to the stream's newest, at most about twice the command timeout.
   *
   * @throws EventBusUnavailableException if Redis is unreachable or this node's reader did not
   *     catch up within the command timeout
   */
  @Override
  public Replay replayAfter(EventId lastEventId) {
    requireNonNull(lastEventId, "lastEventId");
    checkOpen();
    List<Object> result;
    try {
      result = StreamScripts.REPLAY.run(commands, new String[] {streamKey}, lastEventId.toString());
    } catch (RedisException e) {
      throw unavailable("read the replay log from", e);
    }
    String latestText = (String) result.get(1);
    EventId latest = latestText == null ? null : EventId.parse(latestText);
    awaitReader(latest);
    if (!"complete".equals(result.get(0))) {
      return Replay.reset(latest);
    }
    List<PublishedEvent> events = new ArrayList<>();
    for (Object entry : (List<?>) result.get(2)) {
      PublishedEvent event = toEvent((List<?>) entry);
      if (event != null) {
        events.add(event);
      }
    }
    return new Replay(true, events, latest);
  }

  /**
   * Returns the id of the newest event this node's reader has handed to the listeners. Before
   * the first one, returns the stream's newest id when the bus started, or null if the stream
   * was empty. Does not call Redis.
   */
  @Override
  public @Nullable EventId latestId() {
    return reader.delivered();
  }

  /**
   * Returns whether Redis is reachable: the publishing connection is open and the reader's last
   * read succeeded. Does not call Redis.
   */
  @Override
  public boolean isAvailable() {
    return !closed.get() && connection.isOpen() && reader.isReading();
  }

  /**
   * Stops the reader, closes the connections and stops Lettuce's threads, waiting up to a few
   * seconds. A second call does nothing; publishing afterwards throws {@link
   * IllegalStateException}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listeners.clear();
    reader.close(CLOSE_TIMEOUT);
    connection.close();
    client.shutdown(Duration.ZERO, CLOSE_TIMEOUT);
    shutdownResources(resources);
    log.info("Closed the event bus on stream {} at {}", streamKey, redactedUrl);
  }

  /** Returns the stream key. */
  public String streamKey() {
    return streamKey;
  }

  private void addDraftArguments(EventDraft draft, List<String> keys, List<String> args) {
    args.add(draft.type());
    args.add(draft.data());
    String videoId = draft.videoId();
    args.add(videoId == null ? "0" : "1");
    args.add(videoId == null ? "" : videoId);
    String idempotencyKey = draft.idempotencyKey();
    if (idempotencyKey == null) {
      args.add("0");
      return;
    }
    keys.add(streamKey + IDEMPOTENCY_INFIX + idempotencyKey);
    // Lua indexes KEYS from 1, and the key just added is the last one.
    args.add(Integer.toString(keys.size()));
  }

  private String oldestRetainedId() {
    long cutoffMillis = Math.max(0, clock.millis() - replayMaxAge.toMillis());
    return cutoffMillis + "-0";
  }

  private static PublishedEvent toPublished(EventDraft draft, List<?> result) {
    EventId id = EventId.parse((String) result.get(0));
    if (result.size() == 1) {
      return PublishedEvent.of(id, draft);
    }
    // The key was seen: return the original event, which may differ from this draft.
    return new PublishedEvent(id, (String) result.get(1), (String) result.get(2), (String) result.get(3));
  }

  private @Nullable PublishedEvent toEvent(List<?> entry) {
    String id = (String) entry.get(0);
    List<?> flatFields = (List<?>) entry.get(1);
    Map<String, String> fields = new HashMap<>();
    for (int i = 0; i + 1 < flatFields.size(); i += 2) {
      fields.put((String) flatFields.get(i), (String) flatFields.get(i + 1));
    }
    return StreamReader.toEvent(streamKey, id, fields);
  }

  private void awaitReader(@Nullable EventId latest) {
    if (latest == null) {
      return;
    }
    boolean caughtUp;
    try {
      caughtUp = reader.awaitDelivered(latest, commandTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventBusUnavailableException("interrupted while waiting for the stream reader", e);
    }
    if (!caughtUp) {
      throw new EventBusUnavailableException(
          "this node has not read stream " + streamKey + " up to " + latest + " within "
              + commandTimeout.toMillis() + " ms (Redis at " + redactedUrl
              + " may be unreachable from the reader); retry shortly");
    }
  }

  private EventBusUnavailableException unavailable(String action, RedisException e) {
    String reason = String.valueOf(e.getMessage());
    // Lettuce ends some messages with a period, and callers append their own clause.
    if (reason.endsWith(".")) {
      reason = reason.substring(0, reason.length() - 1);
    }
    return new EventBusUnavailableException(
        "cannot " + action + " Redis at " + redactedUrl + ": " + reason, e);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("event bus is closed");
    }
  }

  private String requireSupportedVersion(String serverInfo) {
    Matcher matcher = REDIS_VERSION.matcher(serverInfo);
    if (!matcher.find()) {
      throw new EventBusUnavailableException(
          "Redis at " + redactedUrl + " did not report redis_version in INFO server"
              + " (expected: Redis 7.0 or newer)");
    }
    int major = Integer.parseInt(matcher.group(1));
    String version = major + "." + matcher.group(2);
    if (major < 7) {
      throw new EventBusUnavailableException(
          "Redis at " + redactedUrl + " is version " + version + " (expected: 7.0 or newer,"
              + " which runs scripts that start with #!lua)");
    }
    return version;
  }

  private static void shutdownResources(ClientResources resources) {
    try {
      resources.shutdown(0, CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .get(CLOSE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("Lettuce's threads did not stop within {}", CLOSE_TIMEOUT, e);
    }
  }

  /** Configures and connects a {@link RedisEventBus}. Not thread-safe. */
  public static final class Builder {

    private final String url;
    private final RedisURI redisUri;
    private String streamKey = DEFAULT_STREAM_KEY;
    private int maxLength = DEFAULT_MAX_LENGTH;
    private Duration replayMaxAge = DEFAULT_REPLAY_MAX_AGE;
    private Duration idempotencyWindow = DEFAULT_IDEMPOTENCY_WINDOW;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Clock clock = Clock.systemUTC();

    private Builder(String url) {
      this.url = requireNonNull(url, "redisUrl");
      this.redisUri = parseUrl(url);
    }

    /**
     * Sets the stream key; every node that shares events must use the same one. Defaults to
     * {@value RedisEventBus#DEFAULT_STREAM_KEY}.
     */
    public Builder streamKey(String streamKey) {
      requireNonNull(streamKey, "streamKey");
      if (streamKey.isBlank()) {
        throw new IllegalArgumentException("streamKey: \"" + streamKey + "\" (expected: a non-blank Redis key)");
      }
      this.streamKey = streamKey;
      return this;
    }

    /**
     * Sets the approximate number of entries kept for replay ({@code MAXLEN ~}); Redis trims
     * whole internal nodes, so it may keep up to about a hundred more. Defaults to
     * {@value RedisEventBus#DEFAULT_MAX_LENGTH}.
     */
    public Builder maxLength(int maxLength) {
      if (maxLength < 1) {
        throw new IllegalArgumentException("maxLength: " + maxLength + " (expected: >= 1)");
      }
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Sets how long an entry is kept for replay; entries older than this are trimmed
     * approximately whenever a batch is published. Defaults to one hour.
     */
    public Builder replayMaxAge(Duration maxAge) {
      this.replayMaxAge = requirePositive(maxAge, "replayMaxAge");
      return this;
    }

    /** Sets how long an idempotency key is remembered; defaults to ten minutes. */
    public Builder idempotencyWindow(Duration window) {
      this.idempotencyWindow = requirePositive(window, "idempotencyWindow");
      if (window.toMillis() < 1) {
        throw new IllegalArgumentException("idempotencyWindow: " + window + " (expected: >= 1 ms)");
      }
      return this;
    }

    /**
     * Sets how long Redis has to accept a connection and to respond to one command, and how long
     * replay waits for this node's reader; defaults to two seconds.
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = requirePositive(timeout, "commandTimeout");
      return this;
    }

    /** Sets the clock that the replay age cut-off comes from; defaults to the UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Connects to Redis, starts the reader after the stream's newest entry and returns the bus.
     * Blocks until connected.
     *
     * @throws EventBusUnavailableException if Redis is unreachable, does not respond within the
     *     command timeout, or is older than 7.0; nothing is left running
     */
    public RedisEventBus build() {
      RedisURI uri = RedisURI.builder(redisUri).withTimeout(commandTimeout).build();
      ClientResources resources =
          DefaultClientResources.builder()
              .reconnectDelay(
                  Delay.exponential(MIN_RECONNECT_DELAY, MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
              .build();
      RedisClient client = RedisClient.create(resources, uri);
      client.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              // Fail at once while disconnected: workers retry, and a queued publish would
              // otherwise hold a request thread until the timeout.
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
              .build());
      try {
        return new RedisEventBus(this, resources, client);
      } catch (RuntimeException e) {
        client.shutdown(Duration.ZERO, CLOSE_TIMEOUT);
        shutdownResources(resources);
        if (e instanceof EventBusUnavailableException unavailable) {
          throw unavailable;
        }
        throw new EventBusUnavailableException(
            "cannot connect to Redis at " + redactUrl(url) + ": " + e.getMessage()
                + " (expected: a reachable Redis 7.0 or newer at that URL)", e);
      }
    }

    private static RedisURI parseUrl(String url) {
      try {
        return RedisURI.create(url);
      } catch (RuntimeException e) {
        // The parser's message repeats the URL with its password, so it is left out.
        throw new IllegalArgumentException(
            "Redis URL \"" + redactUrl(url) + "\" is invalid (expected:"
                + " redis://[[user]:password@]host[:port][/database], such as"
                + " redis://127.0.0.1:6379/0)");
      }
    }

    private static Duration requirePositive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
      return value;
    }
  }
}
