package io.ssekit.examples;

import static java.util.Objects.requireNonNull;

import io.ssekit.core.VideoStatus;
import io.ssekit.worker.EventPublisher;
import io.ssekit.worker.UnsentEvent;
import io.ssekit.worker.VideoProgressReporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves several videos at once through download, transcription, processing and analysis,
 * reporting every simulated frame through a {@link VideoProgressReporter}, which coalesces
 * the updates so that the server receives a few per second per video. Some videos fail during
 * transcription and are reported as {@code failed} with the error.
 *
 * <p>Settings come from environment variables: {@code EVENTS_URL} (default
 * {@code http://localhost:8000}), {@code BROADCAST_TOKEN} (default none), {@code VIDEO_ID}
 * (prefix of the video ids, default a random one), {@code VIDEO_COUNT} (default 3),
 * {@code FAILING_VIDEOS} (how many of the last videos fail, default 1) and
 * {@code STEP_DELAY_MS} (duration of each step, default 500).
 */
public final class SimulatedTranscriptionWorker {

  /** Simulated frames per step; each one reports progress, far more often than the page needs. */
  static final int FRAMES_PER_STEP = 25;

  private static final Logger log = LoggerFactory.getLogger(SimulatedTranscriptionWorker.class);

  /** The steps after {@code queued}, with the progress range each one covers. */
  private static final List<Step> PIPELINE = List.of(
      new Step(VideoStatus.DOWNLOADING, 0, 25),
      new Step(VideoStatus.TRANSCRIBING, 25, 70),
      new Step(VideoStatus.PROCESSING, 70, 80),
      new Step(VideoStatus.ANALYZING, 80, 99));

  private final VideoProgressReporter reporter;
  private final Duration stepDelay;

  /**
   * Creates a worker.
   *
   * @param reporter where progress goes; the caller closes it
   * @param stepDelay how long each simulated step takes
   */
  public SimulatedTranscriptionWorker(VideoProgressReporter reporter, Duration stepDelay) {
    this.reporter = requireNonNull(reporter, "reporter");
    this.stepDelay = requireNonNull(stepDelay, "stepDelay");
  }

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> env = System.getenv();
    String baseUrl = env.getOrDefault("EVENTS_URL", "http://localhost:8000");
    String prefix = env.getOrDefault("VIDEO_ID", "video-" + UUID.randomUUID().toString().substring(0, 8));
    int videoCount = positiveInteger(env, "VIDEO_COUNT", "3");
    int failingCount = Math.min(videoCount, nonNegativeInteger(env, "FAILING_VIDEOS", "1"));
    Duration stepDelay = Duration.ofMillis(nonNegativeInteger(env, "STEP_DELAY_MS", "500"));

    List<String> videoIds = new ArrayList<>();
    for (int i = 1; i <= videoCount; i++) {
      videoIds.add(prefix + "-" + i);
    }
    Set<String> failing = Set.copyOf(videoIds.subList(videoCount - failingCount, videoCount));

    EventPublisher publisher = EventPublisher.builder(baseUrl).token(env.get("BROADCAST_TOKEN")).build();
    Map<String, VideoStatus> results;
    // Four progress updates per second per video are plenty for a progress bar.
    try (VideoProgressReporter reporter =
        VideoProgressReporter.builder(publisher).minInterval(Duration.ofMillis(250)).build()) {
      results = new SimulatedTranscriptionWorker(reporter, stepDelay).processAll(videoIds, failing);
    }
    List<UnsentEvent> unsent = publisher.close(Duration.ofSeconds(10));
    results.forEach((videoId, status) -> log.info("{}: {}", videoId, status.wireValue()));
    if (!unsent.isEmpty()) {
      log.error("{} events could not be sent to {}; is the server running?", unsent.size(), baseUrl);
      System.exit(1);
    }
  }

  /**
   * Processes every video of {@code videoIds} on its own thread and waits for all of them.
   *
   * @param failing the videos whose transcription fails
   * @return the final status of each video, in the order of {@code videoIds}
   */
  public Map<String, VideoStatus> processAll(List<String> videoIds, Set<String> failing)
      throws InterruptedException {
    ExecutorService threads = Executors.newFixedThreadPool(videoIds.size());
    try {
      Map<String, Future<VideoStatus>> running = new LinkedHashMap<>();
      for (String videoId : videoIds) {
        running.put(videoId, threads.submit(() -> process(videoId, failing.contains(videoId))));
      }
      Map<String, VideoStatus> results = new LinkedHashMap<>();
      for (Map.Entry<String, Future<VideoStatus>> entry : running.entrySet()) {
        results.put(entry.getKey(), finalStatus(entry.getValue()));
      }
      return results;
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Runs one video through the pipeline, reporting each frame, and reports {@code completed},
   * or {@code failed} with the error when a step throws.
   *
   * @return the final status
   */
  public VideoStatus process(String videoId, boolean failsInTranscription) throws InterruptedException {
    reporter.queued(videoId);
    try {
      for (Step step : PIPELINE) {
        runStep(videoId, step, failsInTranscription && step.status == VideoStatus.TRANSCRIBING);
      }
    } catch (TranscriptionException e) {
      log.warn("Video {} failed: {}", videoId, e.getMessage());
      reporter.failed(videoId, e);
      return VideoStatus.FAILED;
    }
    reporter.completed(videoId);
    return VideoStatus.COMPLETED;
  }

  private void runStep(String videoId, Step step, boolean failHalfway) throws InterruptedException {
    long frameMillis = stepDelay.toMillis() / FRAMES_PER_STEP;
    for (int frame = 0; frame <= FRAMES_PER_STEP; frame++) {
      if (failHalfway && frame == FRAMES_PER_STEP / 2) {
        throw new TranscriptionException("the speech model ran out of memory at frame " + frame);
      }
      int progress = step.from + (step.to - step.from) * frame / FRAMES_PER_STEP;
      reporter.report(videoId, step.status, progress, null, null);
      // Stands in for the real work of one frame.
      Thread.sleep(frameMillis);
    }
  }

  private static VideoStatus finalStatus(Future<VideoStatus> future) throws InterruptedException {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("processing a video failed unexpectedly", e.getCause());
    }
  }

  private static int positiveInteger(Map<String, String> env, String name, String defaultValue) {
    int value = nonNegativeInteger(env, name, defaultValue);
    if (value < 1) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: an integer >= 1)");
    }
    return value;
  }

  private static int nonNegativeInteger(Map<String, String> env, String name, String defaultValue) {
    String text = env.getOrDefault(name, defaultValue);
    try {
      int value = Integer.parseInt(text.trim());
      if (value < 0) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: an integer >= 0)");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": \"" + text + "\" (expected: an integer >= 0)", e);
    }
  }

  private record Step(VideoStatus status, int from, int to) {}

  /** The simulated failure of a transcription step. */
  static final class TranscriptionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    TranscriptionException(String message) {
      super(message);
    }
  }
}
