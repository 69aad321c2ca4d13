package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * Encoded bytes ready for the wire, shared by every connection that receives them.
 *
 * <p>Callers must not modify {@link #bytes()}: one array is written to many sockets.
 *
 * @param bytes the encoded event, ending with a blank line
 * @param id the event's id, or null for frames that carry none (heartbeats, retry hints)
 */
public record Frame(byte[] bytes, @Nullable EventId id) {

  public Frame {
    requireNonNull(bytes, "bytes");
  }

  /** Returns the number of bytes the frame takes on the wire. */
  public int size() {
    return bytes.length;
  }
}
