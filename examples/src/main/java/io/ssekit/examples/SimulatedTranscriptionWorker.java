package io.ssekit.examples;

import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.worker.EventPublisher;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one video through download, transcription and analysis, publishing a
 * {@code video.status} event at each step with rising progress.
 *
 * <p>Settings come from environment variables: {@code EVENTS_URL} (default
 * {@code http://localhost:8000}), {@code BROADCAST_TOKEN} (default none), {@code VIDEO_ID}
 * (default a random id) and {@code STEP_DELAY_MS} (default 500).
 */
public final class SimulatedTranscriptionWorker {

  private static final Logger log = LoggerFactory.getLogger(SimulatedTranscriptionWorker.class);

  /** The steps of one video, in order, with the progress reached at each. */
  private static final Step[] PIPELINE = {
    new Step(VideoStatus.QUEUED, 0, "waiting for a worker"),
    new Step(VideoStatus.DOWNLOADING, 10, "downloading the sermon video"),
    new Step(VideoStatus.DOWNLOADING, 25, "downloading the sermon video"),
    new Step(VideoStatus.TRANSCRIBING, 40, "transcribing audio"),
    new Step(VideoStatus.TRANSCRIBING, 60, "transcribing audio"),
    new Step(VideoStatus.PROCESSING, 75, "splitting into paragraphs"),
    new Step(VideoStatus.ANALYZING, 90, "summarising"),
    new Step(VideoStatus.COMPLETED, 100, "done"),
  };

  private final EventPublisher publisher;
  private final Duration stepDelay;

  public SimulatedTranscriptionWorker(EventPublisher publisher, Duration stepDelay) {
    this.publisher = publisher;
    this.stepDelay = stepDelay;
  }

  public static void main(String[] args) throws InterruptedException {
    String baseUrl = System.getenv().getOrDefault("EVENTS_URL", "http://localhost:8000");
    String videoId = System.getenv().getOrDefault("VIDEO_ID", "video-" + UUID.randomUUID().toString().substring(0, 8));
    Duration delay = Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("STEP_DELAY_MS", "500")));
    EventPublisher publisher = EventPublisher.builder(baseUrl)
        .token(System.getenv("BROADCAST_TOKEN"))
        .build();
    new SimulatedTranscriptionWorker(publisher, delay).process(videoId);
  }

  /** Publishes every step of {@code videoId}, waiting the step delay between steps. */
  public void process(String videoId) throws InterruptedException {
    for (Step step : PIPELINE) {
      VideoStatusEvent event = new VideoStatusEvent(
          Instant.now(), videoId, step.status, step.progress, step.message, null);
      String id = publisher.publish(event);
      log.info("Published {} {} {}% as {}", videoId, step.status.wireValue(), step.progress, id);
      Thread.sleep(stepDelay.toMillis());
    }
  }

  private record Step(VideoStatus status, int progress, String message) {}
}
