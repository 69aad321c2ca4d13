package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * An event on its way to a bus, before the bus assigns its id.
 *
 * @param type the event type name, valid by {@link EventType#isValidName(String)}
 * @param data the JSON object carried in the {@code data} field
 * @param videoId the video the event is about, for per-video streams, or null
 * @param idempotencyKey a publisher-chosen key that makes a repeated publish a no-op, or null
 */
public record EventDraft(
    String type, String data, @Nullable String videoId, @Nullable String idempotencyKey) {

  public EventDraft {
    requireNonNull(type, "type");
    requireNonNull(data, "data");
    if (!EventType.isValidName(type)) {
      throw new IllegalArgumentException(
          "type: \"" + type + "\" (expected: [a-z][a-z0-9_.-]*, at most "
              + EventType.MAX_NAME_LENGTH + " characters)");
    }
    // SseEncoder rejects empty data, and a bus must not find that out halfway through a batch.
    if (data.isEmpty()) {
      throw new IllegalArgumentException("data is empty (expected: the event's JSON text)");
    }
  }

  /** Returns a draft of a typed event, serialized with {@link EventJson}. */
  public static EventDraft of(TypedEvent event) {
    return new EventDraft(event.type(), EventJson.write(event), event.videoId(), null);
  }

  /** Returns this draft with {@code key} as its idempotency key. */
  public EventDraft withIdempotencyKey(@Nullable String key) {
    return new EventDraft(type, data, videoId, key);
  }
}
