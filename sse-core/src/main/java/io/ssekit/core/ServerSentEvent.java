package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One event in the fields of the WHATWG "server-sent events" format.
 *
 * <p>The record accepts any strings; {@link SseEncoder} rejects values that the format cannot
 * carry, such as a line break in the event type.
 *
 * @param id the {@code id} field, or null to leave the client's last event ID unchanged
 * @param type the {@code event} field, or null for the client's default type {@code message}
 * @param data the {@code data} field; line breaks become several {@code data:} lines
 * @param retry the {@code retry} field, or null to leave the client's reconnection time as is
 */
public record ServerSentEvent(
    @Nullable String id, @Nullable String type, String data, @Nullable Duration retry) {

  public ServerSentEvent {
    requireNonNull(data, "data");
    if (retry != null && retry.isNegative()) {
      throw new IllegalArgumentException("retry: " + retry + " (expected: >= 0)");
    }
  }

  /** Returns an event with a type and data and no id or retry field. */
  public static ServerSentEvent of(String type, String data) {
    return new ServerSentEvent(null, requireNonNull(type, "type"), data, null);
  }
}
