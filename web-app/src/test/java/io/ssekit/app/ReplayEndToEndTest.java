package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ssekit.core.testing.SseSocketClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reconnects with {@code Last-Event-ID} against a replay log of ten events, after fifteen were
 * published: the log retains events 5 to 14 (counting from 0), and event 4 is the last evicted.
 */
class ReplayEndToEndTest {

  private static final int REPLAY_BUFFER_SIZE = 10;

  private static final int PUBLISHED = 15;

  private static final String RETRY = "retry: 3000\n\n";

  private static final Duration WAIT = Duration.ofSeconds(5);

  private LiveServer server;
  private final List<String> ids = new ArrayList<>();

  @BeforeEach
  void startServerAndPublish() throws Exception {
    server = startServer();
    for (int i = 0; i < PUBLISHED; i++) {
      ids.add(server.publish(LiveServer.videoStatus("video-1", i)));
    }
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void idInsideWindowReplaysLaterEventsThenLive() throws Exception {
    try (SseSocketClient client = connect(ids.get(9))) {
      awaitBody(client, RETRY + frames(10, PUBLISHED));

      String live = server.publish(LiveServer.videoStatus("video-1", 15));

      awaitBody(client, RETRY + frames(10, PUBLISHED) + LiveServer.videoStatusFrame(live, "video-1", 15));
    }
  }

  @Test
  void oldestRetainedIdReplaysTheRest() throws Exception {
    try (SseSocketClient client = connect(ids.get(5))) {
      awaitBody(client, RETRY + frames(6, PUBLISHED));

      String live = server.publish(LiveServer.videoStatus("video-1", 15));

      awaitBody(client, RETRY + frames(6, PUBLISHED) + LiveServer.videoStatusFrame(live, "video-1", 15));
    }
  }

  @Test
  void lastEvictedIdReplaysWholeLog() throws Exception {
    try (SseSocketClient client = connect(ids.get(4))) {
      awaitBody(client, RETRY + frames(5, PUBLISHED));

      String live = server.publish(LiveServer.videoStatus("video-1", 15));

      awaitBody(client, RETRY + frames(5, PUBLISHED) + LiveServer.videoStatusFrame(live, "video-1", 15));
    }
  }

  @Test
  void latestIdReplaysNothingThenLive() throws Exception {
    try (SseSocketClient client = connect(ids.get(PUBLISHED - 1))) {
      awaitBody(client, RETRY);

      String live = server.publish(LiveServer.videoStatus("video-1", 15));

      awaitBody(client, RETRY + LiveServer.videoStatusFrame(live, "video-1", 15));
    }
  }

  @Test
  void idBeforeLastEvictedGetsReset() throws Exception {
    assertResetThenLive(server, ids.get(3), ids.get(PUBLISHED - 1));
  }

  @Test
  void idNewerThanLatestGetsReset() throws Exception {
    assertResetThenLive(server, "99999999999999-0", ids.get(PUBLISHED - 1));
  }

  @Test
  void idBetweenRetainedIdsGetsReset() throws Exception {
    String neverIssued = idBetweenRetainedIds();

    assertResetThenLive(server, neverIssued, ids.get(PUBLISHED - 1));
  }

  @Test
  void malformedIdGetsReset() throws Exception {
    assertResetThenLive(server, "not-an-id", ids.get(PUBLISHED - 1));
  }

  @Test
  void idFromPreviousServerStartGetsReset() throws Exception {
    String oldId = ids.get(PUBLISHED - 1);
    server.close();
    server = startServer();
    String first = server.publish(LiveServer.videoStatus("video-1", 50));
    String latest = server.publish(LiveServer.videoStatus("video-1", 51));

    assertThat(List.of(first, latest)).doesNotContain(oldId);
    assertResetThenLive(server, oldId, latest);
  }

  @Test
  void resetOnServerWithoutEventsClearsId() throws Exception {
    String oldId = ids.get(PUBLISHED - 1);
    server.close();
    server = startServer();

    try (SseSocketClient client = connect(oldId)) {
      String reset = resetFrame("", oldId);
      await().atMost(WAIT).untilAsserted(() -> assertThat(client.bodyText()).matches(Pattern.quote(RETRY) + reset));

      String live = server.publish(LiveServer.videoStatus("video-1", 0));

      await().atMost(WAIT).untilAsserted(() -> assertThat(client.bodyText())
          .matches(Pattern.quote(RETRY) + reset + Pattern.quote(LiveServer.videoStatusFrame(live, "video-1", 0))));
      assertThat(client.events("stream.reset")).singleElement()
          .satisfies(event -> assertThat(event.lastEventId()).isEmpty());
    }
  }

  @Test
  void queryParameterStandsInForHeader() throws Exception {
    String query = "?last_event_id=" + URLEncoder.encode(ids.get(9), StandardCharsets.UTF_8);
    try (SseSocketClient client = SseSocketClient.open(server.port(), LiveServer.STREAM + query)) {
      awaitBody(client, RETRY + frames(10, PUBLISHED));
    }
  }

  @Test
  void headerWinsOverQueryParameter() throws Exception {
    String query = "?last_event_id=" + URLEncoder.encode(ids.get(5), StandardCharsets.UTF_8);
    try (SseSocketClient client = SseSocketClient.open(
        server.port(), LiveServer.STREAM + query, Map.of("Last-Event-ID", ids.get(12)))) {
      awaitBody(client, RETRY + frames(13, PUBLISHED));
    }
  }

  /**
   * Connects with {@code lastEventId} and expects the retry hint, a reset that moves the client
   * to {@code latestId}, and then the next published event without gap.
   */
  private static void assertResetThenLive(LiveServer target, String lastEventId, String latestId)
      throws Exception {
    try (SseSocketClient client =
        SseSocketClient.open(target.port(), LiveServer.STREAM, Map.of("Last-Event-ID", lastEventId))) {
      String reset = resetFrame(latestId, lastEventId);
      await().atMost(WAIT).untilAsserted(() -> assertThat(client.bodyText()).matches(Pattern.quote(RETRY) + reset));

      String live = target.publish(LiveServer.videoStatus("video-1", 99));

      await().atMost(WAIT).untilAsserted(() -> assertThat(client.bodyText())
          .matches(Pattern.quote(RETRY) + reset + Pattern.quote(LiveServer.videoStatusFrame(live, "video-1", 99))));
      assertThat(client.events("stream.reset")).singleElement()
          .satisfies(event -> assertThat(event.lastEventId()).isEqualTo(latestId));
    }
  }

  /** Returns an id after one retained id and before the next, which the bus never issued. */
  private String idBetweenRetainedIds() {
    for (int i = PUBLISHED - REPLAY_BUFFER_SIZE; i < PUBLISHED - 1; i++) {
      long millis = Long.parseLong(ids.get(i).split("-")[0]);
      long nextMillis = Long.parseLong(ids.get(i + 1).split("-")[0]);
      if (nextMillis > millis) {
        return millis + "-999999";
      }
    }
    throw new AssertionError("all retained ids share one millisecond: " + ids);
  }

  /** Returns a pattern of the exact {@code stream.reset} frame; only the timestamp varies. */
  private static String resetFrame(String latestId, String lastEventId) {
    return Pattern.quote("id: " + latestId + "\n"
        + "event: stream.reset\n"
        + "data: {\"type\":\"stream.reset\",\"timestamp\":\"")
        + "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"
        + Pattern.quote("\",\"reason\":\"last_event_id_unknown\",\"last_event_id\":\"" + lastEventId
            + "\"}\n\n");
  }

  private String frames(int fromIndex, int toIndexExclusive) {
    StringBuilder text = new StringBuilder();
    for (int i = fromIndex; i < toIndexExclusive; i++) {
      text.append(LiveServer.videoStatusFrame(ids.get(i), "video-1", i));
    }
    return text.toString();
  }

  private SseSocketClient connect(String lastEventId) throws Exception {
    return SseSocketClient.open(server.port(), LiveServer.STREAM, Map.of("Last-Event-ID", lastEventId));
  }

  private static void awaitBody(SseSocketClient client, String expected) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(client.bodyText()).isEqualTo(expected));
  }

  private static LiveServer startServer() throws Exception {
    // Heartbeats would come between the frames whose exact text these tests compare.
    return LiveServer.start(Map.of(
        "REPLAY_BUFFER_SIZE", String.valueOf(REPLAY_BUFFER_SIZE),
        "HEARTBEAT_INTERVAL", "3600"));
  }
}
