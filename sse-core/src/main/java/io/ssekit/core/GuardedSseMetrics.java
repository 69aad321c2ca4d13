package io.ssekit.core;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps user-supplied {@link SseMetrics} so that an exception in a report never breaks a
 * broker or writer thread: the first one is logged at WARN, later ones are dropped silently
 * because they would repeat for every event.
 */
final class GuardedSseMetrics implements SseMetrics {

  private static final Logger log = LoggerFactory.getLogger(GuardedSseMetrics.class);

  private final SseMetrics delegate;
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  private GuardedSseMetrics(SseMetrics delegate) {
    this.delegate = delegate;
  }

  /** Returns {@code metrics} guarded, or {@link SseMetrics#NONE} itself, which cannot throw. */
  static SseMetrics guard(SseMetrics metrics) {
    if (metrics == NONE || metrics instanceof GuardedSseMetrics) {
      return metrics;
    }
    return new GuardedSseMetrics(metrics);
  }

  /** Calls the delegate unguarded: a failure here is misuse, and the builder reports it. */
  @Override
  public void bind(SseBroker broker) {
    delegate.bind(broker);
  }

  @Override
  public void streamOpened() {
    try {
      delegate.streamOpened();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void streamClosed(CloseReason reason) {
    try {
      delegate.streamClosed(reason);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void streamRejected(CloseReason reason) {
    try {
      delegate.streamRejected(reason);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void eventPublished() {
    try {
      delegate.eventPublished();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void framesWritten(int frames, int events, int bytes) {
    try {
      delegate.framesWritten(frames, events, bytes);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void replayServed(int events) {
    try {
      delegate.replayServed(events);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void replayReset() {
    try {
      delegate.replayReset();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void replayFailed() {
    try {
      delegate.replayFailed();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void publishRejected(int status) {
    try {
      delegate.publishRejected(status);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void heartbeatSent(long lagNanos) {
    try {
      delegate.heartbeatSent(lagNanos);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void eventConflated() {
    try {
      delegate.eventConflated();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private void failed(RuntimeException e) {
    if (failureLogged.compareAndSet(false, true)) {
      log.warn("Metrics {} failed; its later failures are not logged", delegate.getClass().getName(), e);
    }
  }
}
