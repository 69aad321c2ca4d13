package io.ssekit.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssekit.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryEventBusTest {

  private static final Instant NOW = Instant.parse("2025-11-05T12:00:00Z");

  private static final long NOW_MILLIS = NOW.toEpochMilli();

  private final MutableClock clock = new MutableClock(NOW);

  private final List<InMemoryEventBus> buses = new ArrayList<>();

  @AfterEach
  void closeBuses() {
    buses.forEach(InMemoryEventBus::close);
  }

  @Test
  void firstIdUsesClockMillis() {
    InMemoryEventBus bus = bus();

    PublishedEvent event = publish(bus, "a");

    assertThat(event.id()).isEqualTo(new EventId(NOW_MILLIS, 0));
  }

  @Test
  void idsIncreaseWhileClockStandsStill() {
    InMemoryEventBus bus = bus();

    List<EventId> ids = List.of(publish(bus, "a").id(), publish(bus, "b").id(), publish(bus, "c").id());

    assertThat(ids)
        .containsExactly(
            new EventId(NOW_MILLIS, 0), new EventId(NOW_MILLIS, 1), new EventId(NOW_MILLIS, 2));
  }

  @Test
  void idsIncreaseWhenClockGoesBack() {
    InMemoryEventBus bus = bus();
    PublishedEvent first = publish(bus, "a");

    clock.advance(Duration.ofSeconds(-5));
    PublishedEvent second = publish(bus, "b");

    assertThat(second.id()).isEqualTo(new EventId(NOW_MILLIS, 1));
    assertThat(second.id()).isGreaterThan(first.id());
  }

  @Test
  void idsFollowClockOnceItPassesLatestId() {
    InMemoryEventBus bus = bus();
    publish(bus, "a");
    clock.advance(Duration.ofSeconds(-5));
    publish(bus, "b");

    clock.set(NOW.plusMillis(7));
    PublishedEvent third = publish(bus, "c");

    assertThat(third.id()).isEqualTo(new EventId(NOW_MILLIS + 7, 0));
  }

  @Test
  void latestIdIsNullBeforeFirstPublish() {
    InMemoryEventBus bus = bus();

    assertThat(bus.latestId()).isNull();
  }

  @Test
  void latestIdIsNewestPublished() {
    InMemoryEventBus bus = bus();
    publish(bus, "a");

    PublishedEvent newest = publish(bus, "b");

    assertThat(bus.latestId()).isEqualTo(newest.id());
  }

  @Test
  void publishedEventCarriesDraftAndFrame() {
    InMemoryEventBus bus = bus();

    PublishedEvent event =
        bus.publish(List.of(new EventDraft("job.done", "{\"n\":1}", "v1", null))).get(0);

    assertThat(event.type()).isEqualTo("job.done");
    assertThat(event.data()).isEqualTo("{\"n\":1}");
    assertThat(event.videoId()).isEqualTo("v1");
    assertThat(new String(event.frame().bytes(), UTF_8))
        .isEqualTo("id: " + NOW_MILLIS + "-0\nevent: job.done\ndata: {\"n\":1}\n\n");
    assertThat(event.frame().id()).isEqualTo(event.id());
  }

  @Test
  void batchGetsConsecutiveIdsInOrder() {
    InMemoryEventBus bus = bus();
    List<PublishedEvent> seen = Collections.synchronizedList(new ArrayList<>());
    bus.subscribe(seen::add);

    List<PublishedEvent> published = bus.publish(List.of(draft("a"), draft("b"), draft("c")));

    assertThat(published)
        .extracting(PublishedEvent::id)
        .containsExactly(
            new EventId(NOW_MILLIS, 0), new EventId(NOW_MILLIS, 1), new EventId(NOW_MILLIS, 2));
    assertThat(published).extracting(PublishedEvent::data).containsExactly("\"a\"", "\"b\"", "\"c\"");
    assertThat(seen).containsExactlyElementsOf(published);
  }

  @Test
  void listenersSeeIdOrderFromManyThreads() throws Exception {
    int threads = 8;
    int eventsPerThread = 200;
    InMemoryEventBus bus = bus(builder -> builder.replayCapacity(threads * eventsPerThread));
    List<EventId> seen = Collections.synchronizedList(new ArrayList<>());
    bus.subscribe(event -> seen.add(event.id()));
    List<EventId> returned = Collections.synchronizedList(new ArrayList<>());

    runConcurrently(
        threads,
        () -> {
          for (int i = 0; i < eventsPerThread; i++) {
            returned.add(publish(bus, "e" + i).id());
            // Move the clock back and forth so ids cross millisecond boundaries.
            clock.advance(Duration.ofMillis(i % 3 == 0 ? 1 : -1));
          }
        });

    assertThat(seen).hasSize(threads * eventsPerThread);
    assertThat(seen).isSortedAccordingTo(EventId::compareTo);
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).containsExactlyInAnyOrderElementsOf(returned);
  }

  @Test
  void closedSubscriptionStopsCalls() {
    InMemoryEventBus bus = bus();
    List<PublishedEvent> seen = Collections.synchronizedList(new ArrayList<>());
    EventBus.Subscription subscription = bus.subscribe(seen::add);
    PublishedEvent first = publish(bus, "a");

    subscription.close();
    publish(bus, "b");

    assertThat(seen).containsExactly(first);
  }

  @Test
  void failingListenerDoesNotStopOthers() {
    InMemoryEventBus bus = bus();
    List<PublishedEvent> seen = Collections.synchronizedList(new ArrayList<>());
    bus.subscribe(
        event -> {
          throw new IllegalStateException("listener failure for the test");
        });
    bus.subscribe(seen::add);

    PublishedEvent event = publish(bus, "a");

    assertThat(seen).containsExactly(event);
  }

  @Test
  void publishAfterCloseIsRejected() {
    InMemoryEventBus bus = bus();
    bus.close();

    assertThatThrownBy(() -> publish(bus, "a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("event bus is closed");
  }

  @Test
  void replayInsideWindowReturnsLaterEvents() {
    InMemoryEventBus bus = bus(builder -> builder.replayCapacity(5));
    List<PublishedEvent> events = publishNumbered(bus, 8);

    EventBus.Replay replay = bus.replayAfter(events.get(5).id());

    assertThat(replay.complete()).isTrue();
    assertThat(replay.events()).containsExactly(events.get(6), events.get(7));
    assertThat(replay.latestId()).isEqualTo(events.get(7).id());
  }

  @Test
  void replayAtOldestRetainedIdIsComplete() {
    InMemoryEventBus bus = bus(builder -> builder.replayCapacity(5));
    List<PublishedEvent> events = publishNumbered(bus, 8);

    EventBus.Replay replay = bus.replayAfter(events.get(3).id());

    assertThat(replay.complete()).isTrue();
    assertThat(replay.events()).containsExactlyElementsOf(events.subList(4, 8));
  }

  @Test
  void replayAtLastEvictedIdReturnsEverythingRetained() {
    InMemoryEventBus bus = bus(builder -> builder.replayCapacity(5));
    List<PublishedEvent> events = publishNumbered(bus, 8);

    EventBus.Replay replay = bus.replayAfter(events.get(2).id());

    assertThat(replay.complete()).isTrue();
    assertThat(replay.events()).containsExactlyElementsOf(events.subList(3, 8));
  }

  @Test
  void replayJustOutsideWindowIsReset() {
    InMemoryEventBus bus = bus(builder -> builder.replayCapacity(5));
    List<PublishedEvent> events = publishNumbered(bus, 8);

    EventBus.Replay replay = bus.replayAfter(events.get(1).id());

    assertThat(replay.complete()).isFalse();
    assertThat(replay.events()).isEmpty();
    assertThat(replay.latestId()).isEqualTo(events.get(7).id());
  }

  @Test
  void replayAtLatestIdIsCompleteAndEmpty() {
    InMemoryEventBus bus = bus();
    List<PublishedEvent> events = publishNumbered(bus, 3);

    EventBus.Replay replay = bus.replayAfter(events.get(2).id());

    assertThat(replay.complete()).isTrue();
    assertThat(replay.events()).isEmpty();
  }

  @Test
  void replayOfNeverIssuedIdIsReset() {
    InMemoryEventBus bus = bus();
    List<PublishedEvent> events = publishNumbered(bus, 3);

    // Same millisecond as the retained events, but a sequence this bus never assigned.
    EventBus.Replay replay = bus.replayAfter(new EventId(NOW_MILLIS, 99));

    assertThat(replay.complete()).isFalse();
    assertThat(replay.latestId()).isEqualTo(events.get(2).id());
  }

  @Test
  void replayOfIdFromAnotherRunIsReset() {
    MutableClock otherClock = new MutableClock(NOW.minusSeconds(60));
    InMemoryEventBus previousRun = bus(builder -> builder.clock(otherClock));
    EventId oldId = publish(previousRun, "old").id();
    InMemoryEventBus bus = bus();
    List<PublishedEvent> events = publishNumbered(bus, 2);

    EventBus.Replay replay = bus.replayAfter(oldId);

    assertThat(replay.complete()).isFalse();
    assertThat(replay.events()).isEmpty();
    assertThat(replay.latestId()).isEqualTo(events.get(1).id());
  }

  @Test
  void replayOnEmptyBusIsReset() {
    InMemoryEventBus bus = bus();

    EventBus.Replay replay = bus.replayAfter(new EventId(NOW_MILLIS, 0));

    assertThat(replay).isEqualTo(EventBus.Replay.reset(null));
  }

  @Test
  void eventsOlderThanMaxAgeAreEvicted() {
    InMemoryEventBus bus = bus(builder -> builder.replayMaxAge(Duration.ofMinutes(1)));
    PublishedEvent first = publish(bus, "a");
    clock.advance(Duration.ofSeconds(30));
    PublishedEvent second = publish(bus, "b");
    clock.advance(Duration.ofSeconds(10));
    PublishedEvent third = publish(bus, "c");

    clock.set(NOW.plusSeconds(61));

    // The first event is gone, and it is the newest evicted one, so replay after it is complete.
    EventBus.Replay afterFirst = bus.replayAfter(first.id());
    assertThat(afterFirst.complete()).isTrue();
    assertThat(afterFirst.events()).containsExactly(second, third);
  }

  @Test
  void replayResetOnceAgeEvictsId() {
    InMemoryEventBus bus = bus(builder -> builder.replayMaxAge(Duration.ofMinutes(1)));
    PublishedEvent first = publish(bus, "a");
    clock.advance(Duration.ofSeconds(30));
    PublishedEvent second = publish(bus, "b");

    clock.set(NOW.plusSeconds(91));

    assertThat(bus.replayAfter(first.id()).complete()).isFalse();
    assertThat(bus.replayAfter(second.id()).complete()).isTrue();
    assertThat(bus.replayAfter(second.id()).events()).isEmpty();
  }

  @Test
  void eventAtExactlyMaxAgeIsRetained() {
    InMemoryEventBus bus = bus(builder -> builder.replayMaxAge(Duration.ofMinutes(1)));
    PublishedEvent first = publish(bus, "a");
    PublishedEvent second = publish(bus, "b");

    clock.set(NOW.plusSeconds(60));

    assertThat(bus.replayAfter(first.id()).events()).containsExactly(second);
  }

  @Test
  void repeatedKeyWithinWindowReturnsOriginal() {
    InMemoryEventBus bus = bus(builder -> builder.idempotencyWindow(Duration.ofMinutes(1)));
    List<PublishedEvent> seen = Collections.synchronizedList(new ArrayList<>());
    bus.subscribe(seen::add);
    PublishedEvent original = bus.publish(List.of(draft("first").withIdempotencyKey("k"))).get(0);

    clock.advance(Duration.ofSeconds(59));
    PublishedEvent repeated = bus.publish(List.of(draft("second").withIdempotencyKey("k"))).get(0);

    assertThat(repeated).isSameAs(original);
    assertThat(seen).containsExactly(original);
    assertThat(bus.latestId()).isEqualTo(original.id());
  }

  @Test
  void repeatedKeyAfterWindowPublishesNewEvent() {
    InMemoryEventBus bus = bus(builder -> builder.idempotencyWindow(Duration.ofMinutes(1)));
    PublishedEvent original = bus.publish(List.of(draft("first").withIdempotencyKey("k"))).get(0);

    clock.advance(Duration.ofSeconds(61));
    PublishedEvent repeated = bus.publish(List.of(draft("second").withIdempotencyKey("k"))).get(0);

    assertThat(repeated.id()).isGreaterThan(original.id());
    assertThat(repeated.data()).isEqualTo("\"second\"");
  }

  @Test
  void repeatedKeyInOneBatchReturnsFirst() {
    InMemoryEventBus bus = bus();

    List<PublishedEvent> published =
        bus.publish(
            List.of(draft("a").withIdempotencyKey("k"), draft("b").withIdempotencyKey("k")));

    assertThat(published.get(1)).isSameAs(published.get(0));
  }

  @Test
  void differentKeysPublishSeparately() {
    InMemoryEventBus bus = bus();

    PublishedEvent first = bus.publish(List.of(draft("a").withIdempotencyKey("k1"))).get(0);
    PublishedEvent second = bus.publish(List.of(draft("a").withIdempotencyKey("k2"))).get(0);

    assertThat(second.id()).isNotEqualTo(first.id());
  }

  @Test
  void builderRejectsZeroCapacity() {
    assertThatThrownBy(() -> InMemoryEventBus.builder().replayCapacity(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replayCapacity: 0 (expected: >= 1)");
  }

  @Test
  void builderRejectsZeroMaxAge() {
    assertThatThrownBy(() -> InMemoryEventBus.builder().replayMaxAge(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replayMaxAge: PT0S (expected: > 0)");
  }

  @Test
  void builderRejectsNegativeWindow() {
    assertThatThrownBy(() -> InMemoryEventBus.builder().idempotencyWindow(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idempotencyWindow: PT-1S (expected: > 0)");
  }

  private InMemoryEventBus bus() {
    return bus(builder -> builder);
  }

  private InMemoryEventBus bus(UnaryOperator<InMemoryEventBus.Builder> configuration) {
    InMemoryEventBus bus = configuration.apply(InMemoryEventBus.builder().clock(clock)).build();
    buses.add(bus);
    return bus;
  }

  private static EventDraft draft(String text) {
    return new EventDraft("test.event", "\"" + text + "\"", null, null);
  }

  private static PublishedEvent publish(EventBus bus, String text) {
    return bus.publish(List.of(draft(text))).get(0);
  }

  private static List<PublishedEvent> publishNumbered(EventBus bus, int count) {
    List<PublishedEvent> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(publish(bus, "e" + i));
    }
    return events;
  }

  private static void runConcurrently(int threads, Runnable task) throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            executor.submit(
                () -> {
                  start.await();
                  task.run();
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      executor.shutdownNow();
    }
  }
}
