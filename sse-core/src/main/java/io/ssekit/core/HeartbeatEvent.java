package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * The {@code heartbeat} event that the broker sends on every stream at a fixed interval.
 *
 * @param timestamp when the heartbeat was sent
 */
@JsonPropertyOrder({"type", "timestamp"})
@JsonIgnoreProperties(value = "type", allowGetters = true)
public record HeartbeatEvent(Instant timestamp) implements TypedEvent {

  public HeartbeatEvent {
    requireNonNull(timestamp, "timestamp");
  }

  @Override
  @JsonProperty("type")
  public String type() {
    return EventType.HEARTBEAT.wireName();
  }
}
