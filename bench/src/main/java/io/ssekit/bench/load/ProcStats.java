package io.ssekit.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a server's memory and CPU time from Linux's {@code /proc}: resident set size from
 * {@code /proc/<pid>/status} ({@code VmRSS}) and user plus system CPU time of all its threads
 * from {@code /proc/<pid>/stat} ({@code utime} and {@code stime}, in clock ticks). A server of
 * several processes (nginx's master and worker) is read as the sum over its pids.
 */
final class ProcStats {

  private ProcStats() {}

  /** Returns the summed resident set size of {@code pids} in KiB. */
  static long rssKib(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      total += rssKib(pid);
    }
    return total;
  }

  /** Returns the summed user and system CPU time of {@code pids} in clock ticks, in that order. */
  static long[] cpuTicks(List<Long> pids) {
    long[] total = new long[2];
    for (long pid : pids) {
      long[] ticks = cpuTicks(pid);
      total[0] += ticks[0];
      total[1] += ticks[1];
    }
    return total;
  }

  /**
   * Returns the resident set size of process {@code pid} in KiB.
   *
   * @throws IllegalStateException if the process does not exist or has no {@code VmRSS} line
   */
  static long rssKib(long pid) {
    for (String line : readLines(Path.of("/proc", Long.toString(pid), "status"), pid)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring("VmRSS:".length()).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("/proc/" + pid + "/status has no VmRSS line; is " + pid + " a zombie?");
  }

  /** Returns {@code utime} and {@code stime} of process {@code pid} in clock ticks. */
  static long[] cpuTicks(long pid) {
    String stat = String.join(" ", readLines(Path.of("/proc", Long.toString(pid), "stat"), pid));
    return parseCpuTicks(stat);
  }

  /**
   * Returns {@code utime} and {@code stime} from the text of a {@code /proc/<pid>/stat} file:
   * fields 14 and 15, counted after the command name, which is in parentheses and may contain
   * spaces.
   */
  static long[] parseCpuTicks(String stat) {
    int commandEnd = stat.lastIndexOf(')');
    if (commandEnd < 0) {
      throw new IllegalStateException("not a /proc/<pid>/stat line: " + stat);
    }
    // After ") " come field 3 (state) onwards, so utime (14) and stime (15) are at 11 and 12.
    String[] fields = stat.substring(commandEnd + 2).trim().split("\\s+");
    return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
  }

  /** Returns the kernel's clock ticks per second ({@code getconf CLK_TCK}), 100 if unknown. */
  static long clockTicksPerSecond() {
    try {
      Process process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0) {
        return Long.parseLong(output);
      }
    } catch (IOException | NumberFormatException e) {
      // Linux has used 100 on every common architecture for decades.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }

  /** Returns the 1-minute load average from {@code /proc/loadavg}, or -1 if it cannot be read. */
  static double loadAverage1m() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private static List<String> readLines(Path path, long pid) {
    try {
      return Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalStateException("no process with pid " + pid + " (" + path + " does not exist)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }
}
