package io.ssekit.core.testing;

import static java.util.Objects.requireNonNull;

/**
 * One event that {@link EventStreamParser} dispatched, with the attributes an EventSource
 * client would see on its {@code MessageEvent}.
 *
 * @param type the event type, {@code message} when the stream set none
 * @param data the data lines joined with LF, without the final LF
 * @param lastEventId the stream's last event ID when the event was dispatched, {@code ""} if
 *     none was set
 */
public record ParsedEvent(String type, String data, String lastEventId) {

  public ParsedEvent {
    requireNonNull(type, "type");
    requireNonNull(data, "data");
    requireNonNull(lastEventId, "lastEventId");
  }
}
