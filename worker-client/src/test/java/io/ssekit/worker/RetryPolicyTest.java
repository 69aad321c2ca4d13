package io.ssekit.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

  private static final DoubleSupplier NO_JITTER = () -> 0.0;
  private static final DoubleSupplier MOST_JITTER = () -> Math.nextDown(1.0);

  private final RetryPolicy policy = RetryPolicy.builder()
      .baseDelay(Duration.ofMillis(100))
      .multiplier(2.0)
      .maxDelay(Duration.ofMillis(1_000))
      .jitter(0.5)
      .maxAttempts(10)
      .maxElapsed(Duration.ofSeconds(30))
      .build();

  @Test
  void delaysGrowByMultiplier() {
    assertThat(policy.delay(1, NO_JITTER)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.delay(2, NO_JITTER)).isEqualTo(Duration.ofMillis(200));
    assertThat(policy.delay(3, NO_JITTER)).isEqualTo(Duration.ofMillis(400));
    assertThat(policy.delay(4, NO_JITTER)).isEqualTo(Duration.ofMillis(800));
  }

  @Test
  void delaysStopAtMaxDelay() {
    assertThat(policy.delay(5, NO_JITTER)).isEqualTo(Duration.ofMillis(1_000));
    assertThat(policy.delay(6, NO_JITTER)).isEqualTo(Duration.ofMillis(1_000));
    assertThat(policy.nominalDelay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMillis(1_000));
  }

  @Test
  void jitterShortensWithinBounds() {
    for (int retry = 1; retry <= 8; retry++) {
      Duration nominal = policy.nominalDelay(retry);
      Duration shortest = policy.delay(retry, MOST_JITTER);
      Duration longest = policy.delay(retry, NO_JITTER);

      assertThat(longest).isEqualTo(nominal);
      assertThat(shortest).isGreaterThan(nominal.dividedBy(2));
      assertThat(shortest).isLessThan(nominal);
    }
  }

  @Test
  void jitterIsProportionalToRandomValue() {
    assertThat(policy.delay(3, () -> 0.5)).isEqualTo(Duration.ofMillis(300));
    assertThat(policy.delay(5, () -> 0.25)).isEqualTo(Duration.ofMillis(875));
  }

  @Test
  void fullJitterSpansWholeDelay() {
    RetryPolicy full = policy.toBuilder().jitter(1.0).build();

    assertThat(full.delay(2, () -> 0.75)).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void nextDelayStopsAfterMaxAttempts() {
    assertThat(policy.nextDelay(9, Duration.ZERO, NO_JITTER)).contains(Duration.ofMillis(1_000));
    assertThat(policy.nextDelay(10, Duration.ZERO, NO_JITTER)).isEmpty();
  }

  @Test
  void nextDelayStopsWhenRetryWouldPassMaxElapsed() {
    assertThat(policy.nextDelay(1, Duration.ofMillis(29_900), NO_JITTER)).contains(Duration.ofMillis(100));
    assertThat(policy.nextDelay(1, Duration.ofMillis(29_901), NO_JITTER)).isEmpty();
  }

  @Test
  void neverPolicyMakesOneAttempt() {
    assertThat(RetryPolicy.NEVER.nextDelay(1, Duration.ZERO, NO_JITTER)).isEmpty();
  }

  @Test
  void defaultPolicyHasDocumentedSettings() {
    RetryPolicy defaults = RetryPolicy.DEFAULT;

    assertThat(defaults.baseDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(defaults.multiplier()).isEqualTo(2.0);
    assertThat(defaults.maxDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.jitter()).isEqualTo(0.2);
    assertThat(defaults.maxAttempts()).isEqualTo(Integer.MAX_VALUE);
    assertThat(defaults.maxElapsed()).isEqualTo(Duration.ofSeconds(60));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN})
  void randomOutsideUnitIntervalIsRejected(double value) {
    assertThatThrownBy(() -> policy.delay(1, () -> value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: in [0, 1)");
  }

  @Test
  void retryNumberBelowOneIsRejected() {
    assertThatThrownBy(() -> policy.nominalDelay(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry: 0 (expected: >= 1)");
  }

  @Test
  void builderRejectsInvalidSettings() {
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
        .hasMessage("multiplier: 0.5 (expected: a finite number >= 1)");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5))
        .hasMessage("jitter: 1.5 (expected: from 0 to 1)");
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .hasMessage("maxAttempts: 0 (expected: >= 1)");
    assertThatThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ZERO))
        .hasMessage("baseDelay: PT0S (expected: > 0)");
    assertThatThrownBy(() -> RetryPolicy.builder()
            .baseDelay(Duration.ofSeconds(10)).maxDelay(Duration.ofSeconds(1)).build())
        .hasMessage("baseDelay: PT10S (expected: <= maxDelay PT1S)");
  }
}
