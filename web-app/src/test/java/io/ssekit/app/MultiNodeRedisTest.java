package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.redis.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Three nodes that share events through the real Redis on 127.0.0.1:6379, as behind a load
 * balancer; the tests fail without that Redis. A worker publishes to one node, and the clients
 * of every node must see the same events, once each and in the same order. That holds also for
 * the clients of a node that stops while events are being published.
 */
class MultiNodeRedisTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private final ExecutorService stopper = Executors.newSingleThreadExecutor();
  private final List<SseSocketClient> clients = new ArrayList<>();
  private TestRedis redis;
  private String streamKey;
  private RedisNodes nodes;

  @BeforeEach
  void startNodes(TestInfo test) throws Exception {
    redis = TestRedis.connect();
    streamKey = redis.uniqueStreamKey(test.getTestMethod().orElseThrow().getName());
    nodes = RedisNodes.start(3, TestRedis.DEFAULT_URL, streamKey);
  }

  @AfterEach
  void stopNodes() throws Exception {
    worker.shutdownNow();
    worker.awaitTermination(10, TimeUnit.SECONDS);
    stopper.shutdownNow();
    stopper.awaitTermination(10, TimeUnit.SECONDS);
    for (SseSocketClient client : clients) {
      client.close();
    }
    try {
      nodes.close();
    } finally {
      redis.close();
    }
  }

  @Test
  void everyClientGetsEveryEventOnceInOrder() throws Exception {
    for (int node = 0; node < 3; node++) {
      clients.add(nodes.openStream(node, ""));
      clients.add(nodes.openStream(node, ""));
    }
    for (int node = 0; node < 3; node++) {
      int index = node;
      await().atMost(WAIT).until(() -> nodes.connectedClients(index) == 2);
    }

    List<String> published = new ArrayList<>();
    for (int batch = 0; batch < 10; batch++) {
      published.addAll(nodes.publish(0, List.of(
          RedisNodes.videoStatus("video-" + batch, batch),
          RedisNodes.videoStatus("video-" + batch, batch + 50),
          RedisNodes.videoStatus("other", batch))));
    }

    assertThat(published).doesNotHaveDuplicates().hasSize(30);
    for (SseSocketClient client : clients) {
      await().atMost(WAIT).until(() -> RedisNodes.videoStatusIds(client).size() >= 30);
    }
    for (SseSocketClient client : clients) {
      assertThat(RedisNodes.videoStatusIds(client)).containsExactlyElementsOf(published);
      assertThat(client.events("stream.reset")).isEmpty();
    }
    String expectedSecondFrame = "id: " + published.get(1) + "\nevent: video.status\ndata: ";
    assertThat(clients.get(5).bodyText()).contains(expectedSecondFrame);
  }

  @Test
  void clientsOfStoppedNodeResumeOnAnotherNode() throws Exception {
    SseSocketClient onFirst = track(nodes.openStream(0, ""));
    SseSocketClient onThird = track(nodes.openStream(2, ""));
    SseSocketClient alsoOnThird = track(nodes.openStream(2, ""));
    await().atMost(WAIT).until(() -> nodes.connectedClients(0) == 1 && nodes.connectedClients(2) == 2);
    int total = 60;
    Future<List<String>> publishing = worker.submit(() -> publishOneByOne(total));

    // The third node stops while the worker keeps publishing to the first node.
    await().atMost(WAIT).until(() -> RedisNodes.videoStatusIds(onThird).size() >= 10);
    Future<?> stopping = stopper.submit(() -> nodes.stop(2));
    assertThat(onThird.awaitEnd(WAIT)).isTrue();
    assertThat(alsoOnThird.awaitEnd(WAIT)).isTrue();
    // A browser closes its side when the stream ends, which also lets the node finish stopping.
    onThird.close();
    alsoOnThird.close();
    List<String> beforeStop = RedisNodes.videoStatusIds(onThird);
    List<String> alsoBeforeStop = RedisNodes.videoStatusIds(alsoOnThird);
    SseSocketClient resumed = track(nodes.openStream(1, beforeStop.get(beforeStop.size() - 1)));
    SseSocketClient alsoResumed = track(nodes.openStream(1, alsoBeforeStop.get(alsoBeforeStop.size() - 1)));
    List<String> published = publishing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> RedisNodes.videoStatusIds(onFirst).size() >= total);
    assertThat(RedisNodes.videoStatusIds(onFirst)).containsExactlyElementsOf(published);
    assertThat(beforeStop.size()).isLessThan(total);
    assertResumesToFullSequence(beforeStop, resumed, published);
    assertResumesToFullSequence(alsoBeforeStop, alsoResumed, published);
  }

  @Test
  void retryOnOtherNodeIsPublishedOnce() throws Exception {
    SseSocketClient client = track(nodes.openStream(2, ""));
    await().atMost(WAIT).until(() -> nodes.connectedClients(2) == 1);
    ObjectNode event = RedisNodes.videoStatus("abc-123", 70);
    event.put("idempotency_key", "job-42-step-7");

    List<String> first = nodes.publish(0, List.of(event));
    // The worker did not see the first response and retries through another node.
    List<String> retried = nodes.publish(1, List.of(event.deepCopy()));
    List<String> next = nodes.publish(1, List.of(RedisNodes.videoStatus("abc-123", 80)));

    assertThat(retried).isEqualTo(first);
    await().atMost(WAIT).until(() -> RedisNodes.videoStatusIds(client).size() >= 2);
    assertThat(RedisNodes.videoStatusIds(client)).containsExactly(first.get(0), next.get(0));
    assertThat(redis.commands().xlen(streamKey)).isEqualTo(2);
  }

  @Test
  void healthReportsRedisBusAvailable() throws Exception {
    for (int node = 0; node < 3; node++) {
      assertThat(nodes.health(node).statusCode()).isEqualTo(200);
      JsonNode report = nodes.healthReport(node);
      assertThat(report.get("status").asText()).isEqualTo("healthy");
      assertThat(report.get("event_bus").asText()).isEqualTo("available");
    }
  }

  private void assertResumesToFullSequence(List<String> beforeStop, SseSocketClient resumed, List<String> published) {
    await().atMost(WAIT).until(() -> beforeStop.size() + RedisNodes.videoStatusIds(resumed).size() >= published.size());
    List<String> combined = new ArrayList<>(beforeStop);
    combined.addAll(RedisNodes.videoStatusIds(resumed));
    assertThat(combined).containsExactlyElementsOf(published);
    assertThat(resumed.events("stream.reset")).isEmpty();
  }

  private List<String> publishOneByOne(int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ObjectNode event = RedisNodes.videoStatus("abc-123", i % 101);
      ids.addAll(nodes.publish(0, List.of(event)));
      // Spreads the events over about a second, so that the stop falls in the middle.
      TimeUnit.MILLISECONDS.sleep(15);
    }
    return ids;
  }

  private SseSocketClient track(SseSocketClient client) {
    clients.add(client);
    return client;
  }
}
