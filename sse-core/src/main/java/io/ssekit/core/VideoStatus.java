package io.ssekit.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The stages of a video's processing; serialized as the lower-case constant name. */
public enum VideoStatus {
  QUEUED,
  DOWNLOADING,
  TRANSCRIBING,
  PROCESSING,
  ANALYZING,
  COMPLETED,
  FAILED;

  /** The accepted wire values, comma-separated, for error messages. */
  public static final String WIRE_VALUES =
      Arrays.stream(values()).map(VideoStatus::wireValue).collect(Collectors.joining(", "));

  /** Returns the JSON value, such as {@code transcribing}. */
  @JsonValue
  public String wireValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Returns whether no later status follows this one. */
  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED;
  }

  /**
   * Returns the status with the wire value {@code value}.
   *
   * @throws IllegalArgumentException if {@code value} is not one of {@link #WIRE_VALUES}
   */
  @JsonCreator
  public static VideoStatus fromWireValue(String value) {
    for (VideoStatus status : values()) {
      if (status.wireValue().equals(value)) {
        return status;
      }
    }
    throw new IllegalArgumentException(
        "unknown video status \"" + value + "\" (expected one of: " + WIRE_VALUES + ")");
  }
}
