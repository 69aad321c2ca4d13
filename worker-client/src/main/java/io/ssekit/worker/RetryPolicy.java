package io.ssekit.worker;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When to retry a publish that failed for a reason that may pass (no connection, a timeout,
 * {@code 429} or a {@code 5xx} response), as exponential back-off with jitter.
 *
 * <p>The nominal delay before retry {@code n} (the first retry is 1) is
 * {@code min(maxDelay, baseDelay * multiplier^(n-1))}. Jitter then shortens it by a random
 * fraction of up to {@code jitter}, so the actual delay lies in
 * {@code [nominal * (1 - jitter), nominal]} and never exceeds {@code maxDelay}. Retries stop
 * after {@code maxAttempts} attempts in all, or when the next retry would start later than
 * {@code maxElapsed} after the first attempt, whichever comes first.
 *
 * <p>Defaults: base delay 100 ms, multiplier 2, maximum delay 5 s, jitter 0.2, unlimited
 * attempts, maximum elapsed time 60 s. Immutable and safe for concurrent use.
 */
public final class RetryPolicy {

  /** The policy with every default. */
  public static final RetryPolicy DEFAULT = builder().build();

  /** A policy that makes one attempt and never retries. */
  public static final RetryPolicy NEVER = builder().maxAttempts(1).build();

  private final Duration baseDelay;
  private final double multiplier;
  private final Duration maxDelay;
  private final double jitter;
  private final int maxAttempts;
  private final Duration maxElapsed;

  private RetryPolicy(Builder builder) {
    this.baseDelay = builder.baseDelay;
    this.multiplier = builder.multiplier;
    this.maxDelay = builder.maxDelay;
    this.jitter = builder.jitter;
    this.maxAttempts = builder.maxAttempts;
    this.maxElapsed = builder.maxElapsed;
  }

  /** Returns a builder that starts from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder that starts from this policy's settings. */
  public Builder toBuilder() {
    return new Builder()
        .baseDelay(baseDelay)
        .multiplier(multiplier)
        .maxDelay(maxDelay)
        .jitter(jitter)
        .maxAttempts(maxAttempts)
        .maxElapsed(maxElapsed);
  }

  /**
   * Returns the delay before retry number {@code retry} (1 for the first retry) without
   * jitter: {@code min(maxDelay, baseDelay * multiplier^(retry-1))}.
   *
   * @throws IllegalArgumentException if {@code retry < 1}
   */
  public Duration nominalDelay(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry: " + retry + " (expected: >= 1)");
    }
    double nanos = baseDelay.toNanos() * Math.pow(multiplier, retry - 1.0);
    long maxNanos = maxDelay.toNanos();
    // Math.pow overflows to infinity for large retry numbers, and min() turns that into the cap.
    return Duration.ofNanos((long) Math.min(nanos, maxNanos));
  }

  /**
   * Returns the delay before retry number {@code retry}, shortened by jitter.
   *
   * @param random a source of uniformly distributed values in {@code [0, 1)}; the publisher
   *     uses {@link java.util.concurrent.ThreadLocalRandom}, tests pass fixed values
   * @throws IllegalArgumentException if {@code retry < 1} or {@code random} returns a value
   *     outside {@code [0, 1)}
   */
  public Duration delay(int retry, DoubleSupplier random) {
    requireNonNull(random, "random");
    Duration nominal = nominalDelay(retry);
    double fraction = random.getAsDouble();
    if (!(fraction >= 0.0 && fraction < 1.0)) {
      throw new IllegalArgumentException("random value: " + fraction + " (expected: in [0, 1))");
    }
    long shortenedBy = (long) (nominal.toNanos() * jitter * fraction);
    return nominal.minusNanos(shortenedBy);
  }

  /**
   * Returns the delay before the next attempt after {@code attemptsMade} failed attempts that
   * began {@code elapsed} ago, or empty when the policy gives up.
   *
   * @param attemptsMade the number of attempts made so far, at least 1
   * @param elapsed the time since the first attempt started
   * @param random a source of uniformly distributed values in {@code [0, 1)}
   */
  public Optional<Duration> nextDelay(int attemptsMade, Duration elapsed, DoubleSupplier random) {
    if (attemptsMade < 1) {
      throw new IllegalArgumentException("attemptsMade: " + attemptsMade + " (expected: >= 1)");
    }
    requireNonNull(elapsed, "elapsed");
    if (attemptsMade >= maxAttempts) {
      return Optional.empty();
    }
    Duration delay = delay(attemptsMade, random);
    if (elapsed.plus(delay).compareTo(maxElapsed) > 0) {
      return Optional.empty();
    }
    return Optional.of(delay);
  }

  /** Returns the delay before the first retry, before jitter. */
  public Duration baseDelay() {
    return baseDelay;
  }

  /** Returns the factor by which the nominal delay grows with each retry. */
  public double multiplier() {
    return multiplier;
  }

  /** Returns the cap on any delay. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** Returns the largest fraction by which jitter shortens a delay, from 0 to 1. */
  public double jitter() {
    return jitter;
  }

  /** Returns the maximum number of attempts, the first one included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns the time after the first attempt beyond which no retry starts. */
  public Duration maxElapsed() {
    return maxElapsed;
  }

  @Override
  public String toString() {
    return "RetryPolicy{baseDelay=" + baseDelay + ", multiplier=" + multiplier + ", maxDelay="
        + maxDelay + ", jitter=" + jitter + ", maxAttempts="
        + (maxAttempts == Integer.MAX_VALUE ? "unlimited" : maxAttempts) + ", maxElapsed="
        + maxElapsed + "}";
  }

  /** Configures a {@link RetryPolicy}. Not thread-safe. */
  public static final class Builder {

    private Duration baseDelay = Duration.ofMillis(100);
    private double multiplier = 2.0;
    private Duration maxDelay = Duration.ofSeconds(5);
    private double jitter = 0.2;
    private int maxAttempts = Integer.MAX_VALUE;
    private Duration maxElapsed = Duration.ofSeconds(60);

    private Builder() {}

    /** Sets the delay before the first retry; defaults to 100 ms. */
    public Builder baseDelay(Duration baseDelay) {
      this.baseDelay = requirePositive(baseDelay, "baseDelay");
      return this;
    }

    /** Sets the growth factor per retry, at least 1; defaults to 2. */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier: " + multiplier + " (expected: a finite number >= 1)");
      }
      this.multiplier = multiplier;
      return this;
    }

    /** Sets the cap on any delay; defaults to 5 s. */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = requirePositive(maxDelay, "maxDelay");
      return this;
    }

    /**
     * Sets the largest fraction by which jitter shortens a delay; defaults to 0.2. With 0 every
     * delay is nominal, and with 1 a delay falls anywhere from 0 to the nominal delay.
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter: " + jitter + " (expected: from 0 to 1)");
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * Sets the maximum number of attempts, the first one included; 1 disables retries.
     * Defaults to unlimited ({@link Integer#MAX_VALUE}), bounded by {@link #maxElapsed}.
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Sets the time after the first attempt beyond which no retry starts; defaults to 60 s. */
    public Builder maxElapsed(Duration maxElapsed) {
      this.maxElapsed = requirePositive(maxElapsed, "maxElapsed");
      return this;
    }

    /**
     * Returns the policy.
     *
     * @throws IllegalArgumentException if the base delay is longer than the maximum delay
     */
    public RetryPolicy build() {
      if (baseDelay.compareTo(maxDelay) > 0) {
        throw new IllegalArgumentException(
            "baseDelay: " + baseDelay + " (expected: <= maxDelay " + maxDelay + ")");
      }
      return new RetryPolicy(this);
    }

    private static Duration requirePositive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
      return value;
    }
  }
}
