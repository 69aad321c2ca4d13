package io.ssekit.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code web-app/bin/ssekit-server} as README.md does. The launcher must find the jar that
 * {@code package} built, choose the collector for the CPU count unless the user chose one, and
 * replace itself with the JVM.
 *
 * <p>Runs in the integration-test phase, after {@code package} built the jar; the
 * {@code ssekit.launcher} system property names the script.
 */
class LauncherIT {

  private static final String SERIAL_COLLECTORS = "collectors: Copy, MarkSweepCompact";
  private static final String G1_COLLECTORS = "collectors: G1 Young Generation, G1 Old Generation";
  private static final Pattern MAX_HEAP = Pattern.compile("max heap (\\d+) MiB");

  private final List<Process> processes = new ArrayList<>();

  @TempDir Path logs;

  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (Process process : processes) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void defaultsChooseCollectorForCpus() throws Exception {
    Path log = logs.resolve("launcher-defaults.log");
    Process server = startServer(Map.of(), log);

    assertThat(output(log)).contains(expectedDefaultCollectors());
    assertThat(ProcessHandle.of(server.pid()).flatMap(handle -> handle.info().command()))
        .as("command of the launcher's process after exec")
        .hasValueSatisfying(command -> assertThat(command).endsWith("/java"));

    server.destroy();
    assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    // 128 + 15: the JVM itself received SIGTERM and ran its shutdown hook.
    assertThat(server.exitValue()).isEqualTo(143);
    assertThat(output(log)).contains("EventServer - Stopped");
  }

  @Test
  void userOptionsKeepDefaultCollector() throws Exception {
    Path log = logs.resolve("launcher-heap.log");
    startServer(Map.of("SSEKIT_JAVA_OPTS", "-Xmx160m -Dssekit.test=1"), log);

    assertThat(output(log)).contains(expectedDefaultCollectors());
    assertThat(maxHeapMebibytes(output(log))).isBetween(100L, 160L);
  }

  @Test
  void userCollectorChoiceWins() throws Exception {
    Path log = Files.createTempFile("launcher-g1", ".log");
    startServer(Map.of("SSEKIT_JAVA_OPTS", "-Xmx128m -XX:+UseG1GC"), log);

    assertThat(output(log)).contains(G1_COLLECTORS);
    assertThat(output(log)).doesNotContain(SERIAL_COLLECTORS);
  }

  @Test
  void optionsEndingInGcAreNoChoice() throws Exception {
    Path log = logs.resolve("launcher-other-options.log");
    startServer(Map.of("SSEKIT_JAVA_OPTS", "-XX:+UseCompressedOops -XX:+DisableExplicitGC"), log);

    assertThat(output(log)).contains(expectedDefaultCollectors());
  }

  @Test
  void tabSeparatedCollectorChoiceWins() throws Exception {
    Path log = logs.resolve("launcher-tab.log");
    startServer(Map.of("SSEKIT_JAVA_OPTS", "-Xmx128m\t-XX:+UseG1GC"), log);

    assertThat(output(log)).contains(G1_COLLECTORS);
  }

  @Test
  void collectorInToolOptionsWins() throws Exception {
    Path log = logs.resolve("launcher-tool-options.log");
    startServer(Map.of("JAVA_TOOL_OPTIONS", "-XX:+UseG1GC"), log);

    assertThat(output(log)).contains(G1_COLLECTORS);
    assertThat(output(log)).doesNotContain("Multiple garbage collectors");
  }

  @Test
  void missingJavaIsReported() throws Exception {
    Path log = logs.resolve("launcher-missing-java.log");
    Process launcher = launchUntilExit(Map.of("JAVA_HOME", "/nonexistent/jdk"), log, "--port=1");

    assertThat(launcher.exitValue()).isEqualTo(1);
    assertThat(output(log))
        .contains("no java command at /nonexistent/jdk/bin/java (from JAVA_HOME=/nonexistent/jdk)")
        .contains("set JAVA_HOME to a JDK 17 or newer");
  }

  @Test
  void missingJarIsReported() throws Exception {
    Path log = logs.resolve("launcher-missing-jar.log");
    Process launcher = launchUntilExit(Map.of("SSEKIT_JAR", "/nonexistent/ssekit-server.jar"), log, "--help");

    assertThat(launcher.exitValue()).isEqualTo(1);
    assertThat(output(log))
        .contains("SSEKIT_JAR=/nonexistent/ssekit-server.jar is not a file")
        .contains("set it to the path of ssekit-server.jar");
  }

  @Test
  void helpReachesTheServer() throws Exception {
    Path log = logs.resolve("launcher-help.log");
    Process launcher = launchUntilExit(Map.of(), log, "--help");

    assertThat(launcher.exitValue()).isZero();
    assertThat(output(log))
        .contains("Usage: web-app/bin/ssekit-server [--name=value ...]")
        .contains("SHUTDOWN_GRACE");
  }

  /** Starts the server through the launcher on a free loopback port and waits until it listens. */
  private Process startServer(Map<String, String> environment, Path log) throws Exception {
    int port = LoopbackPorts.free();
    Process server = launch(environment, log, "--host=127.0.0.1", "--port=" + port);
    String listening = "Listening on http://127.0.0.1:" + port;
    await().atMost(Duration.ofSeconds(30))
        .until(() -> output(log).contains(listening) || !server.isAlive());
    assertThat(output(log)).as("the server's output").contains(listening);
    return server;
  }

  /** Runs the launcher and waits until it exits, which it must do within 20 seconds. */
  private Process launchUntilExit(Map<String, String> environment, Path log, String... arguments)
      throws Exception {
    Process launcher = launch(environment, log, arguments);
    assertThat(launcher.waitFor(20, TimeUnit.SECONDS)).as("exited; output:%n%s", output(log)).isTrue();
    return launcher;
  }

  private Process launch(Map<String, String> environment, Path log, String... arguments)
      throws IOException {
    Path launcher = Path.of(System.getProperty("ssekit.launcher", "bin/ssekit-server"));
    List<String> command = new ArrayList<>();
    command.add(launcher.toString());
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("SSEKIT_JAVA_OPTS");
    builder.environment().remove("SSEKIT_JAR");
    builder.environment().remove("JAVA");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    // The same JDK as this test, whatever java is first on the PATH.
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().putAll(environment);
    builder.redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  /** Returns the collectors that the launcher's defaults give on this machine. */
  private static String expectedDefaultCollectors() throws Exception {
    // Counted as the launcher counts them, without OMP_NUM_THREADS.
    Process nproc = new ProcessBuilder("env", "-u", "OMP_NUM_THREADS", "-u", "OMP_THREAD_LIMIT", "nproc").start();
    String cpus = new String(nproc.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertThat(nproc.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return Integer.parseInt(cpus) <= 2 ? SERIAL_COLLECTORS : G1_COLLECTORS;
  }

  private static long maxHeapMebibytes(String output) {
    Matcher matcher = MAX_HEAP.matcher(output);
    assertThat(matcher.find()).as("max heap in the JVM line of:%n%s", output).isTrue();
    return Long.parseLong(matcher.group(1));
  }

  private static String output(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
