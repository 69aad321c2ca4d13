package io.ssekit.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssekit.core.VideoStatus;
import io.ssekit.core.VideoStatusEvent;
import io.ssekit.core.testing.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VideoProgressReporterTest {

  private static final Duration INTERVAL = Duration.ofMillis(500);

  private final MutableClock clock = new MutableClock(Instant.parse("2025-11-05T12:00:00Z"));
  private final RecordingPublisher publisher = new RecordingPublisher();
  private final VideoProgressReporter reporter = VideoProgressReporter.builder(publisher)
      .minInterval(INTERVAL)
      .clock(clock)
      .autoFlush(false)
      .build();

  @AfterEach
  void closeReporter() {
    reporter.close();
  }

  @Test
  void firstUpdateGoesOutAtOnce() {
    reporter.transcribing("a", 40);

    assertThat(publisher.describe("a")).containsExactly("transcribing 40");
  }

  @Test
  void rapidProgressCoalescesToNewest() {
    reporter.transcribing("a", 40);
    for (int progress = 41; progress <= 60; progress++) {
      clock.advance(Duration.ofMillis(10));
      reporter.transcribing("a", progress);
    }

    assertThat(publisher.describe("a")).containsExactly("transcribing 40");
    assertThat(reporter.pendingUpdates()).isEqualTo(1);

    clock.advance(INTERVAL);
    reporter.flushDue();

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "transcribing 60");
    assertThat(reporter.coalescedUpdates()).isEqualTo(19);
    assertThat(reporter.pendingUpdates()).isZero();
  }

  @Test
  void pendingProgressWaitsForInterval() {
    reporter.transcribing("a", 40);
    clock.advance(INTERVAL.minusMillis(1));
    reporter.transcribing("a", 45);
    reporter.flushDue();

    assertThat(publisher.describe("a")).containsExactly("transcribing 40");

    clock.advance(Duration.ofMillis(1));
    reporter.flushDue();

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "transcribing 45");
  }

  @Test
  void progressAfterIntervalGoesOutAtOnce() {
    reporter.transcribing("a", 40);
    clock.advance(INTERVAL);
    reporter.transcribing("a", 50);

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "transcribing 50");
  }

  @Test
  void statusChangeGoesOutAtOnceAndDropsStaleProgress() {
    reporter.downloading("a", 10);
    clock.advance(Duration.ofMillis(1));
    reporter.downloading("a", 20);
    clock.advance(Duration.ofMillis(1));
    reporter.transcribing("a", 25);
    clock.advance(Duration.ofMillis(1));
    reporter.analyzing("a", 90);
    clock.advance(Duration.ofMillis(1));
    reporter.completed("a");

    assertThat(publisher.describe("a"))
        .containsExactly("downloading 10", "transcribing 25", "analyzing 90", "completed 100");
    assertThat(reporter.pendingUpdates()).isZero();
  }

  @Test
  void finalStatusIsNeverCoalesced() {
    reporter.transcribing("a", 40);
    reporter.transcribing("a", 41);
    reporter.failed("a", new IOException("disk full"));

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "failed 41");
    VideoStatusEvent failed = publisher.statusEvents().get(1);
    assertThat(failed.error()).isEqualTo("IOException: disk full");
  }

  @Test
  void videosCoalesceIndependently() {
    reporter.transcribing("a", 40);
    reporter.transcribing("b", 10);
    reporter.transcribing("a", 41);
    reporter.transcribing("b", 11);

    assertThat(publisher.describe("a")).containsExactly("transcribing 40");
    assertThat(publisher.describe("b")).containsExactly("transcribing 10");

    clock.advance(INTERVAL);
    reporter.flushDue();

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "transcribing 41");
    assertThat(publisher.describe("b")).containsExactly("transcribing 10", "transcribing 11");
  }

  @Test
  void flushSendsPendingBeforeInterval() {
    reporter.transcribing("a", 40);
    reporter.transcribing("a", 41);

    reporter.flush();

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "transcribing 41");
  }

  @Test
  void fullBufferKeepsUpdatesInOrderUntilSpace() {
    reporter.downloading("a", 10);
    publisher.full = true;

    reporter.transcribing("a", 30);
    reporter.transcribing("a", 35);
    reporter.analyzing("a", 90);
    reporter.completed("a");

    assertThat(publisher.describe("a")).containsExactly("downloading 10");
    assertThat(reporter.pendingUpdates()).isEqualTo(3);

    publisher.full = false;
    reporter.flushDue();

    assertThat(publisher.describe("a"))
        .containsExactly("downloading 10", "transcribing 30", "analyzing 90", "completed 100");
    assertThat(reporter.pendingUpdates()).isZero();
  }

  @Test
  void fullBufferDropsOldestStatusChangeBeyondBound() {
    publisher.full = true;
    for (int i = 0; i < 40; i++) {
      reporter.report("a", i % 2 == 0 ? VideoStatus.DOWNLOADING : VideoStatus.TRANSCRIBING, i, null, null);
    }
    reporter.completed("a");

    assertThat(reporter.pendingUpdates()).isEqualTo(VideoProgressReporter.MAX_UNSENT_PER_VIDEO);

    publisher.full = false;
    reporter.flushDue();

    List<String> sent = publisher.describe("a");
    assertThat(sent).hasSize(VideoProgressReporter.MAX_UNSENT_PER_VIDEO);
    assertThat(sent.get(0)).isEqualTo("transcribing 9");
    assertThat(sent.get(sent.size() - 1)).isEqualTo("completed 100");
  }

  @Test
  void videoIsForgottenAfterFinalStatus() {
    reporter.transcribing("a", 60);
    reporter.completed("a");

    reporter.downloading("a");

    assertThat(publisher.describe("a")).containsExactly("transcribing 60", "completed 100", "downloading 0");
  }

  @Test
  void downloadingWithoutProgressKeepsLastProgress() {
    reporter.queued("a");
    reporter.downloading("a", 12);
    reporter.downloading("a");
    clock.advance(INTERVAL);
    reporter.flushDue();

    assertThat(publisher.describe("a")).containsExactly("queued 0", "downloading 12", "downloading 12");
  }

  @Test
  void timestampsComeFromClock() {
    clock.advance(Duration.ofSeconds(3));

    reporter.queued("a");

    assertThat(publisher.statusEvents().get(0).timestamp()).isEqualTo(Instant.parse("2025-11-05T12:00:03Z"));
  }

  @Test
  void longErrorIsCut() {
    reporter.failed("a", "x".repeat(VideoProgressReporter.MAX_ERROR_LENGTH + 10));

    assertThat(publisher.statusEvents().get(0).error())
        .hasSize(VideoProgressReporter.MAX_ERROR_LENGTH + 3)
        .endsWith("...");
  }

  @Test
  void invalidProgressIsRejectedAndChangesNothing() {
    assertThatThrownBy(() -> reporter.transcribing("a", 101))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("progress: 101 (expected: 0 to 100)");
    assertThat(publisher.statusEvents()).isEmpty();
    assertThat(reporter.pendingUpdates()).isZero();
  }

  @Test
  void closeFlushesPendingAndRejectsLaterReports() {
    reporter.transcribing("a", 40);
    reporter.transcribing("a", 41);

    reporter.close();

    assertThat(publisher.describe("a")).containsExactly("transcribing 40", "transcribing 41");
    assertThatThrownBy(() -> reporter.completed("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void statusRoundTripsThroughEveryStep() {
    reporter.report("a", VideoStatus.PROCESSING, 70, "splitting", null);

    VideoStatusEvent event = publisher.statusEvents().get(0);
    assertThat(event.status()).isEqualTo(VideoStatus.PROCESSING);
    assertThat(event.message()).isEqualTo("splitting");
    assertThat(event.error()).isNull();
  }
}
