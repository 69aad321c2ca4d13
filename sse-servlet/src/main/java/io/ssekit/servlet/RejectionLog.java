package io.ssekit.servlet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Rate-limits the log lines about rejected requests: at most one line per reason per interval,
 * so that a misconfigured worker or a scanner cannot flood the log. The line that is let
 * through carries the count of lines suppressed since the previous one.
 *
 * <p>Reasons are short fixed keys such as {@code "publish 401"}, never client addresses or
 * other request data, so the number of keys stays small. Safe for concurrent use.
 */
final class RejectionLog {

  /** Default minimum time between two lines of the same reason. */
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  RejectionLog() {
    this(DEFAULT_INTERVAL, System::nanoTime);
  }

  RejectionLog(Duration interval, LongSupplier nanoTime) {
    this.intervalNanos = interval.toNanos();
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * Records one rejection for {@code reason}. Returns -1 if its line must be suppressed, or
   * else how many lines of that reason were suppressed since the last one logged.
   */
  long admit(String reason) {
    Window window = windows.computeIfAbsent(reason, key -> new Window());
    long now = nanoTime.getAsLong();
    synchronized (window) {
      if (window.logged && now - window.lastLoggedNanos < intervalNanos) {
        window.suppressed++;
        return -1;
      }
      long suppressed = window.suppressed;
      window.logged = true;
      window.lastLoggedNanos = now;
      window.suppressed = 0;
      return suppressed;
    }
  }

  /** Returns the text to append to a logged line about {@code suppressed} earlier ones. */
  static String suppressedSuffix(long suppressed) {
    return suppressed == 0 ? "" : " (" + suppressed + " similar rejections not logged)";
  }

  /** The log state of one reason; guarded by its own monitor. */
  private static final class Window {
    boolean logged;
    long lastLoggedNanos;
    long suppressed;
  }
}
