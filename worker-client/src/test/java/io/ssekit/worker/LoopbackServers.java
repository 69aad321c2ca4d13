package io.ssekit.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Small HTTP and TCP servers on 127.0.0.1 for fault tests of the publisher. */
final class LoopbackServers {

  private LoopbackServers() {}

  /** A scripted response: status, content type, body and an optional Retry-After in seconds. */
  record Answer(int status, String contentType, String body, int retryAfterSeconds) {

    static Answer accepted(String... ids) {
      return new Answer(202, "application/json", "{\"ids\":[\"" + String.join("\",\"", ids) + "\"]}", -1);
    }

    static Answer problem(int status, String detail, String field) {
      String fieldMember = field == null ? "" : ",\"field\":\"" + field + "\"";
      return new Answer(status, "application/problem+json",
          "{\"type\":\"about:blank\",\"status\":" + status + ",\"detail\":\"" + detail + "\"" + fieldMember + "}",
          -1);
    }

    Answer withRetryAfter(int seconds) {
      return new Answer(status, contentType, body, seconds);
    }
  }

  /**
   * An HTTP server that records each request body and responds as {@code script} returns, called on
   * one of its own threads per request, so a script may block.
   */
  static final class ScriptedServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    ScriptedServer(Function<String, Answer> script) {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext(EventPublisher.BROADCAST_PATH, exchange -> answer(exchange, script));
      server.setExecutor(threads);
      server.start();
    }

    private void answer(HttpExchange exchange, Function<String, Answer> script) throws IOException {
      try {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        bodies.add(body);
        Answer answer = script.apply(body);
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        if (answer.retryAfterSeconds() >= 0) {
          exchange.getResponseHeaders().set("Retry-After", Integer.toString(answer.retryAfterSeconds()));
        }
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
      } finally {
        exchange.close();
      }
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Returns the bodies received so far, in arrival order. */
    List<String> bodies() {
      return new ArrayList<>(bodies);
    }

    @Override
    public void close() {
      server.stop(0);
      threads.shutdownNow();
    }
  }

  /** A TCP server that accepts connections, reads nothing and never responds. */
  static final class SilentServer implements AutoCloseable {

    private final ServerSocket socket;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentServer() {
      try {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      acceptor = new Thread(this::acceptForever, "silent-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void acceptForever() {
      while (!socket.isClosed()) {
        try {
          accepted.add(socket.accept());
        } catch (IOException closed) {
          return;
        }
      }
    }

    String baseUrl() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    int acceptedConnections() {
      return accepted.size();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : accepted) {
        connection.close();
      }
      try {
        acceptor.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Returns a loopback port on which nothing listens, found by binding and closing it. */
  static int closedPort() {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
