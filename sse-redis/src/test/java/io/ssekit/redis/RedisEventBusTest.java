package io.ssekit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.ssekit.core.EventBus.Replay;
import io.ssekit.core.EventBusUnavailableException;
import io.ssekit.core.EventDraft;
import io.ssekit.core.EventId;
import io.ssekit.core.PublishedEvent;
import io.ssekit.core.testing.MutableClock;
import io.ssekit.redis.testing.TestRedis;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Runs {@link RedisEventBus} against the real Redis on 127.0.0.1:6379; fails without it. */
class RedisEventBusTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<RedisEventBus> buses = new ArrayList<>();
  private TestRedis redis;
  private RedisCommands<String, String> commands;
  private String streamKey;

  @BeforeEach
  void connect(TestInfo test) {
    redis = TestRedis.connect();
    commands = redis.commands();
    streamKey = redis.uniqueStreamKey(test.getTestMethod().orElseThrow().getName());
  }

  @AfterEach
  void closeBuses() {
    try {
      buses.forEach(RedisEventBus::close);
    } finally {
      redis.close();
    }
  }

  @Test
  void publishReturnsRedisEntryIds() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    List<PublishedEvent> published = bus.publish(List.of(
        draft("video.status", "{\"n\":1}", "abc-123"),
        draft("video.status", "{\"n\":2}", null),
        draft("custom.note", "{\"n\":3}", "def-456")));

    List<StreamMessage<String, String>> entries = commands.xrange(streamKey, Range.create("-", "+"));
    assertThat(entries).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(published.get(i).id().toString()).isEqualTo(entries.get(i).getId());
      assertThat(entries.get(i).getBody().get("type")).isEqualTo(published.get(i).type());
      assertThat(entries.get(i).getBody().get("data")).isEqualTo(published.get(i).data());
      assertThat(entries.get(i).getBody().get("video_id")).isEqualTo(published.get(i).videoId());
    }
    assertThat(published.get(0).id()).isLessThan(published.get(1).id());
    assertThat(published.get(1).id()).isLessThan(published.get(2).id());
    assertThat(published.get(2).frame().bytes())
        .asString()
        .isEqualTo("id: " + entries.get(2).getId() + "\nevent: custom.note\ndata: {\"n\":3}\n\n");
  }

  @Test
  void entriesNameTheEntryBeforeThem() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    List<PublishedEvent> first = bus.publish(List.of(draft("a.b", "{}", null)));
    List<PublishedEvent> second = bus.publish(List.of(draft("a.b", "{}", null), draft("a.b", "{}", null)));

    List<StreamMessage<String, String>> entries = commands.xrange(streamKey, Range.create("-", "+"));
    assertThat(entries.get(0).getBody()).doesNotContainKey("prev_id");
    assertThat(entries.get(1).getBody().get("prev_id")).isEqualTo(first.get(0).id().toString());
    assertThat(entries.get(2).getBody().get("prev_id")).isEqualTo(second.get(0).id().toString());
  }

  @Test
  void batchFailingHalfwayAddsNothing() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<PublishedEvent> received = subscribe(bus);
    bus.publish(List.of(draft("a.b", "{\"before\":true}", null)));
    await().atMost(WAIT).until(() -> received.size() == 1);
    // A string where the second draft's idempotency hash belongs makes HMGET fail.
    commands.set(streamKey + RedisEventBus.IDEMPOTENCY_INFIX + "second", "not a hash");

    assertThatThrownBy(() -> bus.publish(List.of(
            draft("a.b", "{\"n\":1}", null).withIdempotencyKey("first"),
            draft("a.b", "{\"n\":2}", null).withIdempotencyKey("second"),
            draft("a.b", "{\"n\":3}", null))))
        .isInstanceOf(EventBusUnavailableException.class)
        .hasMessageContaining("WRONGTYPE");

    assertThat(commands.xlen(streamKey)).isEqualTo(1);
    assertThat(commands.exists(streamKey + RedisEventBus.IDEMPOTENCY_INFIX + "first")).isZero();
    bus.publish(List.of(draft("a.b", "{\"after\":true}", null)));
    await().atMost(WAIT).until(() -> received.size() == 2);
    assertThat(received).extracting(PublishedEvent::data)
        .containsExactly("{\"before\":true}", "{\"after\":true}");
  }

  @Test
  void idempotencyKeyWorksAcrossBuses() {
    RedisEventBus first = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    RedisEventBus second = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    PublishedEvent original =
        first.publish(List.of(draft("video.status", "{\"try\":1}", "abc").withIdempotencyKey("job-7"))).get(0);
    PublishedEvent repeated =
        second.publish(List.of(draft("other.type", "{\"try\":2}", null).withIdempotencyKey("job-7"))).get(0);

    assertThat(repeated.id()).isEqualTo(original.id());
    assertThat(repeated.type()).isEqualTo("video.status");
    assertThat(repeated.data()).isEqualTo("{\"try\":1}");
    assertThat(repeated.videoId()).isEqualTo("abc");
    assertThat(commands.xlen(streamKey)).isEqualTo(1);
  }

  @Test
  void repeatedKeyInOneBatchIsPublishedOnce() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    List<PublishedEvent> published = bus.publish(List.of(
        draft("a.b", "{\"n\":1}", null).withIdempotencyKey("k"),
        draft("a.b", "{\"n\":2}", null),
        draft("a.b", "{\"n\":3}", "v").withIdempotencyKey("k")));

    assertThat(published.get(2).id()).isEqualTo(published.get(0).id());
    assertThat(published.get(2).data()).isEqualTo("{\"n\":1}");
    assertThat(published.get(2).videoId()).isNull();
    assertThat(commands.xlen(streamKey)).isEqualTo(2);
  }

  @Test
  void idempotencyKeyExpiresAfterWindow() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL)
        .idempotencyWindow(Duration.ofMillis(300)));
    String hashKey = streamKey + RedisEventBus.IDEMPOTENCY_INFIX + "k";

    PublishedEvent original = bus.publish(List.of(draft("a.b", "{}", null).withIdempotencyKey("k"))).get(0);
    assertThat(commands.pttl(hashKey)).isBetween(1L, 300L);
    await().atMost(WAIT).until(() -> commands.exists(hashKey) == 0);
    PublishedEvent later = bus.publish(List.of(draft("a.b", "{}", null).withIdempotencyKey("k"))).get(0);

    assertThat(later.id()).isGreaterThan(original.id());
    assertThat(commands.xlen(streamKey)).isEqualTo(2);
  }

  @Test
  void replayInsideRetainedLogIsComplete() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<EventId> ids = publishOneByOne(bus, 5);

    Replay replay = bus.replayAfter(ids.get(1));

    assertThat(replay.complete()).isTrue();
    assertThat(replay.events()).extracting(PublishedEvent::id).containsExactlyElementsOf(ids.subList(2, 5));
    assertThat(replay.events().get(0).data()).isEqualTo("{\"n\":2}");
    assertThat(replay.latestId()).isEqualTo(ids.get(4));
  }

  @Test
  void replayAfterNewestIsCompleteAndEmpty() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<EventId> ids = publishOneByOne(bus, 3);

    Replay replay = bus.replayAfter(ids.get(2));

    assertThat(replay.complete()).isTrue();
    assertThat(replay.events()).isEmpty();
    assertThat(replay.latestId()).isEqualTo(ids.get(2));
  }

  @Test
  void replayAtTrimmedEdge() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL).maxLength(20));
    List<EventId> ids = publishOneByOne(bus, 400);
    EventId oldest = EventId.parse(commands.xrange(streamKey, Range.create("-", "+"),
        Limit.from(1)).get(0).getId());
    int oldestIndex = ids.indexOf(oldest);
    assertThat(oldestIndex).as("entries were trimmed").isGreaterThan(1);

    Replay fromLastTrimmed = bus.replayAfter(ids.get(oldestIndex - 1));
    Replay fromOldestRetained = bus.replayAfter(oldest);
    Replay fromBeforeLastTrimmed = bus.replayAfter(ids.get(oldestIndex - 2));
    Replay fromFirstEver = bus.replayAfter(ids.get(0));

    assertThat(fromLastTrimmed.complete()).isTrue();
    assertThat(fromLastTrimmed.events()).extracting(PublishedEvent::id)
        .containsExactlyElementsOf(ids.subList(oldestIndex, ids.size()));
    assertThat(fromOldestRetained.complete()).isTrue();
    assertThat(fromOldestRetained.events()).extracting(PublishedEvent::id)
        .containsExactlyElementsOf(ids.subList(oldestIndex + 1, ids.size()));
    assertThat(fromBeforeLastTrimmed.complete()).isFalse();
    assertThat(fromBeforeLastTrimmed.events()).isEmpty();
    assertThat(fromBeforeLastTrimmed.latestId()).isEqualTo(ids.get(ids.size() - 1));
    assertThat(fromFirstEver.complete()).isFalse();
  }

  @Test
  void replayOfUnknownIdsIsReset() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<EventId> ids = publishOneByOne(bus, 3);
    EventId newest = ids.get(2);

    List<EventId> unknown = List.of(
        new EventId(1, 0),
        new EventId(0, 0),
        new EventId(ids.get(1).millis(), ids.get(1).sequence() + 1_000),
        new EventId(newest.millis() + 60_000, 0));

    for (EventId id : unknown) {
      Replay replay = bus.replayAfter(id);
      assertThat(replay.complete()).as("replay after %s", id).isFalse();
      assertThat(replay.events()).as("replay after %s", id).isEmpty();
      assertThat(replay.latestId()).as("replay after %s", id).isEqualTo(newest);
    }
  }

  @Test
  void replayOfEmptyStreamIsResetWithoutLatest() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    Replay replay = bus.replayAfter(new EventId(1_700_000_000_000L, 0));

    assertThat(replay.complete()).isFalse();
    assertThat(replay.latestId()).isNull();
    assertThat(bus.latestId()).isNull();
  }

  @Test
  void entriesOlderThanMaxAgeAreTrimmed() {
    MutableClock clock = new MutableClock(Instant.now());
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL)
        .replayMaxAge(Duration.ofHours(1))
        .clock(clock));
    List<EventId> ids = publishOneByOne(bus, 300);

    // An hour later by the bus's clock, every entry so far is older than the cut-off.
    clock.set(Instant.now().plus(Duration.ofHours(1)));
    ids.add(bus.publish(List.of(draft("a.b", "{}", null))).get(0).id());

    EventId oldest = EventId.parse(commands.xrange(streamKey, Range.create("-", "+"),
        Limit.from(1)).get(0).getId());
    int oldestIndex = ids.indexOf(oldest);
    assertThat(commands.xlen(streamKey)).isLessThan(301);
    assertThat(oldestIndex).isGreaterThan(1);
    assertThat(bus.replayAfter(ids.get(oldestIndex - 1)).complete()).isTrue();
    assertThat(bus.replayAfter(ids.get(0)).complete()).isFalse();
  }

  @Test
  void replayReturnsAfterReaderCaughtUp() throws Exception {
    RedisEventBus publisher = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    RedisEventBus replaying = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    EventId first = publisher.publish(List.of(draft("a.b", "{}", null))).get(0).id();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      Future<?> publishing = executor.submit(() -> publishOneByOne(publisher, 300));
      int replays = 0;
      while (!publishing.isDone() && replays < 2_000) {
        Replay replay = replaying.replayAfter(first);

        // The broker relies on this: every event up to latestId has reached the listeners.
        assertThat(replaying.latestId()).isGreaterThanOrEqualTo(replay.latestId());
        replays++;
      }
      publishing.get(30, TimeUnit.SECONDS);
      assertThat(replays).isPositive();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void otherBusDeliversSameEventsInOrder() {
    RedisEventBus publisher = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    RedisEventBus subscriber = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<PublishedEvent> received = subscribe(subscriber);

    List<EventId> ids = publishOneByOne(publisher, 20);

    await().atMost(WAIT).until(() -> received.size() == 20);
    assertThat(received).extracting(PublishedEvent::id).containsExactlyElementsOf(ids);
    assertThat(received.get(3).data()).isEqualTo("{\"n\":3}");
    assertThat(subscriber.latestId()).isEqualTo(ids.get(19));
  }

  @Test
  void newBusStartsAfterNewestEntry() {
    RedisEventBus earlier = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<EventId> before = publishOneByOne(earlier, 3);

    RedisEventBus later = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<PublishedEvent> received = subscribe(later);
    assertThat(later.latestId()).isEqualTo(before.get(2));
    EventId after = earlier.publish(List.of(draft("a.b", "{}", null))).get(0).id();

    await().atMost(WAIT).until(() -> !received.isEmpty());
    assertThat(received).extracting(PublishedEvent::id).containsExactly(after);
  }

  @Test
  void listenersCalledSeriallyInIdOrder() throws Exception {
    RedisEventBus subscriber = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<RedisEventBus> publishers = List.of(
        bus(RedisEventBus.builder(TestRedis.DEFAULT_URL)),
        bus(RedisEventBus.builder(TestRedis.DEFAULT_URL)));
    List<PublishedEvent> received = new CopyOnWriteArrayList<>();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    AtomicInteger inListener = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    subscriber.subscribe(event -> {
      if (inListener.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      threads.add(Thread.currentThread().getName());
      received.add(event);
      inListener.decrementAndGet();
    });
    int threadCount = 4;
    int batchesPerThread = 25;
    ExecutorService executor = Executors.newFixedThreadPool(threadCount);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<PublishedEvent>>> results = new ArrayList<>();
    try {
      for (int t = 0; t < threadCount; t++) {
        RedisEventBus publisher = publishers.get(t % publishers.size());
        results.add(executor.submit(() -> {
          start.await();
          List<PublishedEvent> mine = new ArrayList<>();
          for (int b = 0; b < batchesPerThread; b++) {
            mine.addAll(publisher.publish(List.of(draft("a.b", "{}", null), draft("a.b", "{}", null))));
          }
          return mine;
        }));
      }
      start.countDown();
      List<EventId> allIds = new ArrayList<>();
      for (Future<List<PublishedEvent>> result : results) {
        result.get(30, TimeUnit.SECONDS).forEach(event -> allIds.add(event.id()));
      }

      int total = threadCount * batchesPerThread * 2;
      await().atMost(WAIT).until(() -> received.size() == total);
      List<EventId> receivedIds = received.stream().map(PublishedEvent::id).toList();
      assertThat(receivedIds).isSorted().doesNotHaveDuplicates();
      assertThat(receivedIds).containsExactlyInAnyOrderElementsOf(allIds);
      assertThat(overlaps.get()).isZero();
      assertThat(threads).singleElement().asString().startsWith("ssekit-redis-reader-");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void failingListenerDoesNotStopOthers() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    bus.subscribe(event -> {
      throw new IllegalStateException("listener failure for the test");
    });
    List<PublishedEvent> received = subscribe(bus);

    publishOneByOne(bus, 2);

    await().atMost(WAIT).until(() -> received.size() == 2);
  }

  @Test
  void closedSubscriptionGetsNoMoreEvents() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<PublishedEvent> stopped = new CopyOnWriteArrayList<>();
    var subscription = bus.subscribe(stopped::add);
    List<PublishedEvent> running = subscribe(bus);
    publishOneByOne(bus, 1);
    await().atMost(WAIT).until(() -> running.size() == 1);

    subscription.close();
    publishOneByOne(bus, 1);

    await().atMost(WAIT).until(() -> running.size() == 2);
    assertThat(stopped).hasSize(1);
  }

  @Test
  void readerFollowsStreamWhoseIdsWentBack() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));
    List<PublishedEvent> received = subscribe(bus);
    publishOneByOne(bus, 1);
    await().atMost(WAIT).until(() -> received.size() == 1);

    // As if Redis came back with older data: the stream's newest id is below the reader's.
    commands.del(streamKey);
    commands.xadd(streamKey, new XAddArgs().id("5-0"), Map.of("type", "a.b", "data", "{}"));
    await().atMost(WAIT).until(() -> new EventId(5, 0).equals(bus.latestId()));
    commands.xadd(streamKey, new XAddArgs().id("6-0"),
        Map.of("type", "a.b", "data", "{\"late\":true}", "prev_id", "5-0"));

    await().atMost(WAIT).until(() -> received.size() == 2);
    assertThat(received.get(1).id()).isEqualTo(new EventId(6, 0));
    assertThat(received.get(1).data()).isEqualTo("{\"late\":true}");
  }

  @Test
  void availableWhileRedisResponds() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    assertThat(bus.isAvailable()).isTrue();
    bus.close();
    assertThat(bus.isAvailable()).isFalse();
  }

  @Test
  void closeIsIdempotentAndStopsPublishing() {
    RedisEventBus bus = bus(RedisEventBus.builder(TestRedis.DEFAULT_URL));

    bus.close();
    bus.close();

    assertThatThrownBy(() -> bus.publish(List.of(draft("a.b", "{}", null))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("event bus is closed");
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .noneMatch(name -> name.equals("ssekit-redis-reader-" + streamKey));
  }

  @Test
  void buildFailsClearlyWithoutRedis() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    assertThatThrownBy(() -> RedisEventBus.builder("redis://:s3cret@127.0.0.1:" + closedPort + "/0")
            .commandTimeout(Duration.ofMillis(500))
            .build())
        .isInstanceOf(EventBusUnavailableException.class)
        .hasMessageContaining("cannot connect to Redis at redis://:****@127.0.0.1:" + closedPort + "/0")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void invalidUrlIsRejectedWithoutPassword() {
    assertThatThrownBy(() -> RedisEventBus.builder("http://user:s3cret@host:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Redis URL \"http://user:****@host:6379\" is invalid")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> RedisEventBus.builder("redis://127.0.0.1:6379").maxLength(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxLength: 0 (expected: >= 1)");
    assertThatThrownBy(() -> RedisEventBus.builder("redis://127.0.0.1:6379").streamKey(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("streamKey: \" \" (expected: a non-blank Redis key)");
  }

  @Test
  void redactUrlMasksPasswordOnly() {
    assertThat(RedisEventBus.redactUrl("redis://127.0.0.1:6379/0")).isEqualTo("redis://127.0.0.1:6379/0");
    assertThat(RedisEventBus.redactUrl("redis://user:pw@host:6379/0")).isEqualTo("redis://user:****@host:6379/0");
    assertThat(RedisEventBus.redactUrl("redis://:pw@host/0")).isEqualTo("redis://:****@host/0");
    assertThat(RedisEventBus.redactUrl("rediss://pw@host")).isEqualTo("rediss://****@host");
    assertThat(RedisEventBus.redactUrl("redis://u:p@ss@host")).isEqualTo("redis://u:****@host");
  }

  private RedisEventBus bus(RedisEventBus.Builder builder) {
    RedisEventBus bus = builder.streamKey(streamKey).build();
    buses.add(bus);
    return bus;
  }

  private static List<PublishedEvent> subscribe(RedisEventBus bus) {
    List<PublishedEvent> received = new CopyOnWriteArrayList<>();
    bus.subscribe(received::add);
    return received;
  }

  private static List<EventId> publishOneByOne(RedisEventBus bus, int count) {
    List<EventId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(bus.publish(List.of(draft("a.b", "{\"n\":" + i + "}", null))).get(0).id());
    }
    return ids;
  }

  private static EventDraft draft(String type, String data, String videoId) {
    return new EventDraft(type, data, videoId, null);
  }
}
