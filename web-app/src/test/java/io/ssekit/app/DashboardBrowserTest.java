package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ssekit.core.CloseReason;
import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.core.testing.SseSocketClient;
import io.ssekit.worker.EventPublisher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The dashboard page in real headless Chromium against a real server. The tests cover live
 * progress, the follow box, removing a finished video with the page's CSRF token, recovery
 * across a server restart, and a stream refused for capacity that gets in once a slot frees.
 *
 * <p>One browser serves the whole class; each test loads the page afresh.
 */
class DashboardBrowserTest {

  /** The steps of the example worker's pipeline, in order. */
  private static final List<Step> PIPELINE = List.of(
      new Step(VideoStatus.QUEUED, 0, "waiting for a worker"),
      new Step(VideoStatus.DOWNLOADING, 25, "downloading the video"),
      new Step(VideoStatus.TRANSCRIBING, 40, "transcribing audio"),
      new Step(VideoStatus.PROCESSING, 75, "splitting into paragraphs"),
      new Step(VideoStatus.ANALYZING, 90, "summarising"),
      new Step(VideoStatus.COMPLETED, 100, "done"));

  private static final Map<String, String> SETTINGS = Map.of(
      "PORT", "0", "HOST", "127.0.0.1", "HEARTBEAT_INTERVAL", "1", "RETRY_MS", "300",
      "SHUTDOWN_GRACE", "2");

  private static final AtomicInteger videoCounter = new AtomicInteger();

  private static HeadlessChromium chromium;
  private static ChromeDriver browser;
  private static ServerConfig config;
  private static EventServer server;
  private static EventPublisher publisher;

  @BeforeAll
  static void startBrowserAndServer() throws Exception {
    chromium = HeadlessChromium.start();
    browser = chromium.driver();
    config = ServerConfig.fromSources(SETTINGS, List.of());
    server = new EventServer(config);
    server.start();
    // Later restarts reuse the port, as a restarted production server would.
    config = config.withPort(server.port());
    publisher = EventPublisher.builder(baseUrl(server)).timeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stopBrowserAndServer() throws Exception {
    // Each may be null when the set-up failed part way, such as without Chromium.
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      if (publisher != null) {
        publisher.close();
      }
      if (server != null) {
        server.stop();
      }
    }
  }

  @Test
  void progressBarsFollowWorkerToCompleted() throws Exception {
    openDashboard(server);
    String first = newVideoId("lecture");
    String second = newVideoId("sermon");
    String third = newVideoId("interview");

    runPipeline(first, 3);
    waitAtMost().untilAsserted(() -> {
      assertThat(statusOf(first)).isEqualTo("transcribing");
      assertThat(progressOf(first)).isEqualTo(40);
    });
    runPipeline(second, PIPELINE.size());
    runPipeline(first, PIPELINE.size());

    for (String videoId : List.of(first, second)) {
      waitAtMost().untilAsserted(() -> {
        assertThat(statusOf(videoId)).isEqualTo("completed");
        assertThat(progressOf(videoId)).isEqualTo(100);
      });
      WebElement row = row(videoId);
      assertThat(row.findElement(By.cssSelector(".percent")).getText()).isEqualTo("100%");
      assertThat(row.findElement(By.cssSelector(".message")).getText()).isEqualTo("done");
      assertThat(row.findElement(By.cssSelector(".remove")).isDisplayed()).isTrue();
    }
    assertThat(videoIdsShown().subList(0, 2)).containsExactly(second, first);

    // A video still in progress, for a screenshot that shows both kinds of row.
    runPipeline(third, 3);
    waitAtMost().until(() -> progressOf(third) == 40);
    assertThat(row(third).findElement(By.cssSelector(".remove")).isDisplayed()).isFalse();
    saveScreenshot("dashboard.png");
  }

  @Test
  void followBoxNarrowsListToOneVideo() throws Exception {
    String followed = newVideoId("followed");
    String other = newVideoId("other");
    runPipeline(followed, 2);
    runPipeline(other, 2);
    openDashboard(server);
    waitAtMost().until(() -> videoIdsShown().containsAll(List.of(followed, other)));

    WebElement input = browser.findElement(By.id("follow-input"));
    input.clear();
    input.sendKeys(followed);
    browser.findElement(By.cssSelector("#follow-form button[type=submit]")).click();

    waitAtMost().until(() -> videoIdsShown().equals(List.of(followed)));
    waitAtMost().until(() -> "connected".equals(connectionState()));
    publish(other, VideoStatus.FAILED, 30);
    publish(followed, VideoStatus.TRANSCRIBING, 60);
    waitAtMost().until(() -> progressOf(followed) == 60);
    assertThat(videoIdsShown()).containsExactly(followed);
    assertThat(browser.findElement(By.id("following")).getText()).isEqualTo("Following " + followed + " only.");
    assertThat(browser.getCurrentUrl()).endsWith("#video_id=" + followed);

    browser.findElement(By.id("show-all")).click();
    waitAtMost().until(() -> videoIdsShown().containsAll(List.of(followed, other)));
    assertThat(statusOf(other)).isEqualTo("failed");
  }

  @Test
  void removeButtonDeletesFinishedVideo() throws Exception {
    String videoId = newVideoId("finished");
    runPipeline(videoId, PIPELINE.size());
    openDashboard(server);
    waitAtMost().until(() -> "completed".equals(statusOf(videoId)));

    row(videoId).findElement(By.cssSelector(".remove")).click();

    waitAtMost().until(() -> !videoIdsShown().contains(videoId));
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(baseUrl(server) + "/api/v2/videos/" + videoId))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(browser.findElement(By.id("notice")).isDisplayed()).isFalse();
  }

  @Test
  void pageReconnectsAcrossServerRestart() throws Exception {
    String before = newVideoId("before-restart");
    publish(before, VideoStatus.DOWNLOADING, 25);
    openDashboard(server);
    waitAtMost().until(() -> videoIdsShown().contains(before));

    server.stop();
    waitAtMost().until(() -> "reconnecting".equals(connectionState()));
    server = new EventServer(config);
    server.start();

    waitAtMost().until(() -> "connected".equals(connectionState()));
    String after = newVideoId("after-restart");
    publish(after, VideoStatus.ANALYZING, 90);
    waitAtMost().until(() -> videoIdsShown().contains(after));
    // The restarted server's in-memory store starts empty, and the page mirrors it.
    waitAtMost().until(() -> !videoIdsShown().contains(before));
    assertThat(progressOf(after)).isEqualTo(90);
  }

  @Test
  void refusedStreamRetriesUntilSlotFrees() throws Exception {
    EventServer full = new EventServer(ServerConfig.fromSources(Map.of("PORT", "0", "HOST", "127.0.0.1",
        "HEARTBEAT_INTERVAL", "0.2", "RETRY_MS", "300", "MAX_STREAMS", "1"), List.of()));
    full.start();
    try (EventPublisher fullPublisher = EventPublisher.builder(baseUrl(full)).timeout(Duration.ofSeconds(5)).build()) {
      SseSocketClient holder = SseSocketClient.open(full.port(), "/api/v2/events/stream");
      browser.get(baseUrl(full) + "/");

      // Each refusal is a 200 stream that ends at once: EventSource opens, errs, and retries.
      waitAtMost().until(() -> streamStat("streamErrors") >= 3);
      assertThat(full.broker().connectedClients()).isEqualTo(1);
      String videoId = newVideoId("while-full");
      fullPublisher.publish(VideoStatusEvent.of(Instant.now(), videoId, VideoStatus.QUEUED, 0));
      waitAtMost().until(() -> holder.bodyText().contains(videoId));

      holder.abort();
      // The heartbeat finds the reset socket and frees the slot; the browser's next retry takes it.
      waitAtMost().until(() -> full.broker().closedStreams(CloseReason.CLIENT_GONE) == 1);
      waitAtMost().until(() -> full.broker().connectedClients() == 1);
      long errorsOnceIn = streamStat("streamErrors");
      // Over two retry periods the stream stays open and the page counts no new error.
      await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3))
          .until(() -> full.broker().connectedClients() == 1 && streamStat("streamErrors") == errorsOnceIn);
      fullPublisher.publish(VideoStatusEvent.of(Instant.now(), videoId, VideoStatus.DOWNLOADING, 25));
      waitAtMost().until(() -> progressOf(videoId) == 25);
      assertThat(connectionState()).isEqualTo("connected");
    } finally {
      browser.get("about:blank");
      full.stop();
    }
  }

  private static void openDashboard(EventServer target) {
    browser.get(baseUrl(target) + "/");
    waitAtMost().until(() -> "connected".equals(connectionState()));
  }

  private static void runPipeline(String videoId, int steps) {
    for (Step step : PIPELINE.subList(0, steps)) {
      publisher.publish(new VideoStatusEvent(Instant.now(), videoId, step.status(), step.progress(), step.message(), null));
    }
  }

  private static void publish(String videoId, VideoStatus status, int progress) {
    publisher.publish(VideoStatusEvent.of(Instant.now(), videoId, status, progress));
  }

  private static ConditionFactory waitAtMost() {
    return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsInstanceOf(WebDriverException.class);
  }

  private static String connectionState() {
    return browser.findElement(By.id("connection")).getDomAttribute("data-state");
  }

  private static WebElement row(String videoId) {
    return browser.findElement(By.cssSelector("tr[data-video-id='" + videoId + "']"));
  }

  private static String statusOf(String videoId) {
    return row(videoId).findElement(By.cssSelector(".badge")).getText();
  }

  private static int progressOf(String videoId) {
    return Integer.parseInt(row(videoId).findElement(By.cssSelector("[role=progressbar]")).getDomAttribute("aria-valuenow"));
  }

  private static List<String> videoIdsShown() {
    return browser.findElements(By.cssSelector("#video-rows tr")).stream()
        .map(row -> row.getDomAttribute("data-video-id"))
        .toList();
  }

  private static long streamStat(String name) {
    return (Long) browser.executeScript("return window.ssekitDashboard.stats[arguments[0]];", name);
  }

  private static void saveScreenshot(String name) throws Exception {
    Path target = Path.of("target", name);
    Files.createDirectories(target.getParent());
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String newVideoId(String prefix) {
    return prefix + "-" + videoCounter.incrementAndGet();
  }

  private static String baseUrl(EventServer target) {
    return "http://127.0.0.1:" + target.port();
  }

  private record Step(VideoStatus status, int progress, String message) {}
}
