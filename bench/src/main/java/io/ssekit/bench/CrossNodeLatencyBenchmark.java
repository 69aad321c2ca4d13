package io.ssekit.bench;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ssekit.app.EventServer;
import io.ssekit.app.ServerConfig;
import io.ssekit.core.EventDraft;
import io.ssekit.redis.RedisEventBus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Measures how long an event takes from its publish on node A to its delivery on node B, when
 * the two nodes share events through Redis.
 *
 * <p>Two phases, each on a stream key of its own that is deleted afterwards:
 *
 * <ol>
 *   <li>{@code bus}: from {@link RedisEventBus#publish} on bus A until the listener of bus B is
 *       called. This is the Redis hop alone: one Lua script on A, then {@code XREAD BLOCK} on B.
 *   <li>{@code http}: from a worker's {@code POST /api/v2/events/broadcast} to node A until an
 *       SSE client of node B has read the event's {@code data:} line from its socket. This adds
 *       HTTP, the request parser, the broker and the socket writes to the Redis hop.
 * </ol>
 *
 * <p>Events are due at a fixed rate (open loop), and a small pool of threads publishes each one,
 * one event per call, at its due time. Each latency counts from the time the event was due, not
 * from when its publish call started, so time an event spends waiting for a free publisher
 * counts too. Both nodes run in this
 * JVM, so one {@link System#nanoTime()} clock times both ends. The run is bounded: each phase
 * publishes a fixed number of events and waits at most {@link #DELIVERY_TIMEOUT} for the last
 * deliveries. It exits with status 1 when an event was not delivered or was delivered twice.
 *
 * <p>Settings, as {@code --name=value}: {@code redis-url} (default {@code
 * redis://127.0.0.1:6379/0}), {@code events} recorded per phase (default 10000), {@code warmup}
 * events per phase that are not recorded (default 2000), and {@code rate} in events per second
 * (default 500).
 */
public final class CrossNodeLatencyBenchmark {

  /** Maximum wait for the last deliveries after the last publish of a phase. */
  static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);

  /** Highest latency the histograms track, in microseconds; a higher one is clamped to it. */
  private static final long MAX_TRACKED_MICROS = TimeUnit.SECONDS.toMicros(60);

  private static final Pattern SEQUENCE = Pattern.compile("\"seq\":(\\d+)");

  private static final String EVENT_TYPE = "bench.ping";

  /** Threads that publish, so that a publish that is late does not hold back the schedule. */
  private static final int PUBLISHER_THREADS = 4;

  private CrossNodeLatencyBenchmark() {}

  /** Runs both phases and prints one Markdown table row per phase. */
  public static void main(String[] args) throws Exception {
    Map<String, String> settings = parseArgs(args);
    String redisUrl = settings.getOrDefault("redis-url", "redis://127.0.0.1:6379/0");
    int events = positive(settings, "events", 10_000);
    int warmup = positive(settings, "warmup", 2_000);
    int rate = positive(settings, "rate", 500);
    Schedule schedule = new Schedule(warmup, events, rate);
    System.out.printf(Locale.ROOT, "Redis at %s; per phase %d warm-up and %d recorded events at %d/s%n",
        RedisEventBus.redactUrl(redisUrl), warmup, events, rate);

    Result bus = withStreamKey(redisUrl, key -> runBusPhase(redisUrl, key, schedule));
    Result http = withStreamKey(redisUrl, key -> runHttpPhase(redisUrl, key, schedule));

    System.out.println();
    System.out.println("| path | recorded | delivered | duplicates | p50 | p90 | p99 | p99.9 | max |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    System.out.println(bus.row("bus: publish on A, listener on B"));
    System.out.println(http.row("http: POST to A, SSE client on B"));
    if (!bus.isComplete() || !http.isComplete()) {
      System.exit(1);
    }
  }

  private static Result runBusPhase(String redisUrl, String streamKey, Schedule schedule)
      throws InterruptedException {
    Deliveries deliveries = new Deliveries(schedule.total());
    try (RedisEventBus publisher = RedisEventBus.builder(redisUrl).streamKey(streamKey).build();
        RedisEventBus receiver = RedisEventBus.builder(redisUrl).streamKey(streamKey).build()) {
      receiver.subscribe(event -> deliveries.record(sequenceOf(event.data())));
      schedule.run(sequence -> publisher.publish(List.of(
          new EventDraft(EVENT_TYPE, eventJson(sequence), null, null))));
      return deliveries.await(schedule);
    }
  }

  private static Result runHttpPhase(String redisUrl, String streamKey, Schedule schedule)
      throws Exception {
    Map<String, String> environment = new HashMap<>();
    environment.put("PORT", "0");
    environment.put("HOST", "127.0.0.1");
    environment.put("REDIS_URL", redisUrl);
    environment.put("REDIS_STREAM_KEY", streamKey);
    // The bench client reads as fast as events come; room for a slow start of the JIT.
    environment.put("MAX_QUEUED_EVENTS", Integer.toString(schedule.total()));
    environment.put("MAX_QUEUED_BYTES", Integer.toString(256 * 1024 * 1024));
    ServerConfig config = ServerConfig.fromSources(environment, List.of());
    EventServer nodeA = new EventServer(config);
    EventServer nodeB = new EventServer(config);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      nodeA.start();
      nodeB.start();
      Deliveries deliveries = new Deliveries(schedule.total());
      InputStream stream = openStream(http, nodeB.port());
      Thread reader = new Thread(() -> readStream(stream, deliveries), "bench-sse-client");
      reader.setDaemon(true);
      reader.start();
      waitForStream(nodeB);
      URI broadcast = URI.create("http://127.0.0.1:" + nodeA.port() + "/api/v2/events/broadcast");
      schedule.run(sequence -> post(http, broadcast, eventJson(sequence)));
      Result result = deliveries.await(schedule);
      stream.close();
      return result;
    } finally {
      nodeA.stop();
      nodeB.stop();
    }
  }

  private static InputStream openStream(HttpClient http, int port) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v2/events/stream"))
        .header("Accept", "text/event-stream")
        .build();
    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("the stream on port " + port + " responded with " + response.statusCode());
    }
    return response.body();
  }

  private static void readStream(InputStream stream, Deliveries deliveries) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("data:") && line.contains(EVENT_TYPE)) {
          deliveries.record(sequenceOf(line));
        }
      }
    } catch (IOException e) {
      // The phase closed the stream; the deliveries counted so far stand.
    }
  }

  private static void waitForStream(EventServer node) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (node.broker().connectedClients() < 1) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the SSE client did not connect within 10 s");
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  private static void post(HttpClient http, URI uri, String json) {
    HttpRequest request = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 202) {
        throw new IllegalStateException(
            "publish responded with " + response.statusCode() + " (expected: 202): " + response.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("publish to " + uri + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing", e);
    }
  }

  private static String eventJson(int sequence) {
    return "{\"type\":\"" + EVENT_TYPE + "\",\"seq\":" + sequence + "}";
  }

  private static int sequenceOf(String text) {
    Matcher matcher = SEQUENCE.matcher(text);
    if (!matcher.find()) {
      throw new IllegalStateException("no \"seq\" in received data: " + text);
    }
    return Integer.parseInt(matcher.group(1));
  }

  /** Runs {@code phase} on a fresh stream key and deletes the key and its idempotency keys. */
  private static Result withStreamKey(String redisUrl, Phase phase) throws Exception {
    String streamKey = "ssekit-bench:" + UUID.randomUUID();
    try {
      return phase.run(streamKey);
    } finally {
      deleteKeys(redisUrl, streamKey);
    }
  }

  private static void deleteKeys(String redisUrl, String prefix) {
    RedisClient client = RedisClient.create(redisUrl);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> commands = connection.sync();
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = commands.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1_000));
        if (!page.getKeys().isEmpty()) {
          commands.del(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }

  private static Map<String, String> parseArgs(String[] args) {
    Map<String, String> settings = new HashMap<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      if (!arg.startsWith("--") || equals < 0) {
        throw new IllegalArgumentException(
            "argument \"" + arg + "\" is not a setting (expected: --name=value, such as --events=10000)");
      }
      settings.put(arg.substring(2, equals), arg.substring(equals + 1));
    }
    return settings;
  }

  private static int positive(Map<String, String> settings, String name, int defaultValue) {
    String value = settings.get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // Reported below with the expected form.
    }
    throw new IllegalArgumentException("--" + name + "=" + value + " is invalid (expected: an integer >= 1)");
  }

  @FunctionalInterface
  private interface Phase {
    Result run(String streamKey) throws Exception;
  }

  /**
   * When each event is due: {@code warmup + events} events, {@code rate} per second. Confined
   * to the main thread.
   */
  private static final class Schedule {

    private final int warmup;
    private final int events;
    private final long intervalNanos;
    private long startNanos;

    Schedule(int warmup, int events, int rate) {
      this.warmup = warmup;
      this.events = events;
      this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    }

    int warmup() {
      return warmup;
    }

    int events() {
      return events;
    }

    int total() {
      return warmup + events;
    }

    /**
     * Hands each sequence number to {@code publish} on one of {@link #PUBLISHER_THREADS}
     * threads at its due time, so that one slow publish does not delay the ones after it, and
     * returns when every publish has returned.
     *
     * @throws IllegalStateException if a publish failed
     */
    void run(IntConsumer publish) throws InterruptedException {
      ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHER_THREADS);
      AtomicReference<RuntimeException> failure = new AtomicReference<>();
      startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      try {
        for (int sequence = 0; sequence < total() && failure.get() == null; sequence++) {
          long due = dueNanos(sequence);
          // Pacing, not waiting for a condition: the open loop publishes on a fixed schedule.
          for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
          int current = sequence;
          publishers.execute(() -> publishCatching(publish, current, failure));
        }
      } finally {
        publishers.shutdown();
        publishers.awaitTermination(DELIVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a publish failed", failure.get());
      }
    }

    private static void publishCatching(
        IntConsumer publish, int sequence, AtomicReference<RuntimeException> failure) {
      try {
        publish.accept(sequence);
      } catch (RuntimeException e) {
        failure.compareAndSet(null, e);
      }
    }

    long dueNanos(int sequence) {
      return startNanos + sequence * intervalNanos;
    }
  }

  /**
   * The receive time of each sequence number, written by the one receiving thread and read by
   * the main thread after {@link #await}.
   */
  private static final class Deliveries {

    private final long[] receivedNanos;
    private final CountDownLatch remaining;
    private final AtomicInteger duplicates = new AtomicInteger();

    Deliveries(int total) {
      this.receivedNanos = new long[total];
      this.remaining = new CountDownLatch(total);
    }

    void record(int sequence) {
      if (receivedNanos[sequence] != 0) {
        duplicates.incrementAndGet();
        return;
      }
      receivedNanos[sequence] = System.nanoTime();
      remaining.countDown();
    }

    Result await(Schedule schedule) throws InterruptedException {
      remaining.await(DELIVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Histogram histogram = new Histogram(MAX_TRACKED_MICROS, 3);
      int delivered = 0;
      for (int sequence = schedule.warmup(); sequence < schedule.total(); sequence++) {
        long received = receivedNanos[sequence];
        if (received == 0) {
          continue;
        }
        delivered++;
        long micros = TimeUnit.NANOSECONDS.toMicros(received - schedule.dueNanos(sequence));
        histogram.recordValue(Math.min(Math.max(micros, 0), MAX_TRACKED_MICROS));
      }
      return new Result(schedule.events(), delivered, duplicates.get(), histogram);
    }
  }

  private record Result(int recorded, int delivered, int duplicates, Histogram histogram) {

    boolean isComplete() {
      return delivered == recorded && duplicates == 0;
    }

    String row(String path) {
      return String.format(Locale.ROOT, "| %s | %d | %d | %d | %s | %s | %s | %s | %s |",
          path, recorded, delivered, duplicates,
          millis(histogram.getValueAtPercentile(50)), millis(histogram.getValueAtPercentile(90)),
          millis(histogram.getValueAtPercentile(99)), millis(histogram.getValueAtPercentile(99.9)),
          millis(histogram.getMaxValue()));
    }

    private static String millis(long micros) {
      return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }
  }
}
