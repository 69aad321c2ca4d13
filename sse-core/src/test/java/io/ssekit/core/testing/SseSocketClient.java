package io.ssekit.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An event stream client on a plain socket, for tests against real servers.
 *
 * <p>It sends one HTTP/1.1 GET, reads the status line and headers, then decodes the chunked
 * body on a daemon thread, keeping both the raw body text and the events that
 * {@link EventStreamParser} reads from it. {@link #abort()} resets the connection the way a
 * crashed client does. Safe for one test thread plus the reader thread.
 */
public final class SseSocketClient implements AutoCloseable {

  private final Socket socket;
  private final int status;
  private final Map<String, String> headers;
  private final EventStreamParser parser = new EventStreamParser();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private final List<ParsedEvent> events = new ArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final AtomicBoolean readerStarted = new AtomicBoolean();
  private final InputStream in;
  private volatile boolean endOfStream;
  private volatile boolean lastChunkReceived;

  private SseSocketClient(Socket socket, InputStream in, int status, Map<String, String> headers) {
    this.socket = socket;
    this.in = in;
    this.status = status;
    this.headers = headers;
  }

  /**
   * Connects to {@code 127.0.0.1:port}, sends {@code GET pathAndQuery} with the extra headers
   * and returns once the response headers are read.
   */
  public static SseSocketClient open(int port, String pathAndQuery, Map<String, String> extraHeaders)
      throws IOException {
    SseSocketClient client = connect(port, pathAndQuery, extraHeaders, new Socket());
    client.resume();
    return client;
  }

  /** Opens {@code pathAndQuery} with no extra headers. */
  public static SseSocketClient open(int port, String pathAndQuery) throws IOException {
    return open(port, pathAndQuery, Map.of());
  }

  /**
   * Opens {@code pathAndQuery} as {@link #open(int, String)} does, with a receive buffer of 4 KiB,
   * but reads no body until {@link #resume()}: the server's writes fill the socket and then wait.
   */
  public static SseSocketClient openPaused(int port, String pathAndQuery) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    return connect(port, pathAndQuery, Map.of(), socket);
  }

  /** Starts reading the body of a client from {@link #openPaused}; a second call does nothing. */
  public void resume() {
    if (readerStarted.compareAndSet(false, true)) {
      Thread reader = new Thread(this::readBody, "sse-test-client");
      reader.setDaemon(true);
      reader.start();
    }
  }

  private static SseSocketClient connect(
      int port, String pathAndQuery, Map<String, String> extraHeaders, Socket socket) throws IOException {
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(30_000);
    StringBuilder request = new StringBuilder();
    request.append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n");
    request.append("Host: 127.0.0.1:").append(port).append("\r\n");
    request.append("Accept: text/event-stream\r\n");
    extraHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    request.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    String statusLine = readLine(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return new SseSocketClient(socket, in, status, headers);
  }

  public int status() {
    return status;
  }

  /** Returns a response header by its name in any case, or null. */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** Returns the decoded body received so far, as UTF-8 text. */
  public String bodyText() {
    synchronized (body) {
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  /** Returns a copy of the events parsed so far. */
  public List<ParsedEvent> events() {
    synchronized (body) {
      return List.copyOf(events);
    }
  }

  /** Returns the events of type {@code type} parsed so far. */
  public List<ParsedEvent> events(String type) {
    return events().stream().filter(event -> event.type().equals(type)).toList();
  }

  /** Returns whether the server ended the response (or the connection broke). */
  public boolean isEnded() {
    return endOfStream;
  }

  /**
   * Returns whether the response ended cleanly with the last (zero-size) chunk, as opposed to
   * a connection that broke or closed in the middle of the body.
   */
  public boolean endedCleanly() {
    return lastChunkReceived;
  }

  /** Waits up to {@code timeout} for the response to end; returns whether it did. */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Resets the connection without a FIN, as a crashed client or a pulled cable would. */
  public void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private void readBody() {
    try {
      while (true) {
        String sizeLine = readLine(in);
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
          lastChunkReceived = true;
          break;
        }
        byte[] chunk = in.readNBytes(size);
        if (chunk.length < size) {
          break;
        }
        // Recorded before the chunk's closing CRLF is read: Jetty sends that CRLF together
        // with the next chunk, so waiting for it would hold this chunk back until then.
        synchronized (body) {
          body.write(chunk);
          events.addAll(parser.feed(chunk));
        }
        readLine(in);
      }
    } catch (IOException | RuntimeException e) {
      // The socket closed or broke: the stream has ended either way.
    } finally {
      endOfStream = true;
      ended.countDown();
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int next = in.read();
      if (next < 0) {
        throw new IOException("connection closed in the middle of a line");
      }
      if (previous == '\r' && next == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      line.write(next);
      previous = next;
    }
  }
}
