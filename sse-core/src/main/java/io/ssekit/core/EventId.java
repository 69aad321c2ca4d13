package io.ssekit.core;

import java.util.regex.Pattern;

/**
 * An event id of the form {@code <millis>-<sequence>}, the shape of a Redis stream entry id.
 *
 * <p>Ids compare by milliseconds, then by sequence, so they order events the way a bus
 * published them.
 *
 * @param millis the publish time in milliseconds since the epoch, as the bus's clock saw it
 * @param sequence the position among events of the same millisecond, from 0
 */
public record EventId(long millis, long sequence) implements Comparable<EventId> {

  private static final Pattern FORMAT = Pattern.compile("\\d{1,19}-\\d{1,19}");

  public EventId {
    if (millis < 0) {
      throw new IllegalArgumentException("millis: " + millis + " (expected: >= 0)");
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence: " + sequence + " (expected: >= 0)");
    }
  }

  /**
   * Parses an id such as {@code 1762344000000-0}.
   *
   * @throws IllegalArgumentException if the text is not two non-negative decimal numbers joined
   *     by a hyphen
   */
  public static EventId parse(String text) {
    if (!FORMAT.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "event id \"" + abbreviate(text) + "\" is malformed (expected: <millis>-<sequence>,"
              + " such as 1762344000000-0)");
    }
    int hyphen = text.indexOf('-');
    try {
      return new EventId(
          Long.parseLong(text, 0, hyphen, 10), Long.parseLong(text, hyphen + 1, text.length(), 10));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "event id \"" + abbreviate(text) + "\" is out of range (expected: numbers below 2^63)", e);
    }
  }

  /** Returns the smallest id after this one that a bus may assign at {@code nowMillis}. */
  public EventId next(long nowMillis) {
    if (nowMillis > millis) {
      return new EventId(nowMillis, 0);
    }
    // The clock stood still or went back: stay on this millisecond so ids keep increasing.
    return new EventId(millis, sequence + 1);
  }

  @Override
  public int compareTo(EventId other) {
    int byMillis = Long.compare(millis, other.millis);
    return byMillis != 0 ? byMillis : Long.compare(sequence, other.sequence);
  }

  @Override
  public String toString() {
    return millis + "-" + sequence;
  }

  private static String abbreviate(String text) {
    String printable = text.replace("\r", "\\r").replace("\n", "\\n");
    return printable.length() <= 64 ? printable : printable.substring(0, 64) + "...";
  }
}
