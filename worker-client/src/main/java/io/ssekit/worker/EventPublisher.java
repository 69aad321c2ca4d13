package io.ssekit.worker;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.TypedEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Posts events to an events server's broadcast endpoint.
 *
 * <p>Each call sends one request and waits for the answer, at most the configured timeout.
 * Safe for concurrent use; {@link #close()} releases nothing that calls still need, so calls
 * after it still work.
 */
public final class EventPublisher implements AutoCloseable {

  /** The broadcast path below the base URL of the standalone server. */
  public static final String BROADCAST_PATH = "/api/v2/events/broadcast";

  /** Default time to wait for a connection and for each answer. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final URI broadcastUri;
  private final @Nullable String token;
  private final Duration timeout;
  private final HttpClient http;

  private EventPublisher(Builder builder) {
    this.broadcastUri = builder.broadcastUri;
    this.token = builder.token;
    this.timeout = builder.timeout;
    this.http = HttpClient.newBuilder().connectTimeout(builder.timeout).build();
  }

  /**
   * Returns a builder for a server at {@code baseUrl}, such as {@code http://localhost:8000};
   * events go to {@code baseUrl} + {@value #BROADCAST_PATH}.
   */
  public static Builder builder(String baseUrl) {
    return new Builder(baseUrl);
  }

  /**
   * Publishes one event.
   *
   * @return the id the server assigned
   * @throws PublishException if the server is unreachable, times out or rejects the event
   */
  public String publish(TypedEvent event) {
    return publishJson(EventJson.mapper().valueToTree(event)).get(0);
  }

  /**
   * Publishes events as one batch: the server publishes all of them or none.
   *
   * @return the assigned ids, in the order of {@code events}
   * @throws PublishException if the server is unreachable, times out or rejects the batch
   */
  public List<String> publishAll(List<? extends TypedEvent> events) {
    ObjectNode batch = EventJson.mapper().createObjectNode();
    ArrayNode array = batch.putArray("events");
    for (TypedEvent event : events) {
      array.add(EventJson.mapper().<JsonNode>valueToTree(event));
    }
    return publishJson(batch);
  }

  /**
   * Publishes an event of any type given as a JSON object with a {@code type} field, or a
   * batch {@code {"events":[...]}}.
   *
   * @return the assigned ids, in request order
   * @throws PublishException if the server is unreachable, times out or rejects the request
   */
  public List<String> publishJson(JsonNode body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(broadcastUri)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = send(request.build());
    if (response.statusCode() != 202) {
      throw new PublishException(
          "publish to " + broadcastUri + " failed with status " + response.statusCode() + ": "
              + detail(response.body()), response.statusCode());
    }
    return ids(response.body());
  }

  @Override
  public void close() {
    // HttpClient on Java 17 has no close(); its threads end once it is unreachable.
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new PublishException(
          "publish to " + broadcastUri + " timed out after " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new PublishException("publish to " + broadcastUri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("publish to " + broadcastUri + " was interrupted", e);
    }
  }

  private List<String> ids(String body) {
    try {
      JsonNode ids = EventJson.mapper().readTree(body).path("ids");
      List<String> result = new ArrayList<>(ids.size());
      ids.forEach(id -> result.add(id.asText()));
      return result;
    } catch (IOException e) {
      throw new PublishException(
          "publish to " + broadcastUri + " got an answer without ids: " + abbreviate(body), 202);
    }
  }

  private static String detail(String body) {
    try {
      JsonNode problem = EventJson.mapper().readTree(body);
      if (problem.hasNonNull("detail")) {
        return problem.get("detail").asText();
      }
    } catch (IOException notJson) {
      // Fall through to the raw body.
    }
    return abbreviate(body);
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** Configures an {@link EventPublisher}. Not thread-safe. */
  public static final class Builder {

    private final URI broadcastUri;
    private @Nullable String token;
    private Duration timeout = DEFAULT_TIMEOUT;

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
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException(
            "baseUrl: \"" + baseUrl + "\" (expected: an http or https URL such as http://localhost:8000)");
      }
      this.broadcastUri = uri;
    }

    /** Sets the bearer token the server expects; none by default. */
    public Builder token(@Nullable String token) {
      this.token = token == null || token.isBlank() ? null : token;
      return this;
    }

    /** Sets the connect and answer timeout; defaults to 10 seconds. */
    public Builder timeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
      }
      this.timeout = timeout;
      return this;
    }

    public EventPublisher build() {
      return new EventPublisher(this);
    }
  }
}
