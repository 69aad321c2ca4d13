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
 * @param conflationKey the key of the state this frame updates, or null if it is never
 *     conflated. A stream that still has an undelivered frame with the same key may drop
 *     that older frame in favour of this one
 * @param supersedable whether a newer frame with the same key may drop this one while it
 *     waits; false for frames that must reach the client, such as a terminal video status
 */
public record Frame(
    byte[] bytes, @Nullable EventId id, @Nullable String conflationKey, boolean supersedable) {

  public Frame {
    requireNonNull(bytes, "bytes");
  }

  /** Creates a frame that is never conflated. */
  public Frame(byte[] bytes, @Nullable EventId id) {
    this(bytes, id, null, false);
  }

  /** Returns the number of bytes the frame takes on the wire. */
  public int size() {
    return bytes.length;
  }
}
