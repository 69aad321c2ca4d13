package io.ssekit.bench.load;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes numbered events at a fixed rate, one event per POST over one keep-alive
 * connection, each request sent after the previous one was answered. One connection in order
 * keeps the events in sequence order at the server, so an event that arrives out of order at a
 * stream is the server's doing.
 *
 * <p>Event {@code i} is due at {@code start + i / rate}. A request that is late, because the
 * previous one was slow, goes out at once, and its {@code sent_us} is the time it actually left.
 * Confined to the calling thread.
 */
final class RatePublisher {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_ERROR_SAMPLES = 5;

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final URI url;

  private long sent;
  private long failed;
  private long maxLagNanos;
  private long durationNanos;
  private final List<String> errorSamples = new ArrayList<>();

  RatePublisher(URI url) {
    this.url = url;
  }

  /**
   * Publishes the events numbered {@code firstSeq} to {@code firstSeq + count - 1} at
   * {@code rate} per second; stops early at {@code deadlineNanos} ({@link System#nanoTime()}).
   */
  void publish(long firstSeq, int count, double rate, long deadlineNanos) {
    long start = System.nanoTime();
    double periodNanos = 1e9 / rate;
    for (int i = 0; i < count; i++) {
      long due = start + (long) (i * periodNanos);
      if (due > deadlineNanos) {
        errorSamples.add("stopped at event " + i + " of " + count + ": the run's time bound was reached");
        break;
      }
      waitUntil(due);
      maxLagNanos = Math.max(maxLagNanos, System.nanoTime() - due);
      send(BenchPayload.json(firstSeq + i, BenchPayload.nowMicros()));
    }
    durationNanos = System.nanoTime() - start;
  }

  /** Returns the publish results as JSON. */
  ObjectNode toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("sent", sent);
    json.put("failed", failed);
    json.put("max_lag_ms", maxLagNanos / 1_000_000.0);
    json.put("duration_ms", durationNanos / 1_000_000.0);
    json.putArray("error_samples").addAll(errorSamples.stream().map(JsonNodeFactory.instance::textNode).toList());
    return json;
  }

  long failed() {
    return failed;
  }

  private void send(String json) {
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 == 2) {
        sent++;
        return;
      }
      recordFailure("status " + response.statusCode() + ": " + abbreviate(response.body()));
    } catch (IOException e) {
      recordFailure(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      recordFailure("interrupted");
    }
  }

  private void recordFailure(String message) {
    failed++;
    if (errorSamples.size() < MAX_ERROR_SAMPLES) {
      errorSamples.add(message);
    }
  }

  private static void waitUntil(long dueNanos) {
    long remaining;
    while ((remaining = dueNanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}
