package io.ssekit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RejectionLogTest {

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final RejectionLog rejections = new RejectionLog(Duration.ofSeconds(10), nanos::get);

  @Test
  void firstRejectionIsLogged() {
    assertThat(rejections.admit("publish 401")).isZero();
  }

  @Test
  void repeatsWithinIntervalAreSuppressed() {
    rejections.admit("publish 401");
    advanceSeconds(9);

    assertThat(rejections.admit("publish 401")).isEqualTo(-1);
    assertThat(rejections.admit("publish 401")).isEqualTo(-1);
  }

  @Test
  void lineAfterIntervalCarriesSuppressedCount() {
    rejections.admit("publish 401");
    rejections.admit("publish 401");
    rejections.admit("publish 401");
    advanceSeconds(10);

    assertThat(rejections.admit("publish 401")).isEqualTo(2);
    assertThat(rejections.admit("publish 401")).isEqualTo(-1);
  }

  @Test
  void reasonsAreLimitedSeparately() {
    rejections.admit("publish 401");

    assertThat(rejections.admit("publish 415")).isZero();
    assertThat(rejections.admit("publish 401")).isEqualTo(-1);
  }

  @Test
  void suffixNamesSuppressedCount() {
    assertThat(RejectionLog.suppressedSuffix(0)).isEmpty();
    assertThat(RejectionLog.suppressedSuffix(3)).isEqualTo(" (3 similar rejections not logged)");
  }

  private void advanceSeconds(long seconds) {
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }
}
