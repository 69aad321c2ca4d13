package io.ssekit.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A generator process in the reader role, started by the coordinator for the streams beyond
 * what one process may hold. It runs the same JVM with the same class path and JVM options.
 *
 * <p>The protocol is line-based. The child prints {@code READY <opened> <failed>} once its
 * streams are open and {@code COMPLETE} once each of them has every event. The coordinator
 * writes {@code FINISH}; the child then closes its streams, prints {@code RESULT <json>} and
 * exits. A child also finishes by itself at its {@code --max-seconds}.
 *
 * <p>A thread per child reads its output, so the state methods are safe to call from the
 * coordinating thread.
 */
final class ReaderProcess {

  static final String READY = "READY";
  static final String COMPLETE = "COMPLETE";
  static final String FINISH = "FINISH";
  static final String RESULT = "RESULT ";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Writer commands;
  private final Thread outputReader;

  // Written by the output reader thread.
  private volatile boolean ready;
  private volatile boolean complete;
  private volatile JsonNode result;
  private volatile String lastLine = "";

  private ReaderProcess(Process process) {
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.outputReader = new Thread(this::readOutput, "reader-process-" + process.pid());
    outputReader.setDaemon(true);
    outputReader.start();
  }

  /**
   * Starts a child process that keeps {@code count} streams open from {@code firstStream}, with the
   * coordinator's other options.
   */
  static ReaderProcess start(String[] coordinatorArgs, int firstStream, int count) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LoadGenerator.class.getName());
    for (String arg : coordinatorArgs) {
      // The child gets its own share, role and output; the rest is the coordinator's.
      if (!arg.startsWith("--streams=") && !arg.startsWith("--out=") && !arg.startsWith("--server-pid=")) {
        command.add(arg);
      }
    }
    command.add("--role=reader");
    command.add("--first-stream=" + firstStream);
    command.add("--streams=" + count);
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    return new ReaderProcess(process);
  }

  boolean isReady() {
    return ready;
  }

  boolean isComplete() {
    return complete;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Tells the child to close its streams and report. */
  void finish() {
    try {
      commands.write(FINISH + "\n");
      commands.flush();
    } catch (IOException e) {
      // The child has already exited; its result, if any, was read.
    }
  }

  /**
   * Waits up to {@code timeoutMillis} for the child's result and exit, and ends it if it does
   * not exit in time.
   *
   * @throws IllegalStateException if the child exited without a result
   */
  DeliveryStats awaitResult(long timeoutMillis) throws InterruptedException {
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      process.destroy();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    outputReader.join(5_000);
    JsonNode json = result;
    if (json == null) {
      throw new IllegalStateException(
          "reader process " + process.pid() + " exited with status " + exitValueOrRunning()
              + " and no result; its last output line was: " + lastLine);
    }
    return DeliveryStats.fromJson(json);
  }

  private String exitValueOrRunning() {
    return process.isAlive() ? "(still running)" : Integer.toString(process.exitValue());
  }

  private void readOutput() {
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        lastLine = line;
        if (line.startsWith(READY)) {
          ready = true;
        } else if (line.equals(COMPLETE)) {
          complete = true;
        } else if (line.startsWith(RESULT)) {
          result = JSON.readTree(line.substring(RESULT.length()));
        } else {
          System.err.println("[reader " + process.pid() + "] " + line);
        }
      }
    } catch (IOException e) {
      lastLine = "output unreadable: " + e;
    }
  }
}
