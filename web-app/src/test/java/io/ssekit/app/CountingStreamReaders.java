package io.ssekit.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Many event streams read by one thread with a {@link Selector}, for tests that need more
 * connections than threads.
 *
 * <p>Each connection checks its events as the bytes arrive and keeps only counters, so its
 * memory stays the same however many events pass: every event of the watched type must carry
 * the next {@code "seq"} number, counting from 0, and an id greater than the one before. The
 * first violation is recorded as a failure and the connection stops counting.
 *
 * <p>The decoder reads what this project's server sends: an HTTP/1.1 response with a chunked
 * body whose event stream lines end with LF. It is not a general SSE client; the exact parsing
 * rules are covered by {@code EventStreamParser}.
 *
 * <p>The counters are safe to read from any thread while the reader thread runs.
 */
final class CountingStreamReaders implements AutoCloseable {

  private static final int READ_BUFFER_BYTES = 64 * 1024;

  private final Selector selector;
  private final List<Connection> connections;
  private final Thread reader;
  private volatile boolean running = true;

  private CountingStreamReaders(Selector selector, List<Connection> connections) {
    this.selector = selector;
    this.connections = connections;
    this.reader = new Thread(this::readLoop, "counting-stream-reader");
    reader.setDaemon(true);
  }

  /**
   * Opens {@code count} streams of {@code GET pathAndQuery} on {@code 127.0.0.1:port} and
   * starts reading them; events of {@code eventType} are checked and counted.
   */
  static CountingStreamReaders open(int port, String pathAndQuery, int count, String eventType)
      throws IOException {
    Selector selector = Selector.open();
    List<Connection> connections = new ArrayList<>(count);
    byte[] request = ("GET " + pathAndQuery + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < count; i++) {
      SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      channel.write(ByteBuffer.wrap(request));
      channel.configureBlocking(false);
      Connection connection = new Connection(i, eventType.getBytes(StandardCharsets.US_ASCII));
      channel.register(selector, SelectionKey.OP_READ, connection);
      connections.add(connection);
    }
    CountingStreamReaders readers = new CountingStreamReaders(selector, connections);
    readers.reader.start();
    return readers;
  }

  /** Returns the smallest number of checked events over all connections. */
  int minEventCount() {
    int min = Integer.MAX_VALUE;
    for (Connection connection : connections) {
      min = Math.min(min, connection.eventCount);
    }
    return min;
  }

  /** Returns the number of checked events on each connection, in the order they opened. */
  List<Integer> eventCounts() {
    return connections.stream().map(connection -> connection.eventCount).toList();
  }

  /** Returns the first failure of every connection that had one. */
  List<String> failures() {
    List<String> failures = new ArrayList<>();
    for (Connection connection : connections) {
      String failure = connection.failure;
      if (failure != null) {
        failures.add("connection " + connection.index + ": " + failure);
      }
    }
    return failures;
  }

  /** Returns how many connections the server has ended or that broke. */
  int endedConnections() {
    int ended = 0;
    for (Connection connection : connections) {
      if (connection.ended) {
        ended++;
      }
    }
    return ended;
  }

  @Override
  public void close() throws IOException {
    running = false;
    selector.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey key : selector.keys()) {
      key.channel().close();
    }
    selector.close();
  }

  private void readLoop() {
    ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
    try {
      while (running) {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          readAvailable(key, buffer);
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      for (Connection connection : connections) {
        connection.fail("reader thread failed: " + e);
      }
    }
  }

  private static void readAvailable(SelectionKey key, ByteBuffer buffer) {
    SocketChannel channel = (SocketChannel) key.channel();
    Connection connection = (Connection) key.attachment();
    try {
      while (true) {
        buffer.clear();
        int read = channel.read(buffer);
        if (read == 0) {
          return;
        }
        if (read < 0) {
          connection.ended = true;
          key.cancel();
          return;
        }
        connection.accept(buffer.array(), read);
      }
    } catch (IOException e) {
      connection.ended = true;
      key.cancel();
    }
  }

  /** The decoding state of one connection; written by the reader thread only. */
  private static final class Connection {

    private enum Phase {
      HEADERS,
      CHUNK_SIZE,
      CHUNK_DATA,
      CHUNK_END,
      DONE
    }

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final byte[] ID_FIELD = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_FIELD = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_FIELD = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ_KEY = "\"seq\":".getBytes(StandardCharsets.US_ASCII);

    private final int index;
    private final byte[] watchedType;

    // Read by the test thread.
    private volatile int eventCount;
    private volatile boolean ended;
    private volatile @Nullable String failure;

    private Phase phase = Phase.HEADERS;
    private final StringBuilder headers = new StringBuilder();
    private int headerEndMatched;
    private long chunkRemaining;
    private long chunkSize;
    private boolean chunkSizeDone;
    private int chunkEndRemaining;

    private byte[] line = new byte[4096];
    private int lineLength;

    // The event being read, reset by each blank line.
    private boolean typeMatches;
    private long seq = -1;
    private long idMillis = -1;
    private long idSequence = -1;

    // The last checked event.
    private long lastIdMillis = -1;
    private long lastIdSequence = -1;

    Connection(int index, byte[] watchedType) {
      this.index = index;
      this.watchedType = watchedType;
    }

    void accept(byte[] bytes, int length) {
      int offset = 0;
      while (offset < length && phase != Phase.DONE) {
        offset = switch (phase) {
          case HEADERS -> readHeaders(bytes, offset, length);
          case CHUNK_SIZE -> readChunkSize(bytes, offset, length);
          case CHUNK_DATA -> readChunkData(bytes, offset, length);
          case CHUNK_END -> skipChunkEnd(offset, length);
          case DONE -> length;
        };
      }
    }

    void fail(String message) {
      if (failure == null) {
        failure = message;
      }
    }

    private int readHeaders(byte[] bytes, int offset, int length) {
      int i = offset;
      while (i < length) {
        byte b = bytes[i++];
        headers.append((char) b);
        headerEndMatched = b == HEADER_END[headerEndMatched] ? headerEndMatched + 1 : (b == '\r' ? 1 : 0);
        if (headerEndMatched == HEADER_END.length) {
          checkHeaders();
          phase = Phase.CHUNK_SIZE;
          break;
        }
      }
      return i;
    }

    private void checkHeaders() {
      String text = headers.toString();
      if (!text.startsWith("HTTP/1.1 200 ")) {
        fail("status line is " + text.lines().findFirst().orElse("") + " (expected: HTTP/1.1 200)");
      }
      if (!text.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        fail("the response is not chunked; this reader decodes chunked bodies only");
      }
    }

    private int readChunkSize(byte[] bytes, int offset, int length) {
      int i = offset;
      while (i < length) {
        byte b = bytes[i++];
        if (b == '\n') {
          if (chunkSize == 0) {
            phase = Phase.DONE;
            ended = true;
            return length;
          }
          chunkRemaining = chunkSize;
          chunkSize = 0;
          chunkSizeDone = false;
          phase = Phase.CHUNK_DATA;
          return i;
        }
        int digit = Character.digit(b, 16);
        if (b == ';' || b == '\r' || digit < 0) {
          // Chunk extensions and the CR before the LF end the size.
          chunkSizeDone = true;
        } else if (!chunkSizeDone) {
          chunkSize = chunkSize * 16 + digit;
        }
      }
      return i;
    }

    private int readChunkData(byte[] bytes, int offset, int length) {
      int end = (int) Math.min(length, offset + chunkRemaining);
      for (int i = offset; i < end; i++) {
        acceptBodyByte(bytes[i]);
      }
      chunkRemaining -= end - offset;
      if (chunkRemaining == 0) {
        phase = Phase.CHUNK_END;
        chunkEndRemaining = 2;
      }
      return end;
    }

    private int skipChunkEnd(int offset, int length) {
      int skipped = Math.min(chunkEndRemaining, length - offset);
      chunkEndRemaining -= skipped;
      if (chunkEndRemaining == 0) {
        phase = Phase.CHUNK_SIZE;
      }
      return offset + skipped;
    }

    private void acceptBodyByte(byte b) {
      if (b != '\n') {
        if (lineLength == line.length) {
          line = Arrays.copyOf(line, line.length * 2);
        }
        line[lineLength++] = b;
        return;
      }
      if (lineLength == 0) {
        dispatch();
      } else {
        processLine();
      }
      lineLength = 0;
    }

    private void processLine() {
      if (startsWith(ID_FIELD)) {
        parseId(ID_FIELD.length);
      } else if (startsWith(EVENT_FIELD)) {
        typeMatches = lineLength - EVENT_FIELD.length == watchedType.length
            && Arrays.equals(line, EVENT_FIELD.length, lineLength, watchedType, 0, watchedType.length);
      } else if (startsWith(DATA_FIELD)) {
        seq = parseSeq();
      }
    }

    private void dispatch() {
      if (typeMatches && failure == null) {
        check();
      }
      typeMatches = false;
      seq = -1;
      idMillis = -1;
      idSequence = -1;
    }

    private void check() {
      int expectedSeq = eventCount;
      if (seq != expectedSeq) {
        fail("event " + expectedSeq + " has seq " + seq + " (expected: " + expectedSeq
            + "; a gap, duplicate or reordering)");
        return;
      }
      boolean idIncreases = idMillis > lastIdMillis
          || (idMillis == lastIdMillis && idSequence > lastIdSequence);
      if (idMillis < 0 || !idIncreases) {
        fail("event " + expectedSeq + " has id " + idMillis + "-" + idSequence
            + " (expected: greater than " + lastIdMillis + "-" + lastIdSequence + ")");
        return;
      }
      lastIdMillis = idMillis;
      lastIdSequence = idSequence;
      eventCount = expectedSeq + 1;
    }

    private boolean startsWith(byte[] prefix) {
      return lineLength >= prefix.length
          && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }

    private void parseId(int start) {
      long millis = 0;
      int i = start;
      while (i < lineLength && line[i] != '-') {
        millis = millis * 10 + (line[i++] - '0');
      }
      long sequence = 0;
      for (i++; i < lineLength; i++) {
        sequence = sequence * 10 + (line[i] - '0');
      }
      idMillis = millis;
      idSequence = sequence;
    }

    private long parseSeq() {
      int keyAt = indexOf(SEQ_KEY);
      if (keyAt < 0) {
        return -1;
      }
      long value = 0;
      for (int i = keyAt + SEQ_KEY.length; i < lineLength && line[i] >= '0' && line[i] <= '9'; i++) {
        value = value * 10 + (line[i] - '0');
      }
      return value;
    }

    private int indexOf(byte[] needle) {
      outer:
      for (int i = 0; i <= lineLength - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (line[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }
}
