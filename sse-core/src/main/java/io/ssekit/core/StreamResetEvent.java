package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The {@code stream.reset} event: the server cannot replay what the client missed, so the
 * client should reload its snapshot of the current state.
 *
 * @param timestamp when the reset was sent
 * @param reason why replay was not possible, such as {@code last_event_id_unknown}
 * @param lastEventId the id the client asked to resume after, or null
 */
@JsonPropertyOrder({"type", "timestamp", "reason", "last_event_id"})
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(value = "type", allowGetters = true)
public record StreamResetEvent(Instant timestamp, String reason, @Nullable String lastEventId)
    implements TypedEvent {

  /** The reason used when the last event ID is malformed, too old or from another log. */
  public static final String REASON_UNKNOWN_ID = "last_event_id_unknown";

  public StreamResetEvent {
    requireNonNull(timestamp, "timestamp");
    requireNonNull(reason, "reason");
  }

  @Override
  @JsonProperty("type")
  public String type() {
    return EventType.STREAM_RESET.wireName();
  }
}
