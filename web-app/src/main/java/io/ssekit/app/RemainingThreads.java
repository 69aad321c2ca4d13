package io.ssekit.app;

import java.util.List;
import java.util.Set;

/**
 * Lists the non-daemon threads still alive after a stop, because any of them would keep a JVM
 * running after {@code main} returns. A stop that left none of its own behind logs an empty
 * list.
 */
final class RemainingThreads {

  /**
   * Threads that are alive whether or not the server stopped cleanly: the launcher's
   * {@code main} thread (parked until the JVM exits) and the JVM's own exit thread.
   */
  private static final Set<String> LAUNCHER_THREADS = Set.of("main", "DestroyJavaVM");

  private RemainingThreads() {}

  /**
   * Returns the names of the live non-daemon threads other than the calling one and the
   * launcher's, sorted.
   */
  static List<String> nonDaemon() {
    Thread current = Thread.currentThread();
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread != current && thread.isAlive() && !thread.isDaemon())
        .map(Thread::getName)
        .filter(name -> !LAUNCHER_THREADS.contains(name))
        .sorted()
        .toList();
  }
}
