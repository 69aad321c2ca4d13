package io.ssekit.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ssekit.core.testing.MutableClock;
import io.ssekit.core.testing.ParsedEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SseBrokerTest {

  private static final Instant NOW = Instant.parse("2025-11-05T12:00:00Z");

  private static final String RETRY = "retry: 3000\n\n";

  private static final String HEARTBEAT =
      "event: heartbeat\ndata: {\"type\":\"heartbeat\",\"timestamp\":\"2025-11-05T12:00:00.000Z\"}\n\n";

  private final MutableClock clock = new MutableClock(NOW);

  private final List<InMemoryEventBus> buses = new ArrayList<>();

  private final List<SseBroker> brokers = new ArrayList<>();

  private final List<RecordingTransport> transports = new ArrayList<>();

  private final InMemoryEventBus bus = newBus(builder -> builder);

  @AfterEach
  void stopBrokers() {
    for (SseBroker broker : brokers) {
      broker.shutdown(Duration.ofMillis(200));
    }
    buses.forEach(InMemoryEventBus::close);
    for (RecordingTransport transport : transports) {
      assertThat(transport.drainFailure()).isNull();
    }
  }

  @Test
  void newStreamStartsWithRetryHint() {
    RecordingTransport transport = transport();

    transport.open(broker(), request());

    assertThat(transport.text()).isEqualTo(RETRY);
  }

  @Test
  void configuredRetryIsSent() {
    RecordingTransport transport = transport();

    transport.open(broker(builder -> builder.retry(Duration.ofMillis(1500))), request());

    assertThat(transport.text()).isEqualTo("retry: 1500\n\n");
  }

  @Test
  void openCountsConnectedClient() {
    SseBroker broker = broker();

    transport().open(broker, request());
    transport().open(broker, request());

    assertThat(broker.connectedClients()).isEqualTo(2);
  }

  @Test
  void publishedEventArrivesAsExactFrame() {
    RecordingTransport transport = transport();
    transport.open(broker(), request());

    publishStatus("abc-123", 50);

    eventually()
        .untilAsserted(
            () ->
                assertThat(transport.text())
                    .isEqualTo(
                        RETRY
                            + "id: 1762344000000-0\n"
                            + "event: video.status\n"
                            + "data: {\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
                            + "\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}\n\n"));
  }

  @Test
  void eventsArriveInPublishOrder() {
    RecordingTransport transport = transport();
    transport.open(broker(), request());

    PublishedEvent first = publishStatus("a", 10);
    PublishedEvent second = publishOther("transcript.ready", "a");
    PublishedEvent third = publishStatus("b", 20);

    eventually()
        .untilAsserted(
            () ->
                assertThat(transport.text())
                    .isEqualTo(RETRY + frameText(first) + frameText(second) + frameText(third)));
  }

  @Test
  void videoFilterSelectsThatVideo() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, filtered(Set.of("abc"), Set.of()));

    PublishedEvent matching = publishStatus("abc", 10);
    publishStatus("other", 10);
    publishOther("system.notice", null);
    PublishedEvent matchingOther = publishOther("transcript.ready", "abc");
    broker.sendHeartbeat();

    awaitHeartbeat(transport);
    assertThat(transport.publishedIds()).containsExactly(idOf(matching), idOf(matchingOther));
  }

  @Test
  void severalVideoIdsSelectEachOnce() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, filtered(Set.of("a", "b"), Set.of()));

    PublishedEvent forA = publishStatus("a", 10);
    publishStatus("c", 10);
    PublishedEvent forB = publishStatus("b", 10);
    broker.sendHeartbeat();

    awaitHeartbeat(transport);
    assertThat(transport.publishedIds()).containsExactly(idOf(forA), idOf(forB));
  }

  @Test
  void typesFilterSelectsThoseTypes() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, filtered(Set.of(), Set.of("transcript.ready")));

    publishStatus("abc", 10);
    PublishedEvent matching = publishOther("transcript.ready", "abc");
    publishOther("system.notice", null);
    broker.sendHeartbeat();

    awaitHeartbeat(transport);
    assertThat(transport.publishedIds()).containsExactly(idOf(matching));
  }

  @Test
  void videoAndTypeFiltersBothApply() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, filtered(Set.of("abc"), Set.of("video.status")));

    PublishedEvent matching = publishStatus("abc", 10);
    publishStatus("xyz", 10);
    publishOther("transcript.ready", "abc");
    broker.sendHeartbeat();

    awaitHeartbeat(transport);
    assertThat(transport.publishedIds()).containsExactly(idOf(matching));
  }

  @Test
  void heartbeatPassesFilters() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, filtered(Set.of("abc"), Set.of("video.status")));

    broker.sendHeartbeat();

    eventually().untilAsserted(() -> assertThat(transport.text()).isEqualTo(RETRY + HEARTBEAT));
  }

  @Test
  void heartbeatCarriesNoId() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, request());
    PublishedEvent event = publishStatus("abc", 10);

    broker.sendHeartbeat();

    awaitHeartbeat(transport);
    assertThat(transport.events("heartbeat"))
        .containsExactly(
            new ParsedEvent(
                "heartbeat",
                "{\"type\":\"heartbeat\",\"timestamp\":\"2025-11-05T12:00:00.000Z\"}",
                idOf(event)));
  }

  @Test
  void heartbeatSchedulerSendsAtInterval() {
    RecordingTransport transport = transport();
    transport.open(broker(builder -> builder.heartbeatInterval(Duration.ofMillis(20))), request());

    eventually().until(() -> transport.events("heartbeat").size() >= 2);

    assertThat(transport.text()).startsWith(RETRY + HEARTBEAT + HEARTBEAT);
  }

  @Test
  void replaySendsEventsAfterLastEventId() {
    PublishedEvent first = publishStatus("a", 10);
    PublishedEvent second = publishStatus("a", 20);
    PublishedEvent third = publishStatus("a", 30);
    RecordingTransport transport = transport();

    transport.open(broker(), resume(idOf(first)));

    assertThat(transport.text()).isEqualTo(RETRY + frameText(second) + frameText(third));
  }

  @Test
  void liveEventsFollowReplayOnce() {
    PublishedEvent first = publishStatus("a", 10);
    PublishedEvent second = publishStatus("a", 20);
    RecordingTransport transport = transport();
    transport.open(broker(), resume(idOf(first)));

    PublishedEvent live = publishStatus("a", 30);

    eventually()
        .untilAsserted(
            () -> assertThat(transport.text()).isEqualTo(RETRY + frameText(second) + frameText(live)));
  }

  @Test
  void replayAppliesFilter() {
    PublishedEvent start = publishStatus("abc", 0);
    PublishedEvent matching = publishStatus("abc", 10);
    publishStatus("xyz", 10);
    PublishedEvent matchingLater = publishStatus("abc", 20);
    RecordingTransport transport = transport();

    StreamRequest request = new StreamRequest(filter(Set.of("abc"), Set.of()), idOf(start), "127.0.0.1");
    transport.open(broker(), request);

    assertThat(transport.text())
        .isEqualTo(RETRY + frameText(matching) + frameText(matchingLater));
  }

  @Test
  void replayAtLatestIdSendsOnlyRetry() {
    PublishedEvent latest = publishStatus("a", 10);
    RecordingTransport transport = transport();

    transport.open(broker(), resume(idOf(latest)));

    assertThat(transport.text()).isEqualTo(RETRY);
  }

  @Test
  void emptyLastEventIdIsFirstConnect() {
    publishStatus("a", 10);
    RecordingTransport transport = transport();

    transport.open(broker(), resume(""));

    assertThat(transport.text()).isEqualTo(RETRY);
  }

  @Test
  void malformedLastEventIdGetsReset() {
    publishStatus("a", 10);
    PublishedEvent latest = publishStatus("a", 20);
    RecordingTransport transport = transport();

    transport.open(broker(), resume("garbage"));

    assertThat(transport.text()).isEqualTo(RETRY + resetFrame(idOf(latest), "garbage"));
  }

  @Test
  void unknownLastEventIdGetsReset() {
    PublishedEvent latest = publishStatus("a", 10);
    RecordingTransport transport = transport();

    transport.open(broker(), resume("1-0"));

    assertThat(transport.text()).isEqualTo(RETRY + resetFrame(idOf(latest), "1-0"));
  }

  @Test
  void evictedLastEventIdGetsReset() {
    InMemoryEventBus smallBus = newBus(builder -> builder.replayCapacity(2));
    EventId evicted = publishStatus(smallBus, "a", 0).id();
    publishStatus(smallBus, "a", 1);
    publishStatus(smallBus, "a", 2);
    PublishedEvent latest = publishStatus(smallBus, "a", 3);
    RecordingTransport transport = transport();

    transport.open(broker(smallBus, builder -> builder), resume(evicted.toString()));

    assertThat(transport.text()).isEqualTo(RETRY + resetFrame(idOf(latest), evicted.toString()));
  }

  @Test
  void resetMovesClientToLatestId() {
    publishStatus("a", 10);
    PublishedEvent latest = publishStatus("a", 20);
    RecordingTransport transport = transport();

    transport.open(broker(), resume("garbage"));

    assertThat(transport.events("stream.reset"))
        .singleElement()
        .extracting(ParsedEvent::lastEventId)
        .isEqualTo(idOf(latest));
  }

  @Test
  void liveEventsFollowResetWithoutOlderEvents() {
    publishStatus("a", 10);
    PublishedEvent latest = publishStatus("a", 20);
    RecordingTransport transport = transport();
    transport.open(broker(), resume("garbage"));

    PublishedEvent live = publishStatus("a", 30);

    eventually()
        .untilAsserted(
            () ->
                assertThat(transport.text())
                    .isEqualTo(RETRY + resetFrame(idOf(latest), "garbage") + frameText(live)));
  }

  @Test
  void resetOnEmptyBusClearsLastEventId() {
    RecordingTransport transport = transport();

    transport.open(broker(), resume("5-0"));

    assertThat(transport.text()).isEqualTo(RETRY + resetFrame("", "5-0"));
  }

  @Test
  void resetEscapesLineBreaksInLastEventId() {
    publishStatus("a", 10);
    RecordingTransport transport = transport();

    transport.open(broker(), resume("x\nevent: evil\n\ndata: y"));

    assertThat(transport.events()).singleElement().extracting(ParsedEvent::type).isEqualTo("stream.reset");
    assertThat(transport.text()).contains("\"last_event_id\":\"x\\nevent: evil\\n\\ndata: y\"");
  }

  @Test
  void stalledStreamClosedAtEventBound() {
    SseBroker broker = broker(builder -> builder.maxQueuedEvents(5));
    RecordingTransport healthy = transport();
    healthy.open(broker, request());
    RecordingTransport stalled = transport();
    stalled.open(broker, request());
    stalled.stall();

    // Publish in step with the healthy stream, so only the stalled one can reach the bound.
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      published.add(idOf(publishStatus("a", i)));
      eventually().untilAsserted(() -> assertThat(healthy.publishedIds()).isEqualTo(published));
    }

    assertThat(stalled.closeReasons()).containsExactly(CloseReason.SLOW_CLIENT);
    assertThat(stalled.stream().isClosed()).isTrue();
    assertThat(broker.closedStreams(CloseReason.SLOW_CLIENT)).isEqualTo(1);
    assertThat(broker.connectedClients()).isEqualTo(1);
    assertThat(healthy.closeReasons()).isEmpty();
  }

  @Test
  void stalledStreamKeepsEventsBelowBound() {
    SseBroker broker = broker(builder -> builder.maxQueuedEvents(5));
    RecordingTransport stalled = transport();
    stalled.open(broker, request());
    stalled.stall();

    for (int i = 0; i < 5; i++) {
      publishStatus("a", i);
    }

    assertThat(stalled.closeReasons()).isEmpty();
    assertThat(broker.connectedClients()).isEqualTo(1);
  }

  @Test
  void stalledStreamClosedAtByteBound() {
    int frameSize = publishStatus("a", 0).frame().size();
    SseBroker broker = broker(builder -> builder.maxQueuedBytes(2L * frameSize + frameSize / 2));
    RecordingTransport stalled = transport();
    stalled.stall();
    stalled.open(broker, request());

    publishStatus("a", 1);
    publishStatus("a", 2);
    assertThat(stalled.closeReasons()).isEmpty();
    publishStatus("a", 3);

    assertThat(stalled.closeReasons()).containsExactly(CloseReason.SLOW_CLIENT);
  }

  @Test
  void maxStreamsRejectsExtraStream() {
    SseBroker broker = broker(builder -> builder.maxStreams(2));
    transport().open(broker, request());
    transport().open(broker, request());
    RecordingTransport rejected = transport();

    assertThatThrownBy(() -> rejected.open(broker, request()))
        .isInstanceOf(StreamLimitException.class)
        .hasMessageContaining("maximum of 2 streams");
    assertThat(broker.connectedClients()).isEqualTo(2);
    assertThat(rejected.closeReasons()).isEmpty();
  }

  @Test
  void closedStreamFreesSlotForNewStream() {
    SseBroker broker = broker(builder -> builder.maxStreams(1));
    RecordingTransport first = transport();
    first.open(broker, request());

    first.stream().close(CloseReason.CLIENT_GONE);
    RecordingTransport second = transport();
    second.open(broker, request());

    assertThat(second.text()).isEqualTo(RETRY);
    assertThat(broker.connectedClients()).isEqualTo(1);
  }

  @Test
  void clientCloseIsCountedOnce() {
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    SseStream stream = transport.open(broker, request());

    stream.close(CloseReason.CLIENT_GONE);
    stream.close(CloseReason.CLIENT_GONE);

    assertThat(transport.closeReasons()).containsExactly(CloseReason.CLIENT_GONE);
    assertThat(broker.closedStreams(CloseReason.CLIENT_GONE)).isEqualTo(1);
    assertThat(broker.connectedClients()).isZero();
  }

  @Test
  void shutdownSendsRetryHintAndCloses() {
    SseBroker broker = broker();
    RecordingTransport idle = transport();
    idle.open(broker, filtered(Set.of("another-video"), Set.of()));
    RecordingTransport busy = transport();
    busy.open(broker, request());
    PublishedEvent event = publishStatus("a", 10);
    eventually().until(() -> busy.publishedIds().contains(idOf(event)));

    broker.shutdown(Duration.ofSeconds(5));

    eventually().until(() -> !idle.closeReasons().isEmpty() && !busy.closeReasons().isEmpty());
    assertThat(idle.text()).isEqualTo(RETRY + RETRY);
    assertThat(busy.text()).isEqualTo(RETRY + frameText(event) + RETRY);
    assertThat(idle.closeReasons()).containsExactly(CloseReason.SHUTDOWN);
    assertThat(busy.closeReasons()).containsExactly(CloseReason.SHUTDOWN);
  }

  @Test
  void shutdownLeavesNoConnectedClients() {
    SseBroker broker = broker();
    for (int i = 0; i < 3; i++) {
      transport().open(broker, request());
    }

    broker.shutdown(Duration.ofSeconds(5));

    assertThat(broker.connectedClients()).isZero();
    assertThat(broker.closedStreams(CloseReason.SHUTDOWN)).isEqualTo(3);
    assertThat(broker.isShuttingDown()).isTrue();
  }

  @Test
  void shutdownCutsStalledStreamAfterGrace() {
    SseBroker broker = broker();
    RecordingTransport stalled = transport();
    stalled.stall();
    stalled.open(broker, request());

    broker.shutdown(Duration.ofMillis(50));

    eventually().untilAsserted(() -> assertThat(stalled.closeReasons()).containsExactly(CloseReason.SHUTDOWN));
    assertThat(broker.connectedClients()).isZero();
  }

  @Test
  void shutdownStopsBrokerThreads() {
    Set<Thread> before = brokerThreads();
    SseBroker broker = broker();
    RecordingTransport transport = transport();
    transport.open(broker, request());
    PublishedEvent event = publishStatus("a", 10);
    eventually().until(() -> transport.publishedIds().contains(idOf(event)));
    Set<Thread> started = new HashSet<>(brokerThreads());
    started.removeAll(before);
    assertThat(started)
        .extracting(Thread::getName)
        .anyMatch(name -> name.startsWith("sse-writer-"))
        .anyMatch(name -> name.startsWith("sse-heartbeat-"));

    broker.shutdown(Duration.ofSeconds(5));

    eventually()
        .untilAsserted(
            () -> {
              Set<Thread> remaining = new HashSet<>(brokerThreads());
              remaining.removeAll(before);
              assertThat(remaining).extracting(Thread::getName).isEmpty();
            });
  }

  @Test
  void openAfterShutdownIsRejected() {
    SseBroker broker = broker();
    broker.shutdown(Duration.ofSeconds(1));

    assertThatThrownBy(() -> transport().open(broker, request()))
        .isInstanceOf(StreamLimitException.class)
        .hasMessage("the server is shutting down");
    assertThat(broker.connectedClients()).isZero();
  }

  private RecordingTransport transport() {
    RecordingTransport transport = new RecordingTransport();
    transports.add(transport);
    return transport;
  }

  private InMemoryEventBus newBus(UnaryOperator<InMemoryEventBus.Builder> configuration) {
    InMemoryEventBus created = configuration.apply(InMemoryEventBus.builder().clock(clock)).build();
    buses.add(created);
    return created;
  }

  private SseBroker broker() {
    return broker(bus, builder -> builder);
  }

  private SseBroker broker(UnaryOperator<SseBroker.Builder> configuration) {
    return broker(bus, configuration);
  }

  private SseBroker broker(EventBus eventBus, UnaryOperator<SseBroker.Builder> configuration) {
    SseBroker broker = configuration.apply(SseBroker.builder(eventBus).clock(clock)).build();
    brokers.add(broker);
    return broker;
  }

  private PublishedEvent publishStatus(String videoId, int progress) {
    return publishStatus(bus, videoId, progress);
  }

  private PublishedEvent publishStatus(EventBus eventBus, String videoId, int progress) {
    VideoStatusEvent event =
        VideoStatusEvent.of(clock.instant(), videoId, VideoStatus.PROCESSING, progress);
    return eventBus.publish(List.of(EventDraft.of(event))).get(0);
  }

  private PublishedEvent publishOther(String type, @Nullable String videoId) {
    String data = "{\"type\":\"" + type + "\",\"n\":1}";
    return bus.publish(List.of(new EventDraft(type, data, videoId, null))).get(0);
  }

  private static void awaitHeartbeat(RecordingTransport transport) {
    eventually().until(() -> !transport.events("heartbeat").isEmpty());
  }

  /** Returns the wire text of a reset whose id field is {@code id}, for the fixed clock. */
  private static String resetFrame(String id, String lastEventId) {
    return "id: " + id + "\n"
        + "event: stream.reset\n"
        + "data: {\"type\":\"stream.reset\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
        + "\"reason\":\"last_event_id_unknown\",\"last_event_id\":\"" + lastEventId + "\"}\n\n";
  }

  private static String frameText(PublishedEvent event) {
    return new String(event.frame().bytes(), UTF_8);
  }

  private static String idOf(PublishedEvent event) {
    return event.id().toString();
  }

  private static StreamRequest request() {
    return new StreamRequest(StreamFilter.ALL, null, "127.0.0.1");
  }

  private static StreamRequest resume(String lastEventId) {
    return new StreamRequest(StreamFilter.ALL, lastEventId, "127.0.0.1");
  }

  private static StreamRequest filtered(Set<String> videoIds, Set<String> types) {
    return new StreamRequest(filter(videoIds, types), null, "127.0.0.1");
  }

  private static StreamFilter filter(Set<String> videoIds, Set<String> types) {
    return new StreamFilter(videoIds, types);
  }

  private static Set<Thread> brokerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(
            thread ->
                thread.getName().startsWith("sse-writer-")
                    || thread.getName().startsWith("sse-heartbeat-"))
        .collect(Collectors.toSet());
  }

  private static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(5))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }
}
