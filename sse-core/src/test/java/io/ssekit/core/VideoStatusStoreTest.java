package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VideoStatusStoreTest {

  private static final Instant NOON = Instant.parse("2025-11-05T12:00:00Z");

  private final InMemoryEventBus bus = InMemoryEventBus.create();

  @Test
  void keepsLatestStatusDataExactly() {
    VideoStatusStore store = VideoStatusStore.subscribe(bus, 10);

    publish(status("abc", VideoStatus.DOWNLOADING, 10));
    PublishedEvent latest = publish(status("abc", VideoStatus.TRANSCRIBING, 40));

    VideoStatusStore.VideoState state = store.get("abc");
    assertThat(state).isNotNull();
    assertThat(state.data()).isEqualTo(
        "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\",\"video_id\":\"abc\","
            + "\"status\":\"transcribing\",\"progress\":40}");
    assertThat(state.eventId()).isEqualTo(latest.id());
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void snapshotListsMostRecentlyUpdatedFirst() {
    VideoStatusStore store = VideoStatusStore.subscribe(bus, 10);
    publish(status("a", VideoStatus.QUEUED, 0));
    publish(status("b", VideoStatus.QUEUED, 0));
    publish(status("c", VideoStatus.QUEUED, 0));

    publish(status("a", VideoStatus.DOWNLOADING, 10));

    assertThat(videoIds(store.snapshot())).containsExactly("a", "c", "b");
  }

  @Test
  void evictsLeastRecentlyUpdatedOverCapacity() {
    VideoStatusStore store = VideoStatusStore.subscribe(bus, 2);
    publish(status("a", VideoStatus.QUEUED, 0));
    publish(status("b", VideoStatus.QUEUED, 0));
    publish(status("a", VideoStatus.DOWNLOADING, 10));

    publish(status("c", VideoStatus.QUEUED, 0));

    assertThat(videoIds(store.snapshot())).containsExactly("c", "a");
    assertThat(store.get("b")).isNull();
  }

  @Test
  void snapshotCarriesNewestIdOfAnyType() {
    VideoStatusStore store = VideoStatusStore.subscribe(bus, 10);
    assertThat(store.snapshot().lastEventId()).isNull();
    publish(status("a", VideoStatus.QUEUED, 0));

    PublishedEvent other = bus.publish(List.of(
        new EventDraft("job.note", "{\"type\":\"job.note\",\"text\":\"hi\"}", null, null))).get(0);

    VideoStatusStore.Snapshot snapshot = store.snapshot();
    assertThat(snapshot.lastEventId()).isEqualTo(other.id());
    assertThat(videoIds(snapshot)).containsExactly("a");
  }

  @Test
  void statusEventWithoutVideoIdIsIgnored() {
    VideoStatusStore store = VideoStatusStore.unsubscribed(10);

    store.onEvent(new PublishedEvent(new EventId(5, 0), "video.status", "{\"type\":\"video.status\"}", null));

    assertThat(store.size()).isZero();
    assertThat(store.snapshot().lastEventId()).isEqualTo(new EventId(5, 0));
  }

  @Test
  void removeForgetsUntilNextStatus() {
    VideoStatusStore store = VideoStatusStore.subscribe(bus, 10);
    publish(status("a", VideoStatus.COMPLETED, 100));

    assertThat(store.remove("a")).isTrue();
    assertThat(store.remove("a")).isFalse();
    assertThat(store.get("a")).isNull();

    publish(status("a", VideoStatus.QUEUED, 0));
    assertThat(store.get("a")).isNotNull();
  }

  @Test
  void closeStopsUpdates() {
    VideoStatusStore store = VideoStatusStore.subscribe(bus, 10);
    publish(status("a", VideoStatus.QUEUED, 0));

    store.close();
    store.close();
    publish(status("b", VideoStatus.QUEUED, 0));

    assertThat(videoIds(store.snapshot())).containsExactly("a");
  }

  @Test
  void capacityBelowOneIsRejected() {
    assertThatThrownBy(() -> VideoStatusStore.subscribe(bus, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity: 0 (expected: >= 1)");
  }

  private PublishedEvent publish(VideoStatusEvent event) {
    return bus.publish(List.of(EventDraft.of(event))).get(0);
  }

  private static VideoStatusEvent status(String videoId, VideoStatus status, int progress) {
    return VideoStatusEvent.of(NOON, videoId, status, progress);
  }

  private static List<String> videoIds(VideoStatusStore.Snapshot snapshot) {
    return snapshot.videos().stream().map(VideoStatusStore.VideoState::videoId).toList();
  }
}
