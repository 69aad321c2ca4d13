package io.ssekit.core;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An executor that runs each task on the calling thread before {@link #execute} returns, so a
 * test observes the effect of a broker's drain request as soon as the offer that made it returns.
 * Rejects tasks after shutdown, as a pool would. Safe for concurrent use.
 */
final class DirectExecutorService extends AbstractExecutorService {

  private final AtomicInteger executedTasks = new AtomicInteger();
  private volatile boolean shutdown;

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("executor is shut down");
    }
    executedTasks.incrementAndGet();
    task.run();
  }

  /** Returns how many tasks ran since the executor was created. */
  int executedTasks() {
    return executedTasks.get();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }
}
