package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.ssekit.core.EventId;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.redis.testing.RedisServerProcess;
import io.ssekit.redis.testing.TestRedis;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Two nodes on a {@code redis-server} of the test's own, which the test stops by its PID for a
 * few seconds and starts again on the same port without persistence, so the restarted Redis
 * has lost the stream. The nodes must recover by themselves, respond 503 to publishers during
 * the outage, keep their streams open with heartbeats, and deliver what is accepted after the
 * restart to the clients that stayed connected; replay after an id from before the restart is
 * a {@code stream.reset}, because the new stream does not know that id.
 */
class RedisOutageTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private static final String READER_LOGGER = "io.ssekit.redis.StreamReader";

  private final List<SseSocketClient> clients = new ArrayList<>();
  private final ListAppender<ILoggingEvent> readerLog = new ListAppender<>();
  private RedisServerProcess redisServer;
  private RedisNodes nodes;

  @BeforeEach
  void startRedisAndNodes(@TempDir Path workDirectory) throws Exception {
    redisServer = RedisServerProcess.start(workDirectory);
    nodes = RedisNodes.start(2, redisServer.url(), TestRedis.KEY_PREFIX + "outage");
    readerLog.start();
    ((Logger) LoggerFactory.getLogger(READER_LOGGER)).addAppender(readerLog);
  }

  @AfterEach
  void stopAll() throws Exception {
    ((Logger) LoggerFactory.getLogger(READER_LOGGER)).detachAppender(readerLog);
    for (SseSocketClient client : clients) {
      client.close();
    }
    try {
      nodes.close();
    } finally {
      redisServer.close();
    }
  }

  @Test
  void nodesRecoverAfterRedisRestart() throws Exception {
    SseSocketClient onFirst = track(nodes.openStream(0, ""));
    SseSocketClient onSecond = track(nodes.openStream(1, ""));
    await().atMost(WAIT).until(() -> nodes.connectedClients(0) == 1 && nodes.connectedClients(1) == 1);
    List<String> accepted = new ArrayList<>(nodes.publish(0, List.of(
        RedisNodes.videoStatus("abc", 10), RedisNodes.videoStatus("abc", 20))));
    awaitVideoStatusIds(accepted, onFirst, onSecond);

    redisServer.stop();

    for (int node = 0; node < 2; node++) {
      int index = node;
      await().atMost(WAIT).until(() -> nodes.health(index).statusCode() == 503);
      JsonNode report = nodes.healthReport(node);
      assertThat(report.get("event_bus").asText()).isEqualTo("unavailable");
      assertThat(report.get("status").asText()).isEqualTo("unhealthy");
    }
    HttpResponse<String> rejected = nodes.publishRaw(1, List.of(RedisNodes.videoStatus("abc", 30)));
    assertThat(rejected.statusCode()).isEqualTo(503);
    assertThat(rejected.headers().firstValue("Retry-After")).contains("1");
    assertThat(EventJson.mapper().readTree(rejected.body()).get("detail").asText())
        .startsWith("the event bus is unavailable: cannot publish to Redis at " + redisServer.url())
        .endsWith("retry later with the same idempotency keys, which publish each event at most once");
    // The streams stay open through the outage: heartbeats keep arriving, about 2 s' worth.
    int heartbeatsAtStop = onFirst.events("heartbeat").size();
    await().atMost(WAIT).until(() -> onFirst.events("heartbeat").size() >= heartbeatsAtStop + 10);
    assertThat(onFirst.isEnded()).isFalse();
    assertThat(onSecond.isEnded()).isFalse();
    assertThat(nodes.connectedClients(0)).isEqualTo(1);

    redisServer.restart();

    for (int node = 0; node < 2; node++) {
      int index = node;
      await().atMost(WAIT).until(() -> nodes.health(index).statusCode() == 200);
    }
    List<String> afterRestart = nodes.publish(1, List.of(
        RedisNodes.videoStatus("abc", 40), RedisNodes.videoStatus("abc", 50)));
    accepted.addAll(afterRestart);
    accepted.addAll(nodes.publish(0, List.of(RedisNodes.videoStatus("abc", 60))));
    awaitVideoStatusIds(accepted, onFirst, onSecond);
    assertThat(EventId.parse(afterRestart.get(0))).isGreaterThan(EventId.parse(accepted.get(1)));
    try (TestRedis restarted = TestRedis.connect(redisServer.url())) {
      // Only what was accepted after the restart is in the new stream; the 503 added nothing.
      assertThat(restarted.commands().xlen(TestRedis.KEY_PREFIX + "outage")).isEqualTo(3);
    }
    assertThat(warnings("Cannot read stream")).as("one outage warning per node").hasSize(2);
    assertThat(infos("again after an outage")).as("one recovery message per node").hasSize(2);

    SseSocketClient fromBeforeOutage = track(nodes.openStream(1, accepted.get(1)));
    SseSocketClient fromAfterOutage = track(nodes.openStream(0, afterRestart.get(0)));
    await().atMost(WAIT).until(() -> !fromBeforeOutage.events("stream.reset").isEmpty());
    assertThat(fromBeforeOutage.events("stream.reset").get(0).lastEventId()).isEqualTo(accepted.get(4));
    await().atMost(WAIT).until(() -> RedisNodes.videoStatusIds(fromAfterOutage).size() >= 2);
    assertThat(RedisNodes.videoStatusIds(fromAfterOutage)).containsExactlyElementsOf(accepted.subList(3, 5));
    assertThat(fromAfterOutage.events("stream.reset")).isEmpty();
  }

  private static void awaitVideoStatusIds(List<String> expected, SseSocketClient... streams) {
    for (SseSocketClient stream : streams) {
      await().atMost(WAIT).until(() -> RedisNodes.videoStatusIds(stream).size() >= expected.size());
      assertThat(RedisNodes.videoStatusIds(stream)).containsExactlyElementsOf(expected);
    }
  }

  private List<String> warnings(String text) {
    return messages(Level.WARN, text);
  }

  private List<String> infos(String text) {
    return messages(Level.INFO, text);
  }

  private List<String> messages(Level level, String text) {
    return readerLog.list.stream()
        .filter(event -> event.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(message -> message.contains(text))
        .toList();
  }

  private SseSocketClient track(SseSocketClient client) {
    clients.add(client);
    return client;
  }
}
