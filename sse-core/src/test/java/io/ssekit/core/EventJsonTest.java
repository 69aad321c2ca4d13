package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventJsonTest {

  private static final Instant NOW = Instant.parse("2025-11-05T12:00:00Z");

  @Test
  void videoStatusEventWritesDesignFields() {
    VideoStatusEvent event = VideoStatusEvent.of(NOW, "abc-123", VideoStatus.PROCESSING, 50);

    assertThat(EventJson.write(event))
        .isEqualTo(
            "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
                + "\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}");
  }

  @Test
  void videoStatusEventWritesMessageAndError() {
    VideoStatusEvent event =
        new VideoStatusEvent(NOW, "abc-123", VideoStatus.FAILED, 40, "Transcription stopped", "timeout");

    assertThat(EventJson.write(event))
        .isEqualTo(
            "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
                + "\"video_id\":\"abc-123\",\"status\":\"failed\",\"progress\":40,"
                + "\"message\":\"Transcription stopped\",\"error\":\"timeout\"}");
  }

  @Test
  void videoStatusEventWritesZeroProgress() {
    VideoStatusEvent event = VideoStatusEvent.of(NOW, "v", VideoStatus.QUEUED, 0);

    assertThat(EventJson.write(event)).contains("\"progress\":0");
  }

  @Test
  void videoStatusEventReadsBack() throws Exception {
    VideoStatusEvent event =
        new VideoStatusEvent(NOW, "abc-123", VideoStatus.FAILED, 40, "Transcription stopped", "timeout");

    VideoStatusEvent read =
        EventJson.mapper().readValue(EventJson.write(event), VideoStatusEvent.class);

    assertThat(read).isEqualTo(event);
  }

  @Test
  void timestampIsTruncatedToMilliseconds() {
    Instant timestamp = Instant.parse("2025-11-05T12:00:00.123456789Z");

    assertThat(EventJson.write(new HeartbeatEvent(timestamp)))
        .isEqualTo("{\"type\":\"heartbeat\",\"timestamp\":\"2025-11-05T12:00:00.123Z\"}");
  }

  @Test
  void heartbeatEventWritesTypeAndTimestamp() {
    assertThat(EventJson.write(new HeartbeatEvent(NOW)))
        .isEqualTo("{\"type\":\"heartbeat\",\"timestamp\":\"2025-11-05T12:00:00.000Z\"}");
  }

  @Test
  void streamResetEventWritesLastEventId() {
    StreamResetEvent event =
        new StreamResetEvent(NOW, StreamResetEvent.REASON_UNKNOWN_ID, "1762344000000-0");

    assertThat(EventJson.write(event))
        .isEqualTo(
            "{\"type\":\"stream.reset\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
                + "\"reason\":\"last_event_id_unknown\",\"last_event_id\":\"1762344000000-0\"}");
  }

  @Test
  void streamResetEventOmitsNullLastEventId() {
    StreamResetEvent event = new StreamResetEvent(NOW, StreamResetEvent.REASON_UNKNOWN_ID, null);

    assertThat(EventJson.write(event))
        .isEqualTo(
            "{\"type\":\"stream.reset\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
                + "\"reason\":\"last_event_id_unknown\"}");
  }

  @Test
  void parseTimestampAcceptsOffset() {
    assertThat(EventJson.parseTimestamp("2025-11-05T13:00:00+01:00")).isEqualTo(NOW);
  }

  @Test
  void formatTimestampUsesUtcWithMilliseconds() {
    assertThat(EventJson.formatTimestamp(Instant.parse("2025-11-05T12:00:00.5Z")))
        .isEqualTo("2025-11-05T12:00:00.500Z");
  }
}
