package io.ssekit.worker;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.TypedEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Publishes events to an events server's broadcast endpoint from a worker process.
 *
 * <p>Every publish call puts the event in a bounded in-memory buffer and returns. One
 * background sender thread takes the buffered events in order, groups them into
 * {@code {"events":[...]}} requests of up to {@link Builder#maxBatchSize(int)} events (waiting
 * up to {@link Builder#linger(Duration)} for a batch to fill), and sends one request at a
 * time, so the server publishes events in the order they were buffered.
 *
 * <p>Delivery: each event carries an idempotency key (the caller's, or a random UUID), and
 * every retry of the event sends the same key, so a retry after a lost response is a no-op on
 * the server within its idempotency window. Connection errors, timeouts, {@code 429} and
 * {@code 5xx} responses are retried by the {@link RetryPolicy}; any other {@code 4xx} fails the
 * event at once with the server's problem detail. When the server rejects one event of a
 * batch, only the calls that contributed that event fail, and the rest of the batch is sent
 * again without it.
 *
 * <p>Buffer policy: the buffer contains at most {@link Builder#maxBufferedEvents(int)} events and
 * {@link Builder#maxBufferedBytes(long)} bytes of JSON, counting events in flight until the
 * server acknowledges them. When an event does not fit, the publish call blocks up to
 * {@link Builder#maxBlock(Duration)} for space, then throws {@link BufferFullException} and
 * queues nothing. A call never blocks longer than that while the server is down.
 *
 * <p>Closing: {@link #close(Duration)} stops accepting events, sends what is buffered without
 * lingering, and returns within its deadline the events that the server did not acknowledge;
 * their futures fail with {@link PublishException}.
 *
 * <p>Futures: the returned futures complete on the sender thread, so dependent stages added
 * without an executor run there and delay other events; keep them short or use the
 * {@code ...Async} stage methods. Implementations are safe for concurrent use.
 */
public interface EventPublisher extends AutoCloseable {

  /** The broadcast path below the base URL of the standalone server. */
  String BROADCAST_PATH = "/api/v2/events/broadcast";

  /**
   * Returns a builder for a server at {@code baseUrl}, such as {@code http://localhost:8000};
   * events go to {@code baseUrl} + {@value #BROADCAST_PATH}.
   *
   * @throws IllegalArgumentException if {@code baseUrl} is not an http or https URL
   */
  static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  /**
   * Buffers {@code event} for sending with a new random idempotency key.
   *
   * @return a future of the id the server assigned; it fails with {@link PublishException}
   * @throws BufferFullException if the buffer stayed full for the maximum blocking time
   * @throws IllegalStateException if the publisher is closed
   */
  CompletableFuture<String> publishAsync(TypedEvent event);

  /**
   * Buffers {@code event} for sending with {@code idempotencyKey}: publishing the same key
   * again within the server's window returns the original id and publishes nothing.
   *
   * @param idempotencyKey 1 to 200 characters, unique per event
   * @see #publishAsync(TypedEvent)
   */
  CompletableFuture<String> publishAsync(TypedEvent event, String idempotencyKey);

  /**
   * Buffers an event of any type given as a JSON object with a {@code type} field, as it
   * appears in the stream's {@code data}; an {@code idempotency_key} field in it is used as
   * its key, and otherwise a random one is added.
   *
   * @throws IllegalArgumentException if {@code event} has no text {@code type} field or its
   *     key is not 1 to 200 characters of text
   * @see #publishAsync(TypedEvent)
   */
  CompletableFuture<String> publishJsonAsync(ObjectNode event);

  /**
   * Buffers {@code events} as one batch that the server publishes whole or not at all; the
   * batch is never split across requests.
   *
   * @return a future of the assigned ids, in the order of {@code events}
   * @throws IllegalArgumentException if {@code events} is empty or has more events than one
   *     request or the buffer may hold
   * @see #publishAsync(TypedEvent)
   */
  CompletableFuture<List<String>> publishAllAsync(List<? extends TypedEvent> events);

  /**
   * Publishes {@code event} and blocks until the server acknowledges it. The sender sends it
   * without lingering. Blocks at most the maximum blocking time for buffer space, then until
   * the server responds, the retry policy gives up, or the publisher closes.
   *
   * @return the id the server assigned
   * @throws PublishException if the event was not published
   * @throws IllegalStateException if the publisher is closed
   */
  String publish(TypedEvent event);

  /**
   * Publishes {@code event} with {@code idempotencyKey} and blocks until the server
   * acknowledges it; see {@link #publish(TypedEvent)}.
   */
  String publish(TypedEvent event, String idempotencyKey);

  /**
   * Publishes {@code events} as one batch and blocks until the server acknowledges it; see
   * {@link #publishAllAsync(List)} and {@link #publish(TypedEvent)}.
   *
   * @return the assigned ids, in the order of {@code events}
   */
  List<String> publishAll(List<? extends TypedEvent> events);

  /**
   * Sends everything buffered before this call without lingering, and blocks until the server
   * acknowledged it or the publisher gave up on it, or {@code timeout} passed.
   *
   * @return whether every event buffered before the call was settled within {@code timeout}
   */
  boolean flush(Duration timeout);

  /** Returns the number of events buffered or in flight, not yet acknowledged or given up. */
  int bufferedEvents();

  /**
   * Stops accepting events, sends what is buffered, and waits up to {@code deadline} for the
   * server to acknowledge it. Events still unacknowledged at the deadline are given up: their
   * futures fail with {@link PublishException} and they are returned. Stops the sender thread.
   *
   * <p>A second call waits for the first one to finish and returns the same events.
   *
   * @return the events not acknowledged, in buffer order; empty if all were sent
   */
  List<UnsentEvent> close(Duration deadline);

  /**
   * Closes with the configured {@link Builder#closeTimeout(Duration)} and logs a warning that
   * counts the events that could not be sent.
   */
  @Override
  void close();

  /** Configures an {@link EventPublisher}. Not thread-safe. */
  final class Builder {

    /** Default maximum number of events in one request. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 100;

    /** Default maximum request body size; half the server's default limit of 1 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

    /** Default maximum number of events buffered or in flight. */
    public static final int DEFAULT_MAX_BUFFERED_EVENTS = 10_000;

    /** Default maximum bytes of event JSON buffered or in flight. */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 16L * 1024 * 1024;

    URI broadcastUri;
    @Nullable String token;
    Duration connectTimeout = Duration.ofSeconds(5);
    Duration requestTimeout = Duration.ofSeconds(10);
    RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    Duration linger = Duration.ofMillis(5);
    int maxBufferedEvents = DEFAULT_MAX_BUFFERED_EVENTS;
    long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
    Duration maxBlock = Duration.ofSeconds(1);
    Duration closeTimeout = Duration.ofSeconds(5);

    private Builder(String baseUrl) {
      requireNonNull(baseUrl, "baseUrl");
      String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
      URI uri;
      try {
        uri = URI.create(trimmed + BROADCAST_PATH);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "baseUrl: \"" + baseUrl + "\" (expected: an http or https URL such as http://localhost:8000)", e);
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "baseUrl: \"" + baseUrl + "\" (expected: an http or https URL such as http://localhost:8000)");
      }
      this.broadcastUri = uri;
    }

    /** Sets the bearer token the server expects; none by default. A blank token means none. */
    public Builder token(@Nullable String token) {
      this.token = token == null || token.isBlank() ? null : token;
      return this;
    }

    /** Sets both the connect timeout and the request timeout. */
    public Builder timeout(Duration timeout) {
      return connectTimeout(timeout).requestTimeout(timeout);
    }

    /** Sets the time to wait for a TCP connection; defaults to 5 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = requirePositive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Sets the time to wait for the server's complete response to one request; an attempt that
     * takes longer counts as failed and is retried. Defaults to 10 s.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = requirePositive(timeout, "requestTimeout");
      return this;
    }

    /** Sets when failed requests are retried; defaults to {@link RetryPolicy#DEFAULT}. */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = requireNonNull(policy, "retryPolicy");
      return this;
    }

    /**
     * Sets the maximum number of events in one request; 1 sends every event alone. Keep it
     * at or below the server's {@code MAX_BATCH_SIZE}. Defaults to {@value #DEFAULT_MAX_BATCH_SIZE}.
     */
    public Builder maxBatchSize(int maxBatchSize) {
      if (maxBatchSize < 1) {
        throw new IllegalArgumentException("maxBatchSize: " + maxBatchSize + " (expected: >= 1)");
      }
      this.maxBatchSize = maxBatchSize;
      return this;
    }

    /**
     * Sets the body size up to which events are added to one request; an event larger than it
     * still goes alone. Keep it below the server's {@code MAX_BODY_BYTES}. Defaults to 512 KiB.
     */
    public Builder maxRequestBytes(int maxRequestBytes) {
      if (maxRequestBytes < 1024) {
        throw new IllegalArgumentException("maxRequestBytes: " + maxRequestBytes + " (expected: >= 1024)");
      }
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /**
     * Sets how long the sender waits for more events after the first one of a batch before it
     * sends a batch that is not full; zero sends at once. Defaults to 5 ms.
     */
    public Builder linger(Duration linger) {
      requireNonNull(linger, "linger");
      if (linger.isNegative()) {
        throw new IllegalArgumentException("linger: " + linger + " (expected: >= 0)");
      }
      this.linger = linger;
      return this;
    }

    /** Sets the maximum number of events buffered or in flight; defaults to {@value #DEFAULT_MAX_BUFFERED_EVENTS}. */
    public Builder maxBufferedEvents(int maxBufferedEvents) {
      if (maxBufferedEvents < 1) {
        throw new IllegalArgumentException("maxBufferedEvents: " + maxBufferedEvents + " (expected: >= 1)");
      }
      this.maxBufferedEvents = maxBufferedEvents;
      return this;
    }

    /** Sets the maximum bytes of event JSON buffered or in flight; defaults to 16 MiB. */
    public Builder maxBufferedBytes(long maxBufferedBytes) {
      if (maxBufferedBytes < 1024) {
        throw new IllegalArgumentException("maxBufferedBytes: " + maxBufferedBytes + " (expected: >= 1024)");
      }
      this.maxBufferedBytes = maxBufferedBytes;
      return this;
    }

    /**
     * Sets how long a publish call waits for buffer space before it throws
     * {@link BufferFullException}; zero rejects at once. Defaults to 1 s.
     */
    public Builder maxBlock(Duration maxBlock) {
      requireNonNull(maxBlock, "maxBlock");
      if (maxBlock.isNegative()) {
        throw new IllegalArgumentException("maxBlock: " + maxBlock + " (expected: >= 0)");
      }
      this.maxBlock = maxBlock;
      return this;
    }

    /** Sets the deadline of {@link EventPublisher#close()}; defaults to 5 s. */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = requirePositive(closeTimeout, "closeTimeout");
      return this;
    }

    /** Returns a publisher and starts its sender thread. */
    public EventPublisher build() {
      return new HttpEventPublisher(this);
    }

    private static Duration requirePositive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
      return value;
    }
  }
}
