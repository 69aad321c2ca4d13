package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The {@code video.status} event: where one video is in its processing.
 *
 * @param timestamp when the status was reached
 * @param videoId the video, never blank
 * @param status the stage the video is in
 * @param progress the percentage done within the whole processing, 0 to 100
 * @param message a human-readable note, or null
 * @param error what went wrong when {@code status} is {@code failed}, or null
 */
@JsonPropertyOrder({"type", "timestamp", "video_id", "status", "progress", "message", "error"})
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(value = "type", allowGetters = true)
public record VideoStatusEvent(
    Instant timestamp,
    String videoId,
    VideoStatus status,
    int progress,
    @Nullable String message,
    @Nullable String error)
    implements TypedEvent {

  /** Maximum length of a video id. */
  public static final int MAX_VIDEO_ID_LENGTH = 256;

  public VideoStatusEvent {
    requireNonNull(timestamp, "timestamp");
    requireNonNull(videoId, "videoId");
    requireNonNull(status, "status");
    if (videoId.isBlank() || videoId.length() > MAX_VIDEO_ID_LENGTH) {
      throw new IllegalArgumentException(
          "video_id: \"" + videoId + "\" (expected: 1 to " + MAX_VIDEO_ID_LENGTH
              + " characters, not blank)");
    }
    if (progress < 0 || progress > 100) {
      throw new IllegalArgumentException("progress: " + progress + " (expected: 0 to 100)");
    }
  }

  /** Returns an event with no message or error. */
  public static VideoStatusEvent of(
      Instant timestamp, String videoId, VideoStatus status, int progress) {
    return new VideoStatusEvent(timestamp, videoId, status, progress, null, null);
  }

  @Override
  @JsonProperty("type")
  public String type() {
    return EventType.VIDEO_STATUS.wireName();
  }
}
