package io.ssekit.app;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Advice on the JVM's garbage collector for the machine the server runs on, logged at start.
 *
 * <p>On two cores the JVM picks G1. Its refinement threads then scan memory for each event written
 * to each stream, so the serial collector costs less CPU per event there (docs/BENCHMARKS.md).
 */
final class CollectorAdvice {

  private CollectorAdvice() {}

  /** Returns the advice for this JVM, or null if it has none. */
  static @Nullable String forThisJvm() {
    return forMachine(Runtime.getRuntime().availableProcessors(), collectorNames());
  }

  /**
   * Describes this JVM for the start log: its name and version, CPUs, maximum heap and
   * collectors, so that a log shows which options the server ran with.
   */
  static String describeThisJvm() {
    long maxHeapMebibytes = Runtime.getRuntime().maxMemory() / (1024 * 1024);
    return System.getProperty("java.vm.name") + " " + Runtime.version()
        + ", " + Runtime.getRuntime().availableProcessors() + " CPUs"
        + ", max heap " + maxHeapMebibytes + " MiB"
        + ", collectors: " + String.join(", ", collectorNames());
  }

  private static List<String> collectorNames() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName)
        .toList();
  }

  /**
   * Returns the advice for a JVM with {@code processors} CPUs and collectors of these names (as
   * {@link GarbageCollectorMXBean#getName()} gives them), or null if it has none.
   */
  static @Nullable String forMachine(int processors, List<String> collectorNames) {
    boolean g1 = collectorNames.stream().anyMatch(name -> name.startsWith("G1 "));
    if (!g1 || processors > 2) {
      return null;
    }
    return "The JVM runs the G1 collector on " + processors + " CPU" + (processors == 1 ? "" : "s")
        + "; start it with -XX:+UseSerialGC for less CPU per event (see the README's Configuration section)";
  }
}
