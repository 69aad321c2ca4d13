package io.ssekit.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * An incremental decoder of one HTTP/1.1 response: it reads the status line and headers, then
 * hands the body to an {@link SseWireParser}, removing the chunked transfer coding when the
 * response has it. A body without {@code Transfer-Encoding: chunked} runs to its
 * {@code Content-Length}, or to the end of the connection when it has none.
 *
 * <p>Bytes are fed as they arrive, in any split. Confined to one thread.
 */
final class HttpResponseDecoder {

  /** Maximum bytes of the status line plus headers. */
  static final int MAX_HEAD_BYTES = 16 * 1024;

  private enum State {
    HEAD,
    CHUNK_SIZE,
    CHUNK_DATA,
    CHUNK_DATA_END,
    TRAILER,
    IDENTITY,
    DONE
  }

  private final SseWireParser body;

  private State state = State.HEAD;
  private byte[] head = new byte[512];
  private int headLength;
  private int status = -1;
  private long remaining = -1;
  private final StringBuilder sizeLine = new StringBuilder();
  private boolean sizeLineCr;

  HttpResponseDecoder(SseWireParser body) {
    this.body = body;
  }

  /** Returns the response's status code, or -1 until the head is complete. */
  int status() {
    return status;
  }

  /** Returns whether the head is complete. */
  boolean headComplete() {
    return state != State.HEAD;
  }

  /** Returns whether the body has ended: the last chunk, or all of {@code Content-Length}. */
  boolean bodyComplete() {
    return state == State.DONE;
  }

  /**
   * Decodes {@code length} bytes of {@code bytes} from {@code offset}.
   *
   * @throws IllegalStateException if the response is not valid HTTP/1.1 as far as this decoder
   *     reads it, with the reason
   */
  void feed(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end && state != State.DONE) {
      i = switch (state) {
        case HEAD -> readHead(bytes, i, end);
        case CHUNK_SIZE, TRAILER -> readSizeOrTrailerLine(bytes, i, end);
        case CHUNK_DATA -> readChunkData(bytes, i, end);
        case CHUNK_DATA_END -> readChunkDataEnd(bytes, i, end);
        case IDENTITY -> readIdentity(bytes, i, end);
        case DONE -> end;
      };
    }
  }

  private int readHead(byte[] bytes, int from, int end) {
    for (int i = from; i < end; i++) {
      if (headLength == head.length) {
        if (head.length >= MAX_HEAD_BYTES) {
          throw new IllegalStateException("the response head exceeds " + MAX_HEAD_BYTES + " bytes");
        }
        head = Arrays.copyOf(head, head.length * 2);
      }
      head[headLength++] = bytes[i];
      if (endsWithBlankLine()) {
        parseHead();
        return i + 1;
      }
    }
    return end;
  }

  private boolean endsWithBlankLine() {
    return headLength >= 4
        && head[headLength - 4] == '\r'
        && head[headLength - 3] == '\n'
        && head[headLength - 2] == '\r'
        && head[headLength - 1] == '\n';
  }

  private void parseHead() {
    String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
    head = null;
    String[] lines = text.split("\r\n");
    status = parseStatus(lines[0]);
    boolean chunked = false;
    long contentLength = -1;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
        chunked = true;
      } else if (name.equals("content-length")) {
        contentLength = parseContentLength(value);
      }
    }
    if (chunked) {
      state = State.CHUNK_SIZE;
    } else if (contentLength >= 0) {
      remaining = contentLength;
      state = contentLength == 0 ? State.DONE : State.IDENTITY;
    } else {
      state = State.IDENTITY;
    }
  }

  private static int parseStatus(String statusLine) {
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IllegalStateException("the response starts with \"" + statusLine + "\" (expected: HTTP/1.x status line)");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("the status line \"" + statusLine + "\" has no numeric status code");
    }
  }

  private static long parseContentLength(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("Content-Length is \"" + value + "\" (expected: a number)");
    }
  }

  private int readSizeOrTrailerLine(byte[] bytes, int from, int end) {
    for (int i = from; i < end; i++) {
      byte b = bytes[i];
      if (b == '\n' && sizeLineCr) {
        sizeLineCr = false;
        lineEnded();
        return i + 1;
      }
      sizeLineCr = b == '\r';
      if (!sizeLineCr) {
        if (sizeLine.length() > 256) {
          throw new IllegalStateException("a chunk size line exceeds 256 bytes");
        }
        sizeLine.append((char) (b & 0xff));
      }
    }
    return end;
  }

  private void lineEnded() {
    String line = sizeLine.toString();
    sizeLine.setLength(0);
    if (state == State.TRAILER) {
      // Trailer fields are skipped; the empty line ends the message.
      if (line.isEmpty()) {
        state = State.DONE;
      }
      return;
    }
    int extension = line.indexOf(';');
    String hex = (extension < 0 ? line : line.substring(0, extension)).trim();
    long size;
    try {
      size = Long.parseLong(hex, 16);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("the chunk size line \"" + line + "\" is not hexadecimal");
    }
    if (size == 0) {
      state = State.TRAILER;
      return;
    }
    remaining = size;
    state = State.CHUNK_DATA;
  }

  private int readChunkData(byte[] bytes, int from, int end) {
    int length = (int) Math.min(remaining, end - from);
    body.feed(bytes, from, length);
    remaining -= length;
    if (remaining == 0) {
      state = State.CHUNK_DATA_END;
    }
    return from + length;
  }

  private int readChunkDataEnd(byte[] bytes, int from, int end) {
    // Consumes the CRLF after a chunk's data, which may arrive split across reads.
    byte b = bytes[from];
    if (b == '\r') {
      return from + 1;
    }
    if (b == '\n') {
      state = State.CHUNK_SIZE;
      return from + 1;
    }
    throw new IllegalStateException("a chunk's data is not followed by CRLF (found byte " + (b & 0xff) + ")");
  }

  private int readIdentity(byte[] bytes, int from, int end) {
    int length = end - from;
    if (remaining >= 0) {
      length = (int) Math.min(remaining, length);
      remaining -= length;
      if (remaining == 0) {
        state = State.DONE;
      }
    }
    body.feed(bytes, from, length);
    return from + length;
  }
}
