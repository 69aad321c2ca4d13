package io.ssekit.redis.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@code redis-server} process of the test's own on a free loopback port, without
 * persistence, that the test can stop by its PID and start again on the same port.
 *
 * <p>{@code redis-server} must be on the PATH; if it is not, {@link #start()} fails the test.
 * Confined to the test thread.
 */
public final class RedisServerProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final int port;
  private final Path logFile;
  private @Nullable Process process;

  private RedisServerProcess(int port, Path logFile) {
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts {@code redis-server} on a free port and waits until it accepts connections. */
  public static RedisServerProcess start(Path workDirectory) throws IOException {
    RedisServerProcess server =
        new RedisServerProcess(freePort(), workDirectory.resolve("redis-server.log"));
    server.restart();
    return server;
  }

  public int port() {
    return port;
  }

  /** Returns the PID of the running process. */
  public long pid() {
    if (process == null) {
      throw new IllegalStateException("redis-server is stopped");
    }
    return process.pid();
  }

  /** Returns {@code redis://127.0.0.1:<port>/0}. */
  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /**
   * Stops the process by its PID, as {@code kill PID} does (SIGTERM), and waits until it has
   * exited. Redis saves nothing on the way, because persistence is off.
   */
  public void stop() throws InterruptedException {
    Process running = process;
    if (running == null) {
      return;
    }
    running.destroy();
    if (!running.waitFor(10, TimeUnit.SECONDS)) {
      running.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    process = null;
  }

  /** Starts the process again on the same port; the new server has an empty data set. */
  public void restart() throws IOException {
    if (process != null) {
      throw new IllegalStateException("redis-server is running as PID " + process.pid());
    }
    List<String> command = new ArrayList<>(List.of(
        "redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no"));
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
    await("redis-server on port " + port + " (log: " + logFile + ")")
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(20))
        .until(this::acceptsConnections);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private boolean acceptsConnections() {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException("redis-server exited; see " + logFile);
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
