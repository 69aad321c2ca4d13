package io.ssekit.core;

import static java.util.Objects.requireNonNull;

/**
 * Thrown when a publish request is not valid. The adapter responds with a problem detail that
 * names {@link #field()} and carries the message.
 */
public class InvalidEventException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String field;

  /**
   * Creates the exception.
   *
   * @param field the JSON path of the offending value, such as {@code events[2].progress}
   * @param message what is wrong and what is expected
   */
  public InvalidEventException(String field, String message) {
    super(requireNonNull(message, "message"));
    this.field = requireNonNull(field, "field");
  }

  /** Returns the JSON path of the offending value, or {@code ""} for the whole body. */
  public String field() {
    return field;
  }
}
