package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.CloseReason;
import io.ssekit.core.EventId;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.EventStreamParser;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks over real sockets that a client that reads slowly gets the newest progress of each
 * video instead of being cut, while a client that keeps up gets every event.
 */
class ConflationEndToEndTest {

  private static final int VIDEOS = 50;
  private static final int UPDATES = 10_000;
  private static final int BATCH = 100;

  private LiveServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = LiveServer.start(Map.of("REPLAY_BUFFER_SIZE", "20000"));
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void slowClientGetsLatestStatusOfEveryVideo() throws Exception {
    try (SseSocketClient normal = SseSocketClient.open(server.port(), LiveServer.STREAM);
        SlowReader slow = SlowReader.open(server.port())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> server.connectedClients() == 2);

      List<String> published = publishUpdates(normal);
      slow.readAtFullSpeed();

      Map<String, ObjectNode> lastPerVideo = lastUpdatePerVideo();
      await().atMost(Duration.ofSeconds(60))
          .until(() -> slow.latestProgressPerVideo().equals(progressOf(lastPerVideo)));
      List<ParsedEvent> slowEvents = slow.events();
      assertThat(slowEvents.size()).isLessThan(UPDATES / 2);
      assertThat(slow.isEnded()).isFalse();
      assertThat(server.server().broker().closedStreams(CloseReason.SLOW_CLIENT)).isZero();
      assertProgressNeverGoesBack(slowEvents);
      assertIdsIncrease(slowEvents);
      assertThat(normal.events("video.status")).extracting(ParsedEvent::lastEventId)
          .containsExactlyElementsOf(published);
    }
  }

  @Test
  void compactReplaySendsNewestEventPerVideo() throws Exception {
    String before = server.publish(LiveServer.videoStatus("setup", 0));
    List<ObjectNode> burst = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      burst.add(LiveServer.videoStatus("video-" + (i % 10), i / 4));
      if (i % 100 == 0) {
        ObjectNode note = EventJson.mapper().createObjectNode();
        note.put("type", "note.added");
        note.put("n", i);
        burst.add(note);
      }
    }
    List<String> ids = server.publishBatch(burst);
    List<String> expected = new ArrayList<>();
    Map<String, String> newestPerVideo = new HashMap<>();
    for (int i = 0; i < burst.size(); i++) {
      JsonNode event = burst.get(i);
      if (event.has("video_id")) {
        newestPerVideo.put(event.get("video_id").asText(), ids.get(i));
      } else {
        expected.add(ids.get(i));
      }
    }
    expected.addAll(newestPerVideo.values());
    expected.sort((a, b) -> EventId.parse(a).compareTo(EventId.parse(b)));

    try (SseSocketClient client = SseSocketClient.open(
        server.port(), LiveServer.STREAM + "?compact=true", Map.of("Last-Event-ID", before))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> client.events().size() >= expected.size());

      assertThat(client.events()).extracting(ParsedEvent::lastEventId)
          .containsExactlyElementsOf(expected);
    }
  }

  @Test
  void compactWithOtherValueIsRejected() throws Exception {
    var response = server.get(LiveServer.STREAM + "?compact=yes");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"field\":\"compact\"");
  }

  /**
   * Publishes the updates in batches below the conflation threshold and waits after each batch
   * until the normal client has it, so that only the slow client falls behind.
   */
  private List<String> publishUpdates(SseSocketClient normal) throws Exception {
    List<String> published = new ArrayList<>();
    for (int start = 0; start < UPDATES; start += BATCH) {
      List<ObjectNode> batch = new ArrayList<>();
      for (int i = start; i < start + BATCH; i++) {
        batch.add(update(i));
      }
      published.addAll(server.publishBatch(batch));
      int expected = published.size();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> normal.events("video.status").size() >= expected);
    }
    return published;
  }

  /**
   * Returns update {@code i}: videos take turns, and each video's progress only rises. The
   * message pads the events to about 10 MB in all, more than the kernel's socket buffers take,
   * so the server's queue for the slow client has to fill.
   */
  private static ObjectNode update(int i) {
    int progress = i / VIDEOS * 100 / (UPDATES / VIDEOS);
    ObjectNode event = LiveServer.videoStatus("video-" + (i % VIDEOS), progress);
    event.put("message", "x".repeat(1000));
    if (i >= UPDATES - VIDEOS) {
      event.put("status", "completed");
      event.put("progress", 100);
    }
    return event;
  }

  private static Map<String, ObjectNode> lastUpdatePerVideo() {
    Map<String, ObjectNode> last = new LinkedHashMap<>();
    for (int i = 0; i < UPDATES; i++) {
      ObjectNode event = update(i);
      last.put(event.get("video_id").asText(), event);
    }
    return last;
  }

  private static Map<String, String> progressOf(Map<String, ObjectNode> events) {
    Map<String, String> progress = new HashMap<>();
    events.forEach((video, event) ->
        progress.put(video, event.get("status").asText() + "/" + event.get("progress").asInt()));
    return progress;
  }

  private static void assertProgressNeverGoesBack(List<ParsedEvent> events) {
    Map<String, Integer> seen = new HashMap<>();
    for (ParsedEvent event : events) {
      JsonNode data = json(event.data());
      String video = data.get("video_id").asText();
      int progress = data.get("progress").asInt();
      assertThat(progress).as("progress of %s", video).isGreaterThanOrEqualTo(seen.getOrDefault(video, 0));
      seen.put(video, progress);
    }
  }

  private static void assertIdsIncrease(List<ParsedEvent> events) {
    List<EventId> ids = events.stream().map(event -> EventId.parse(event.lastEventId())).toList();
    assertThat(ids).isSortedAccordingTo(EventId::compareTo).doesNotHaveDuplicates();
  }

  private static JsonNode json(String text) {
    try {
      return EventJson.mapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A stream client that reads a few hundred bytes at a time with pauses, through a small
   * receive buffer, until {@link #readAtFullSpeed()}; so the server's queue for it fills up.
   * It parses the body itself after removing the chunked framing.
   */
  private static final class SlowReader implements AutoCloseable {

    private static final int READ_BYTES = 256;
    private static final long PAUSE_MILLIS = 20;

    private final Socket socket;
    private final EventStreamParser parser = new EventStreamParser();
    private final List<ParsedEvent> events = new CopyOnWriteArrayList<>();
    private volatile boolean ended;
    private volatile boolean slow = true;

    private SlowReader(Socket socket) {
      this.socket = socket;
    }

    static SlowReader open(int port) throws IOException {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + LiveServer.STREAM + "?types=video.status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      SlowReader reader = new SlowReader(socket);
      Thread thread = new Thread(reader::readSlowly, "slow-reader");
      thread.setDaemon(true);
      thread.start();
      return reader;
    }

    /** Stops pausing between reads, so the client catches up with what the server kept. */
    void readAtFullSpeed() {
      slow = false;
    }

    List<ParsedEvent> events() {
      return List.copyOf(events);
    }

    boolean isEnded() {
      return ended;
    }

    Map<String, String> latestProgressPerVideo() {
      Map<String, String> latest = new HashMap<>();
      for (ParsedEvent event : events) {
        JsonNode data = json(event.data());
        latest.put(data.get("video_id").asText(),
            data.get("status").asText() + "/" + data.get("progress").asInt());
      }
      return latest;
    }

    private void readSlowly() {
      byte[] buffer = new byte[READ_BYTES];
      StringBuilder head = new StringBuilder();
      boolean inBody = false;
      try {
        InputStream in = socket.getInputStream();
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
          String text = new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
          if (!inBody) {
            head.append(text);
            int end = head.indexOf("\r\n\r\n");
            if (end < 0) {
              continue;
            }
            inBody = true;
            text = head.substring(end + 4);
          }
          events.addAll(parser.feed(stripChunkHeaders(text).getBytes(StandardCharsets.ISO_8859_1)));
          if (slow) {
            // Simulates a client on a slow link; this is the behaviour under test, not a wait.
            Thread.sleep(PAUSE_MILLIS);
          }
        }
      } catch (IOException | InterruptedException e) {
        // The socket closed: the stream has ended.
      } finally {
        ended = true;
      }
    }

    private final StringBuilder pending = new StringBuilder();

    /** Removes chunked transfer framing; the events are ASCII JSON, so bytes are characters. */
    private String stripChunkHeaders(String text) {
      pending.append(text);
      StringBuilder body = new StringBuilder();
      while (true) {
        int lineEnd = pending.indexOf("\r\n");
        if (lineEnd < 0) {
          break;
        }
        if (lineEnd == 0) {
          pending.delete(0, 2);
          continue;
        }
        int size = Integer.parseInt(pending.substring(0, lineEnd).trim(), 16);
        if (pending.length() < lineEnd + 2 + size) {
          break;
        }
        body.append(pending, lineEnd + 2, lineEnd + 2 + size);
        pending.delete(0, lineEnd + 2 + size);
      }
      return body.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
