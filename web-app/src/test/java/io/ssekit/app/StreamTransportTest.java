package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.app.ServerConfig.StreamTransport;
import io.ssekit.core.testing.SseSocketClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code STREAM_TRANSPORT}: both ways of writing streams give clients the same bytes. */
class StreamTransportTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void jettyIsDefaultServletSelectable() {
    assertThat(ServerConfig.fromSources(Map.of(), List.of()).streamTransport()).isEqualTo(StreamTransport.JETTY);
    ServerConfig byVariable = ServerConfig.fromSources(Map.of("STREAM_TRANSPORT", "servlet"), List.of());
    assertThat(byVariable.streamTransport()).isEqualTo(StreamTransport.SERVLET);
    assertThat(byVariable.describe()).contains("stream_transport=servlet");
    ServerConfig byFlag = ServerConfig.fromSources(
        Map.of("STREAM_TRANSPORT", "servlet"), List.of("--stream-transport=JETTY"));
    assertThat(byFlag.streamTransport()).isEqualTo(StreamTransport.JETTY);
  }

  @Test
  void unknownTransportIsRejected() {
    assertThatThrownBy(() -> ServerConfig.fromSources(Map.of("STREAM_TRANSPORT", "netty"), List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("STREAM_TRANSPORT=\"netty\" is invalid (expected: jetty or servlet)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"jetty", "servlet"})
  void headRequestOpensNoStream(String transport) throws Exception {
    try (LiveServer server = LiveServer.start(Map.of("STREAM_TRANSPORT", transport))) {
      HttpRequest head = HttpRequest.newBuilder(URI.create(server.baseUrl() + LiveServer.STREAM))
          .method("HEAD", HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(5))
          .build();

      HttpResponse<Void> response = http.send(head, HttpResponse.BodyHandlers.discarding());
      HttpRequest badHead = HttpRequest.newBuilder(URI.create(server.baseUrl() + LiveServer.STREAM + "?compact=maybe"))
          .method("HEAD", HttpRequest.BodyPublishers.noBody())
          .timeout(Duration.ofSeconds(5))
          .build();
      HttpResponse<Void> rejected = http.send(badHead, HttpResponse.BodyHandlers.discarding());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
      assertThat(rejected.statusCode()).isEqualTo(400);
      assertThat(server.connectedClients()).isZero();
      assertThat(server.server().broker().connectedClients()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"jetty", "servlet"})
  void bothTransportsSendSameFrames(String transport) throws Exception {
    LiveServer server = LiveServer.start(Map.of(
        "STREAM_TRANSPORT", transport, "RETRY_MS", "2500", "SHUTDOWN_GRACE", "5"));
    try (SseSocketClient client = SseSocketClient.open(server.port(), LiveServer.STREAM)) {
      await().until(() -> server.connectedClients() == 1);
      List<ObjectNode> batch = new ArrayList<>();
      for (int progress = 0; progress < 100; progress++) {
        batch.add(LiveServer.videoStatus("v-" + transport, progress));
      }
      List<String> ids = server.publishBatch(batch);

      StringBuilder expected = new StringBuilder("retry: 2500\n\n");
      for (int progress = 0; progress < 100; progress++) {
        expected.append(LiveServer.videoStatusFrame(ids.get(progress), "v-" + transport, progress));
      }
      await().until(() -> client.bodyText().length() >= expected.length());
      assertThat(client.bodyText()).isEqualTo(expected.toString());

      server.close();
      assertThat(client.awaitEnd(Duration.ofSeconds(10))).isTrue();
      assertThat(client.endedCleanly()).isTrue();
      assertThat(client.bodyText()).isEqualTo(expected + "retry: 2500\n\n");
    } finally {
      server.close();
    }
  }
}
