package io.ssekit.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Derives the conflation key of a published event from its type and data.
 *
 * <p>A {@code video.status} event is keyed by its {@code video_id}: a progress bar needs only
 * the newest status of each video. Any other event is keyed only if its JSON carries a string
 * field {@value #FIELD}. Keys are prefixed with the event type, so events of different types
 * never replace each other. Terminal video statuses ({@code completed}, {@code failed}) are not
 * supersedable, so conflation never drops them.
 */
final class ConflationKeys {

  /** The JSON field with which any event type declares its conflation key. */
  static final String FIELD = "conflation_key";

  private static final String VIDEO_STATUS = EventType.VIDEO_STATUS.wireName();

  private ConflationKeys() {}

  /** Returns the frame of an event, with its conflation key and whether it may be dropped. */
  static Frame frame(byte[] bytes, EventId id, String type, String data, @Nullable String videoId) {
    if (VIDEO_STATUS.equals(type) && videoId != null) {
      return new Frame(bytes, id, type + ':' + videoId, !isTerminalStatus(data));
    }
    // Cheap test first: most events declare no key and need no parsing.
    if (!data.contains('"' + FIELD + '"')) {
      return new Frame(bytes, id);
    }
    JsonNode key = parse(data).path(FIELD);
    if (!key.isTextual()) {
      return new Frame(bytes, id);
    }
    return new Frame(bytes, id, type + ':' + key.asText(), true);
  }

  private static boolean isTerminalStatus(String data) {
    JsonNode status = parse(data).path("status");
    if (!status.isTextual()) {
      return false;
    }
    String value = status.asText();
    return VideoStatus.COMPLETED.wireValue().equals(value) || VideoStatus.FAILED.wireValue().equals(value);
  }

  private static JsonNode parse(String data) {
    try {
      return EventJson.mapper().readTree(data);
    } catch (IOException e) {
      // Data that is not JSON declares no key; treating it as unkeyed never drops it.
      return EventJson.mapper().missingNode();
    }
  }
}
