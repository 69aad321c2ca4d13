package io.ssekit.worker;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * An event that {@link EventPublisher#close(java.time.Duration)} could not get acknowledged
 * before its deadline. The server may still have published it if a request was in flight.
 * Publishing it again with the same idempotency key is safe within the server's window.
 *
 * @param idempotencyKey the key sent with the event
 * @param type the event type, such as {@code video.status}
 * @param videoId the video the event is about, or null
 * @param json the event's JSON as it would have been sent, idempotency key included
 */
public record UnsentEvent(String idempotencyKey, String type, @Nullable String videoId, String json) {

  public UnsentEvent {
    requireNonNull(idempotencyKey, "idempotencyKey");
    requireNonNull(type, "type");
    requireNonNull(json, "json");
  }
}
