package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventDraftTest {

  @Test
  void emptyDataIsRejected() {
    assertThatThrownBy(() -> new EventDraft("job.done", "", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("data is empty (expected: the event's JSON text)");
  }

  @Test
  void invalidTypeNameIsRejected() {
    assertThatThrownBy(() -> new EventDraft("Job Done", "{}", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("type: \"Job Done\" (expected: [a-z][a-z0-9_.-]*");
  }

  @Test
  void typeWithLineBreakIsRejected() {
    assertThatThrownBy(() -> new EventDraft("job\nid: 1", "{}", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("type: ");
  }

  @Test
  void typedEventDraftCarriesVideoId() {
    VideoStatusEvent event =
        VideoStatusEvent.of(Instant.parse("2025-11-05T12:00:00Z"), "abc-123", VideoStatus.QUEUED, 0);

    EventDraft draft = EventDraft.of(event);

    assertThat(draft)
        .isEqualTo(new EventDraft("video.status", EventJson.write(event), "abc-123", null));
  }

  @Test
  void withIdempotencyKeyKeepsOtherFields() {
    EventDraft draft = new EventDraft("job.done", "{}", "v", null);

    assertThat(draft.withIdempotencyKey("k")).isEqualTo(new EventDraft("job.done", "{}", "v", "k"));
  }
}
