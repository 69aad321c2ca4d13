package io.ssekit.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser of an event stream's body that keeps only what the load generator
 * needs: the {@code id}, {@code event} and {@code data} fields of each event.
 *
 * <p>It follows the WHATWG "server-sent events" parsing rules for the fields it keeps: lines end
 * with CRLF, LF or CR (also when the CR and LF arrive in different reads), a line that starts
 * with a colon is a comment, one space after the field's colon is dropped, several {@code data}
 * lines are joined with LF, and an empty line dispatches the event unless its data is empty.
 * {@code retry} and unknown fields are ignored. Bytes are fed as they arrive, in any split.
 *
 * <p>The listener reads the event's fields from this parser during its callback, without a
 * copy. Confined to one thread.
 */
final class SseWireParser {

  /** Receives each dispatched event; called on the thread that feeds the parser. */
  interface Listener {

    /**
     * Called once per dispatched event. {@code parser}'s {@link #data()}, {@link #dataLength()},
     * {@link #eventType()} and {@link #lastEventId()} describe it until the callback returns.
     */
    void onEvent(SseWireParser parser);
  }

  /** Maximum bytes of one line; a longer line means the stream is not what the run expects. */
  static final int MAX_LINE_BYTES = 1024 * 1024;

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final Listener listener;

  private byte[] line = new byte[256];
  private int lineLength;
  private boolean lastWasCr;

  private byte[] data = new byte[256];
  private int dataLength;
  private boolean hasData;
  private byte[] eventType = new byte[32];
  private int eventTypeLength;
  private byte[] lastEventId = new byte[32];
  private int lastEventIdLength;

  SseWireParser(Listener listener) {
    this.listener = listener;
  }

  /**
   * Parses {@code length} bytes of {@code bytes} from {@code offset}, calling the listener for
   * each event they complete.
   *
   * @throws IllegalStateException if a line exceeds {@link #MAX_LINE_BYTES}
   */
  void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      byte b = bytes[i];
      if (b == LF && lastWasCr) {
        // The LF of a CRLF whose CR already ended the line.
        lastWasCr = false;
        continue;
      }
      lastWasCr = b == CR;
      if (b == CR || b == LF) {
        processLine();
        lineLength = 0;
        continue;
      }
      appendToLine(b);
    }
  }

  /** Returns the array that contains the current event's data; valid up to {@link #dataLength()}. */
  byte[] data() {
    return data;
  }

  /** Returns the length of the current event's data. */
  int dataLength() {
    return dataLength;
  }

  /** Returns the current event's type, {@code message} when the stream named none. */
  String eventType() {
    return eventTypeLength == 0
        ? "message"
        : new String(eventType, 0, eventTypeLength, StandardCharsets.UTF_8);
  }

  /** Returns the stream's last event id, which persists across events as the WHATWG parsing rules require. */
  String lastEventId() {
    return new String(lastEventId, 0, lastEventIdLength, StandardCharsets.UTF_8);
  }

  /** Returns the current event's data as text; for tests and diagnostics, not the hot path. */
  String dataAsString() {
    return new String(data, 0, dataLength, StandardCharsets.UTF_8);
  }

  private void appendToLine(byte b) {
    if (lineLength == line.length) {
      if (line.length >= MAX_LINE_BYTES) {
        throw new IllegalStateException(
            "an event stream line exceeds " + MAX_LINE_BYTES + " bytes; the server sent no line break");
      }
      line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, line.length * 2));
    }
    line[lineLength++] = b;
  }

  private void processLine() {
    if (lineLength == 0) {
      dispatch();
      return;
    }
    if (line[0] == ':') {
      return;
    }
    int colon = indexOfColon();
    int nameEnd = colon < 0 ? lineLength : colon;
    int valueStart = colon < 0 ? lineLength : colon + 1;
    if (valueStart < lineLength && line[valueStart] == ' ') {
      valueStart++;
    }
    int valueLength = lineLength - valueStart;
    if (isField("data", nameEnd)) {
      appendData(valueStart, valueLength);
    } else if (isField("event", nameEnd)) {
      eventType = copyInto(eventType, valueStart, valueLength);
      eventTypeLength = valueLength;
    } else if (isField("id", nameEnd) && !containsNul(valueStart, valueLength)) {
      lastEventId = copyInto(lastEventId, valueStart, valueLength);
      lastEventIdLength = valueLength;
    }
  }

  private void dispatch() {
    if (hasData) {
      listener.onEvent(this);
    }
    hasData = false;
    dataLength = 0;
    eventTypeLength = 0;
  }

  private void appendData(int valueStart, int valueLength) {
    int needed = dataLength + (hasData ? 1 : 0) + valueLength;
    if (needed > data.length) {
      data = Arrays.copyOf(data, Math.max(needed, data.length * 2));
    }
    if (hasData) {
      data[dataLength++] = LF;
    }
    System.arraycopy(line, valueStart, data, dataLength, valueLength);
    dataLength += valueLength;
    hasData = true;
  }

  private byte[] copyInto(byte[] target, int start, int length) {
    byte[] result = target.length >= length ? target : new byte[length];
    System.arraycopy(line, start, result, 0, length);
    return result;
  }

  private int indexOfColon() {
    for (int i = 0; i < lineLength; i++) {
      if (line[i] == ':') {
        return i;
      }
    }
    return -1;
  }

  private boolean isField(String name, int nameEnd) {
    if (nameEnd != name.length()) {
      return false;
    }
    for (int i = 0; i < nameEnd; i++) {
      if (line[i] != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private boolean containsNul(int start, int length) {
    for (int i = start; i < start + length; i++) {
      if (line[i] == 0) {
        return true;
      }
    }
    return false;
  }
}
