package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.testing.ParsedEvent;
import io.ssekit.core.testing.SseSocketClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the runnable jar as its own process, with reading streams, a worker publishing and a
 * client that stopped reading, sends SIGTERM, and checks the shutdown from outside: the
 * process exits within {@code SHUTDOWN_GRACE}, every reading client sees the {@code retry:}
 * hint and then the end of the chunked body, and a restarted server takes the clients back.
 *
 * <p>Runs in the integration-test phase, after {@code package} built the jar; the
 * {@code ssekit.server.jar} system property names it.
 */
class GracefulShutdownIT {

  private static final Duration GRACE = Duration.ofSeconds(3);

  /**
   * Time allowed on top of the grace period for what follows the server's stop: the JVM's
   * exit and this test noticing it.
   */
  private static final Duration EXIT_MARGIN = Duration.ofMillis(1500);

  /**
   * Time allowed on top of the grace period between the server's "Stopping" and "Stopped" log
   * lines, for the steps after the streams: Jetty, the bus and the metrics. Waiting a second
   * grace period for Jetty would exceed it.
   */
  private static final Duration STOP_MARGIN = Duration.ofMillis(500);

  private static final String STREAM = "/api/v2/events/stream";

  private static final int READERS = 3;

  /**
   * Queued bytes that show the stalled client's socket is full: ten padded events. Readers
   * that keep up hold at most a heartbeat or two of about 80 bytes each.
   */
  private static final int STALLED_QUEUE_BYTES = 20_000;

  /** Most batches published to fill the stalled client's socket: about 20 MiB. */
  private static final int MAX_FILL_BATCHES = 400;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ServerProcess> processes = new ArrayList<>();
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (AutoCloseable client : clients) {
      client.close();
    }
    for (ServerProcess process : processes) {
      process.kill();
    }
  }

  @Test
  void sigtermClosesStreamsCleanlyWithinGrace() throws Exception {
    int port = LoopbackPorts.free();
    ServerProcess server = start(port);
    List<SseSocketClient> readers = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      readers.add(track(SseSocketClient.open(port, STREAM)));
    }
    track(openStalledStream(port));
    await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients(port) == READERS + 1);
    int filled = fillStalledClient(port, readers);
    for (SseSocketClient reader : readers) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !reader.events("heartbeat").isEmpty());
    }

    Worker worker = Worker.start(http, port);
    await().atMost(Duration.ofSeconds(5)).until(() -> worker.acknowledged.size() >= 5);

    long stopStart = System.nanoTime();
    server.process.destroy();
    boolean exited = server.process.waitFor(GRACE.plus(EXIT_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    Duration stopTime = Duration.ofNanos(System.nanoTime() - stopStart);
    worker.stop();

    assertThat(exited).as("exited within %s; output:%n%s", GRACE.plus(EXIT_MARGIN), server.output()).isTrue();
    assertThat(stopTime).isLessThan(GRACE.plus(EXIT_MARGIN));
    // 128 + 15: the JVM ran its shutdown hooks for SIGTERM and exited.
    assertThat(server.process.exitValue()).isEqualTo(143);
    assertThat(filled).as("events published to fill the stalled client").isPositive();
    assertThat(server.output())
        .contains("Stopping; open streams: " + (READERS + 1))
        .contains("some did not finish within 3000 ms and were cut")
        .contains("Stopped")
        // Logged at DEBUG after the stop: nothing the server started keeps the JVM alive.
        .contains("Non-daemon threads left after stop: []");
    Duration logged = Duration.between(
        logTime(server.output(), "Stopping; open streams"), logTime(server.output(), "EventServer - Stopped"));
    assertThat(logged).as("time from Stopping to Stopped in the server's log").isLessThan(GRACE.plus(STOP_MARGIN));

    for (SseSocketClient reader : readers) {
      assertThat(reader.awaitEnd(Duration.ofSeconds(5))).isTrue();
      assertThat(reader.endedCleanly()).as("terminal chunk received").isTrue();
      // The hint is the last frame: no heartbeat or event was written after it.
      assertThat(reader.bodyText()).startsWith("retry: 3000\n\n").endsWith("\n\nretry: 3000\n\n");
      List<String> received = reader.events("shutdown.test").stream().map(ParsedEvent::lastEventId).toList();
      assertThat(received).containsAll(worker.acknowledged);
    }

    assertClientsReconnectAfterRestart(port, readers.get(0));
  }

  private void assertClientsReconnectAfterRestart(int port, SseSocketClient previous) throws Exception {
    String lastId = previous.events("shutdown.test").get(previous.events("shutdown.test").size() - 1).lastEventId();
    start(port);

    SseSocketClient resumed = track(SseSocketClient.open(port, STREAM, Map.of("Last-Event-ID", lastId)));
    assertThat(resumed.status()).isEqualTo(200);
    // The restarted in-memory bus does not know the old id, so the page must reload its snapshot.
    await().atMost(Duration.ofSeconds(5)).until(() -> resumed.events("stream.reset").size() == 1);
    String id = publish(port, List.of(event(0))).get(0);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(resumed.events("shutdown.test"))
        .extracting(ParsedEvent::lastEventId).containsExactly(id));
  }

  /**
   * Publishes padded events until the stalled client's socket buffers are full and events wait
   * in its queue; returns how many events that took. The readers catch up after each batch, so
   * the queued events belong to the stalled client.
   */
  private int fillStalledClient(int port, List<SseSocketClient> readers) throws Exception {
    int published = 0;
    for (int batch = 0; batch < MAX_FILL_BATCHES; batch++) {
      List<ObjectNode> events = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        events.add(event(2000));
      }
      published += publish(port, events).size();
      int expected = published;
      await().atMost(Duration.ofSeconds(10))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(5))
          .until(() -> readers.stream().allMatch(reader -> reader.events("shutdown.test").size() == expected));
      if (MetricsEndpointTest.metric(get(port, "/metrics"), "sse_queue_bytes") >= STALLED_QUEUE_BYTES) {
        return published;
      }
    }
    throw new AssertionError("the stalled client's socket never filled after " + published + " events");
  }

  /** Returns the timestamp of the first log line that contains {@code text}. */
  private static Instant logTime(String output, String text) {
    for (String line : output.split("\n")) {
      if (line.contains(text)) {
        return Instant.parse(line.substring(0, line.indexOf(' ')));
      }
    }
    throw new AssertionError("the server's log has no line with \"" + text + "\":\n" + output);
  }

  private ServerProcess start(int port) throws Exception {
    ServerProcess server = ServerProcess.start(port);
    processes.add(server);
    return server;
  }

  private <T extends AutoCloseable> T track(T client) {
    clients.add(client);
    return client;
  }

  private int connectedClients(int port) throws Exception {
    return EventJson.mapper().readTree(get(port, "/api/v2/events/health")).get("connected_clients").asInt();
  }

  private List<String> publish(int port, List<ObjectNode> events) throws Exception {
    ObjectNode batch = EventJson.mapper().createObjectNode();
    ArrayNode array = batch.putArray("events");
    array.addAll(events);
    HttpResponse<String> response = http.send(broadcastRequest(port, batch.toString()), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    List<String> ids = new ArrayList<>();
    EventJson.mapper().readTree(response.body()).path("ids").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  private String get(int port, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static HttpRequest broadcastRequest(int port, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v2/events/broadcast"))
        .timeout(Duration.ofSeconds(2))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static ObjectNode event(int padBytes) {
    ObjectNode event = EventJson.mapper().createObjectNode();
    event.put("type", "shutdown.test");
    event.put("pad", "x".repeat(padBytes));
    return event;
  }

  /** Opens a stream on a socket with a tiny receive buffer that is never read. */
  private static Socket openStalledStream(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(1024);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + STREAM + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  /** A worker that publishes one small event every 25 ms until stopped, as workers do over HTTP. */
  private static final class Worker {

    final Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
    final AtomicInteger failures = new AtomicInteger();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "test-worker");
      thread.setDaemon(true);
      return thread;
    });

    static Worker start(HttpClient http, int port) {
      Worker worker = new Worker();
      String body = event(0).toString();
      worker.scheduler.scheduleAtFixedRate(() -> worker.publishOnce(http, port, body), 0, 25, TimeUnit.MILLISECONDS);
      return worker;
    }

    private void publishOnce(HttpClient http, int port, String body) {
      try {
        HttpResponse<String> response = http.send(broadcastRequest(port, body), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
          failures.incrementAndGet();
          return;
        }
        JsonNode ids = EventJson.mapper().readTree(response.body()).path("ids");
        acknowledged.add(ids.get(0).asText());
      } catch (IOException | RuntimeException e) {
        // Refused or reset once the server stops: expected, and nothing was acknowledged.
        failures.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stop() throws InterruptedException {
      scheduler.shutdownNow();
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The server jar running in its own JVM, its output going to a file under target/. */
  private static final class ServerProcess {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)");

    private static final AtomicInteger STARTED = new AtomicInteger();

    final Process process;
    private final Path log;

    private ServerProcess(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static ServerProcess start(int port) throws Exception {
      Path jar = Path.of(System.getProperty("ssekit.server.jar", "target/ssekit-server.jar"));
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            "the server jar " + jar.toAbsolutePath() + " is missing (expected: run through"
                + " mvn verify, which builds it in the package phase before this test)");
      }
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      ProcessBuilder builder = new ProcessBuilder(
          java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString(),
          "--host=127.0.0.1",
          "--port=" + port,
          "--heartbeat-interval=0.2",
          "--shutdown-grace=" + GRACE.toSeconds());
      builder.environment().put("LOG_LEVEL", "DEBUG");
      builder.redirectErrorStream(true);
      Path log = jar.resolveSibling("graceful-shutdown-server-" + STARTED.incrementAndGet() + ".log");
      builder.redirectOutput(log.toFile());
      ServerProcess server = new ServerProcess(builder.start(), log);
      await().atMost(Duration.ofSeconds(20))
          .until(() -> LISTENING.matcher(server.output()).find() || !server.process.isAlive());
      Matcher listening = LISTENING.matcher(server.output());
      if (!listening.find()) {
        throw new AssertionError("the server did not start; output:\n" + server.output());
      }
      assertThat(Integer.parseInt(listening.group(1))).isEqualTo(port);
      return server;
    }

    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
