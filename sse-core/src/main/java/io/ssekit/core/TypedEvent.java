package io.ssekit.core;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** An event DTO that serializes to the JSON carried in an SSE {@code data} field. */
public interface TypedEvent {

  /** Returns the event type name, also written as the JSON {@code type} field. */
  String type();

  /** Returns when the event happened; serialized as ISO-8601 UTC with milliseconds. */
  Instant timestamp();

  /** Returns the video this event is about, or null; streams filter on it. */
  default @Nullable String videoId() {
    return null;
  }
}
