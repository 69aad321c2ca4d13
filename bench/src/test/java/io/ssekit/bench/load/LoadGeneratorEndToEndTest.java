package io.ssekit.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssekit.app.EventServer;
import io.ssekit.app.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the generator's streams and publisher against a real ssekit server on a free port. */
class LoadGeneratorEndToEndTest {

  private EventServer server;

  @BeforeEach
  void startServer() throws Exception {
    // A short heartbeat interval puts heartbeat events, which carry no seq, between the run's events.
    ServerConfig config = ServerConfig.fromSources(
        Map.of("PORT", "0", "HOST", "127.0.0.1", "HEARTBEAT_INTERVAL", "0.05"), List.of());
    server = new EventServer(config);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void everyStreamReceivesEveryEventOnce() throws Exception {
    LoadOptions options = LoadOptions.parse(new String[] {
        "--server=ssekit", "--url=http://127.0.0.1:" + server.port(), "--streams=20", "--threads=2",
        "--streams-per-address=7"});
    StreamGroup streams = new StreamGroup(options, 0, 20, StreamGroup.RUN_SOURCE_BASE, 0, 30);
    streams.start();
    assertThat(streams.awaitOpened(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();

    new RatePublisher(options.publishUrl())
        .publish(0, 30, 200, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    await().atMost(Duration.ofSeconds(10)).until(streams::allComplete);
    DeliveryStats stats = streams.stopAndCollect();

    assertThat(stats.streamsOpened).isEqualTo(20);
    assertThat(stats.deliveries).isEqualTo(600);
    assertThat(stats.missing).isZero();
    assertThat(stats.duplicates).isZero();
    assertThat(stats.outOfOrder).isZero();
    assertThat(stats.latencyMicros.getTotalCount()).isEqualTo(600);
    assertThat(stats.errorSamples).isEmpty();
  }

  @Test
  void wholeRunReportsEveryWarmup(@TempDir Path folder) throws Exception {
    Path out = folder.resolve("result.json");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process generator = new ProcessBuilder(
        java.toString(), "-cp", System.getProperty("java.class.path"), LoadGenerator.class.getName(),
        "--server=ssekit", "--url=http://127.0.0.1:" + server.port(), "--streams=5", "--events=5",
        "--rate=100", "--warmup-publishes=300", "--warmup-streams=4", "--warmup-events=6",
        "--settle-seconds=0", "--drain-seconds=5", "--max-seconds=60", "--out=" + out)
        .redirectErrorStream(true)
        .redirectOutput(folder.resolve("generator.log").toFile())
        .start();

    assertThat(generator.waitFor(60, TimeUnit.SECONDS)).as("generator finished").isTrue();
    String log = Files.readString(folder.resolve("generator.log"));
    assertThat(generator.exitValue()).as("exit status; output:%n%s", log).isZero();
    JsonNode result = new ObjectMapper().readTree(out.toFile());
    JsonNode warmup = result.path("warmup");
    assertThat(warmup.path("publishes").asInt()).isEqualTo(300);
    // Two rounds of four streams, then ten streams of the publish warm-up.
    assertThat(warmup.path("streams_opened").asInt()).isEqualTo(18);
    assertThat(warmup.path("missing").asInt()).isZero();
    assertThat(warmup.path("publish_failed").asInt()).isZero();
    assertThat(log).contains("publish warm-up: 10 streams, 300 events, 0 missing");
    // The publish warm-up comes last, right before the measured phase.
    assertThat(log.indexOf("publish warm-up:"))
        .as("position of the publish warm-up in the log%n%s", log)
        .isGreaterThan(log.indexOf("warm-up round 2:"));
    assertThat(result.path("delivery").path("deliveries").asInt()).isEqualTo(25);
    assertThat(result.path("delivery").path("missing").asInt()).isZero();
  }

  @Test
  void streamsBeyondTheServerLimitCountAsMissing() throws Exception {
    server.stop();
    ServerConfig config = ServerConfig.fromSources(
        Map.of("PORT", "0", "HOST", "127.0.0.1", "MAX_STREAMS", "3"), List.of());
    server = new EventServer(config);
    server.start();
    LoadOptions options = LoadOptions.parse(new String[] {
        "--server=ssekit", "--url=http://127.0.0.1:" + server.port(), "--streams=5"});
    StreamGroup streams = new StreamGroup(options, 0, 5, StreamGroup.RUN_SOURCE_BASE, 0, 2);
    streams.start();
    streams.awaitOpened(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));

    new RatePublisher(options.publishUrl())
        .publish(0, 2, 100, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    await().atMost(Duration.ofSeconds(10)).until(() -> streams.completeStreams() == 3);
    DeliveryStats stats = streams.stopAndCollect();

    // The server responds to the two extra streams with a retry hint and ends them.
    assertThat(stats.streamsClosedEarly).isEqualTo(2);
    assertThat(stats.missing).isEqualTo(4);
    assertThat(stats.streamsWithMissing).isEqualTo(2);
    assertThat(stats.deliveries).isEqualTo(6);
  }
}
