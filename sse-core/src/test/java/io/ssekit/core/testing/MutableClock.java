package io.ssekit.core.testing;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock at millisecond precision that moves only when a test sets or advances it, forward or
 * back. Safe for concurrent use, so a test thread may move it while other threads read it.
 */
public final class MutableClock extends Clock {

  private final AtomicLong epochMillis;
  private final ZoneId zone;

  /** Creates a clock in UTC that reads {@code start}, truncated to milliseconds. */
  public MutableClock(Instant start) {
    this(new AtomicLong(start.toEpochMilli()), ZoneOffset.UTC);
  }

  private MutableClock(AtomicLong epochMillis, ZoneId zone) {
    this.epochMillis = epochMillis;
    this.zone = zone;
  }

  /** Sets the time to {@code instant}, which may be earlier than the current time. */
  public void set(Instant instant) {
    epochMillis.set(instant.toEpochMilli());
  }

  /** Moves the time by {@code amount}, back if the amount is negative. */
  public void advance(Duration amount) {
    epochMillis.addAndGet(amount.toMillis());
  }

  @Override
  public long millis() {
    return epochMillis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(epochMillis.get());
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** Returns a clock in {@code zone} that shares this clock's time, including later moves. */
  @Override
  public Clock withZone(ZoneId zone) {
    return new MutableClock(epochMillis, requireNonNull(zone, "zone"));
  }
}
