package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.testing.EventStreamParser;
import io.ssekit.core.testing.MutableClock;
import io.ssekit.core.testing.ParsedEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tests how a stream that falls behind keeps only the newest event per conflation key. The
 * test owns the draining turn (the fake transport is stalled), so frames stay queued until the
 * test polls them.
 */
class SseStreamConflationTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2025-11-05T12:00:00Z"));
  private final InMemoryEventBus bus =
      InMemoryEventBus.builder().clock(clock).replayCapacity(20_000).build();
  private final AtomicInteger conflated = new AtomicInteger();
  private final RecordingTransport transport = new RecordingTransport();
  private @Nullable SseBroker broker;

  @AfterEach
  void stop() {
    transport.stream().close(CloseReason.CLIENT_GONE);
    broker().shutdown(Duration.ofMillis(100));
    bus.close();
  }

  @Test
  void belowThresholdEveryEventIsKept() {
    SseStream stream = open(3, 1_000, null, false);
    publishStatus("a", VideoStatus.PROCESSING, 10);
    publishStatus("a", VideoStatus.PROCESSING, 20);

    List<ParsedEvent> events = drain(stream);

    assertThat(progressOf(events, "a")).containsExactly(10, 20);
    assertThat(conflated.get()).isZero();
  }

  @Test
  void newerStatusReplacesWaitingOneOfSameVideo() {
    SseStream stream = open(2, 1_000, null, false);
    String firstA = publishStatus("a", VideoStatus.DOWNLOADING, 10);
    String firstB = publishStatus("b", VideoStatus.DOWNLOADING, 10);
    String secondA = publishStatus("a", VideoStatus.TRANSCRIBING, 40);

    List<ParsedEvent> events = drain(stream);

    assertThat(idsOf(events)).containsExactly(firstB, secondA);
    assertThat(idsOf(events)).doesNotContain(firstA);
    assertThat(conflated.get()).isEqualTo(1);
  }

  @Test
  void terminalStatusIsNeverDropped() {
    SseStream stream = open(0, 1_000, null, false);
    String processing = publishStatus("a", VideoStatus.PROCESSING, 50);
    String completed = publishStatus("a", VideoStatus.COMPLETED, 100);
    String requeued = publishStatus("a", VideoStatus.QUEUED, 0);

    List<ParsedEvent> events = drain(stream);

    assertThat(idsOf(events)).containsExactly(completed, requeued);
    assertThat(idsOf(events)).doesNotContain(processing);
  }

  @Test
  void eventsWithoutKeyAreNeverDropped() {
    SseStream stream = open(0, 1_000, null, false);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(publish("note.added", "{\"type\":\"note.added\",\"n\":" + i + "}", null));
    }

    assertThat(idsOf(drain(stream))).containsExactlyElementsOf(ids);
    assertThat(conflated.get()).isZero();
  }

  @Test
  void declaredConflationKeyReplacesWaitingEvent() {
    SseStream stream = open(0, 1_000, null, false);
    publish("queue.depth", "{\"type\":\"queue.depth\",\"conflation_key\":\"q1\",\"depth\":5}", null);
    String newest =
        publish("queue.depth", "{\"type\":\"queue.depth\",\"conflation_key\":\"q1\",\"depth\":7}", null);

    assertThat(idsOf(drain(stream))).containsExactly(newest);
  }

  @Test
  void sameKeyOfOtherTypeIsNotReplaced() {
    SseStream stream = open(0, 1_000, null, false);
    String status = publishStatus("a", VideoStatus.PROCESSING, 50);
    String other =
        publish("video.note", "{\"type\":\"video.note\",\"conflation_key\":\"a\"}", "a");

    assertThat(idsOf(drain(stream))).containsExactly(status, other);
  }

  @Test
  void stalledStreamKeepsOneEventPerVideoAndStaysOpen() {
    SseStream stream = open(0, 100, null, false);
    Map<String, Integer> newestProgress = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      String videoId = "video-" + (i % 50);
      int progress = i / 100;
      publishStatus(videoId, VideoStatus.PROCESSING, progress);
      newestProgress.put(videoId, progress);
    }

    assertThat(stream.isClosed()).isFalse();
    // The retry hint that starts the stream, then one status per video.
    assertThat(stream.queuedFrames()).isEqualTo(1 + 50);
    List<ParsedEvent> events = drain(stream);
    assertThat(events).hasSize(50);
    for (Map.Entry<String, Integer> video : newestProgress.entrySet()) {
      assertThat(progressOf(events, video.getKey())).containsExactly(video.getValue());
    }
    assertThat(conflated.get()).isEqualTo(10_000 - 50);
  }

  @Test
  void idsStayIncreasingAfterConflation() {
    SseStream stream = open(0, 1_000, null, false);
    for (int i = 0; i < 300; i++) {
      publishStatus("video-" + (i % 7), VideoStatus.PROCESSING, i % 101);
    }

    List<EventId> ids = idsOf(drain(stream)).stream().map(EventId::parse).toList();

    assertThat(ids).isSortedAccordingTo(EventId::compareTo);
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void compactReplayKeepsNewestPerKeyInIdOrder() {
    String before = publishStatus("setup", VideoStatus.QUEUED, 0);
    List<String> expected = new ArrayList<>();
    Map<String, String> newestPerVideo = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      String videoId = "video-" + (i % 10);
      newestPerVideo.put(videoId, publishStatus(videoId, VideoStatus.PROCESSING, i / 2));
      if (i % 40 == 0) {
        expected.add(publish("note.added", "{\"type\":\"note.added\",\"n\":" + i + "}", null));
      }
    }
    String completed = publishStatus("video-3", VideoStatus.COMPLETED, 100);
    String requeued = publishStatus("video-3", VideoStatus.QUEUED, 0);
    newestPerVideo.put("video-3", requeued);
    expected.add(completed);
    expected.addAll(newestPerVideo.values());
    List<String> expectedInIdOrder =
        expected.stream().sorted((a, b) -> EventId.parse(a).compareTo(EventId.parse(b))).toList();

    SseStream stream = open(Integer.MAX_VALUE, 1_000, before, true);

    assertThat(idsOf(drain(stream))).containsExactlyElementsOf(expectedInIdOrder);
  }

  @Test
  void fullReplayIsNotCompactedByDefault() {
    String before = publishStatus("a", VideoStatus.QUEUED, 0);
    List<String> published = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      published.add(publishStatus("a", VideoStatus.PROCESSING, i));
    }

    SseStream stream = open(Integer.MAX_VALUE, 1_000, before, false);

    assertThat(idsOf(drain(stream))).containsExactlyElementsOf(published);
  }

  private SseStream open(
      int conflationThreshold, int maxQueuedEvents, @Nullable String lastEventId, boolean compact) {
    broker = SseBroker.builder(bus)
        .clock(clock)
        .writerExecutor(new DirectExecutorService())
        .conflationThreshold(conflationThreshold)
        .maxQueuedEvents(maxQueuedEvents)
        .metrics(new SseMetrics() {
          @Override
          public void eventConflated() {
            conflated.incrementAndGet();
          }
        })
        .build();
    transport.stall();
    return transport.open(broker, new StreamRequest(StreamFilter.ALL, lastEventId, "127.0.0.1", compact));
  }

  private SseBroker broker() {
    assertThat(broker).isNotNull();
    return broker;
  }

  private String publishStatus(String videoId, VideoStatus status, int progress) {
    VideoStatusEvent event = VideoStatusEvent.of(clock.instant(), videoId, status, progress);
    return bus.publish(List.of(EventDraft.of(event))).get(0).id().toString();
  }

  private String publish(String type, String data, @Nullable String videoId) {
    return bus.publish(List.of(new EventDraft(type, data, videoId, null))).get(0).id().toString();
  }

  private static List<ParsedEvent> drain(SseStream stream) {
    EventStreamParser parser = new EventStreamParser();
    List<ParsedEvent> events = new ArrayList<>();
    for (byte[] chunk = stream.poll(64 * 1024); chunk != null; chunk = stream.poll(64 * 1024)) {
      events.addAll(parser.feed(chunk));
    }
    return events;
  }

  private static List<String> idsOf(List<ParsedEvent> events) {
    return events.stream().map(ParsedEvent::lastEventId).toList();
  }

  private static List<Integer> progressOf(List<ParsedEvent> events, String videoId) {
    List<Integer> progress = new ArrayList<>();
    for (ParsedEvent event : events) {
      JsonNode data = json(event.data());
      if (videoId.equals(data.path("video_id").asText())) {
        progress.add(data.path("progress").asInt());
      }
    }
    return progress;
  }

  private static JsonNode json(String text) {
    try {
      return EventJson.mapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
