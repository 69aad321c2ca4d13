package io.ssekit.core.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Parses an event stream the way an EventSource client does, by the rules of "Interpreting an
 * event stream" in the WHATWG HTML standard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * <p>Bytes may arrive in chunks split anywhere: inside a UTF-8 sequence, inside the leading
 * byte order mark, or between the CR and the LF of one line break. The parser decodes UTF-8
 * with replacement characters, ignores one leading byte order mark, accepts CRLF, CR and LF as
 * line ends, skips comment lines, and handles the fields {@code event}, {@code data},
 * {@code id} and {@code retry}. A blank line dispatches the event. An event that is not
 * followed by a blank line is never dispatched, as the standard requires at the end of a
 * stream.
 *
 * <p>Not thread-safe: feed one stream from one thread at a time.
 */
public final class EventStreamParser {

  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private static final String DEFAULT_EVENT_TYPE = "message";

  // Line splitting state.
  private final ByteArrayOutputStream lineBytes = new ByteArrayOutputStream();
  private boolean previousByteWasCarriageReturn;
  private boolean atStartOfStream = true;

  // Event buffers, named as in the standard.
  private final StringBuilder dataBuffer = new StringBuilder();
  private String eventTypeBuffer = "";
  private String lastEventIdBuffer = "";
  private String lastEventId = "";
  private @Nullable Long reconnectionTimeMillis;

  /**
   * Parses the next chunk of the stream and returns the events that its blank lines
   * dispatched, in stream order. An incomplete last line waits for the next chunk.
   */
  public List<ParsedEvent> feed(byte[] chunk) {
    List<ParsedEvent> dispatched = new ArrayList<>();
    for (byte b : chunk) {
      // A CR ends a line at once, so an LF right after it, even in the next chunk, ends nothing.
      boolean isLineFeedAfterCarriageReturn = b == '\n' && previousByteWasCarriageReturn;
      previousByteWasCarriageReturn = b == '\r';
      if (isLineFeedAfterCarriageReturn) {
        continue;
      }
      if (b == '\r' || b == '\n') {
        processLine(takeLine(), dispatched);
      } else {
        lineBytes.write(b);
      }
    }
    return dispatched;
  }

  /** Parses {@code text} encoded as UTF-8, as {@link #feed(byte[])} does. */
  public List<ParsedEvent> feed(String text) {
    return feed(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns the stream's last event ID: the value a client would send as {@code Last-Event-ID}
   * on reconnect, {@code ""} if none. It changes only when a blank line is processed.
   */
  public String lastEventId() {
    return lastEventId;
  }

  /** Returns the reconnection time set by the last valid {@code retry} field, or null if none. */
  public @Nullable Long reconnectionTimeMillis() {
    return reconnectionTimeMillis;
  }

  private String takeLine() {
    // CR and LF never occur inside a UTF-8 sequence, so decoding whole lines is the same as
    // decoding the stream.
    String line = lineBytes.toString(StandardCharsets.UTF_8);
    lineBytes.reset();
    if (atStartOfStream) {
      atStartOfStream = false;
      if (!line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
        return line.substring(1);
      }
    }
    return line;
  }

  private void processLine(String line, List<ParsedEvent> dispatched) {
    if (line.isEmpty()) {
      dispatch(dispatched);
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    if (colon < 0) {
      processField(line, "");
      return;
    }
    String value = line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    processField(line.substring(0, colon), value);
  }

  private void processField(String name, String value) {
    switch (name) {
      case "event" -> eventTypeBuffer = value;
      case "data" -> dataBuffer.append(value).append('\n');
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventIdBuffer = value;
        }
      }
      case "retry" -> {
        if (isAsciiDigits(value)) {
          reconnectionTimeMillis = parseMillisOrKeep(value);
        }
      }
      default -> {
        // The standard ignores unknown fields.
      }
    }
  }

  private void dispatch(List<ParsedEvent> dispatched) {
    // The last event ID survives every event, even one with no data.
    lastEventId = lastEventIdBuffer;
    if (dataBuffer.length() == 0) {
      eventTypeBuffer = "";
      return;
    }
    if (dataBuffer.charAt(dataBuffer.length() - 1) == '\n') {
      dataBuffer.setLength(dataBuffer.length() - 1);
    }
    String type = eventTypeBuffer.isEmpty() ? DEFAULT_EVENT_TYPE : eventTypeBuffer;
    dispatched.add(new ParsedEvent(type, dataBuffer.toString(), lastEventId));
    dataBuffer.setLength(0);
    eventTypeBuffer = "";
  }

  private static boolean isAsciiDigits(String value) {
    if (value.isEmpty()) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private @Nullable Long parseMillisOrKeep(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException tooLarge) {
      // NOTE: the standard sets no upper bound, but this parser ignores values above 2^63 - 1 ms.
      return reconnectionTimeMillis;
    }
  }
}
