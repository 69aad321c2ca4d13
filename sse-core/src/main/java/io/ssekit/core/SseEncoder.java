package io.ssekit.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Encodes events to the bytes of the WHATWG HTML "server-sent events" format, UTF-8.
 *
 * <p>The encoder checks every field before it writes anything, so a value that a client would
 * parse as a different event never reaches the wire: a CR or LF in the type or id, or a NUL in
 * the id, throws {@link IllegalArgumentException}. Data may contain any line breaks: CRLF, CR
 * and LF each start a new {@code data:} line, and a client joins those lines with LF.
 *
 * <p>Stateless and safe for concurrent use.
 */
public final class SseEncoder {

  private SseEncoder() {}

  /**
   * Encodes one event, ending with the blank line that makes a client dispatch it.
   *
   * <p>Empty data is written as one empty {@code data:} line, which a client dispatches with
   * empty data.
   *
   * @throws IllegalArgumentException if the type or id cannot be encoded
   */
  public static byte[] encode(ServerSentEvent event) {
    StringBuilder sink = new StringBuilder(event.data().length() + 64);
    encode(event, sink);
    return sink.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Appends the encoded event to {@code sink}; throws as {@link #encode(ServerSentEvent)}. */
  public static void encode(ServerSentEvent event, StringBuilder sink) {
    checkEncodable(event);
    if (event.retry() != null) {
      sink.append("retry: ").append(event.retry().toMillis()).append('\n');
    }
    if (event.id() != null) {
      sink.append("id: ").append(event.id()).append('\n');
    }
    if (event.type() != null) {
      sink.append("event: ").append(event.type()).append('\n');
    }
    appendData(event.data(), sink);
    sink.append('\n');
  }

  /** Encodes a frame that only sets the client's reconnection time and dispatches nothing. */
  public static byte[] encodeRetry(Duration retry) {
    if (retry.isNegative()) {
      throw new IllegalArgumentException("retry: " + retry + " (expected: >= 0)");
    }
    return ("retry: " + retry.toMillis() + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void checkEncodable(ServerSentEvent event) {
    String id = event.id();
    if (id != null && containsAny(id, "\r\n\0")) {
      throw new IllegalArgumentException(
          "event id " + quote(id) + " contains CR, LF or NUL (expected: none of them,"
              + " because a client would read a different id)");
    }
    String type = event.type();
    if (type != null && containsAny(type, "\r\n")) {
      throw new IllegalArgumentException(
          "event type " + quote(type) + " contains CR or LF (expected: a single line,"
              + " because a client would read an extra field)");
    }
  }

  private static void appendData(String data, StringBuilder sink) {
    int lineStart = 0;
    int length = data.length();
    for (int i = 0; i < length; i++) {
      char c = data.charAt(i);
      if (c != '\r' && c != '\n') {
        continue;
      }
      sink.append("data: ").append(data, lineStart, i).append('\n');
      // CRLF is one line break, not two.
      if (c == '\r' && i + 1 < length && data.charAt(i + 1) == '\n') {
        i++;
      }
      lineStart = i + 1;
    }
    sink.append("data: ").append(data, lineStart, length).append('\n');
  }

  private static boolean containsAny(String value, String characters) {
    for (int i = 0; i < value.length(); i++) {
      if (characters.indexOf(value.charAt(i)) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static String quote(String value) {
    return '"' + value.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0") + '"';
  }
}
