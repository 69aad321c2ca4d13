package io.ssekit.examples.embedded;

import static java.util.Objects.requireNonNull;

import io.ssekit.servlet.CorsFilter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The settings of an embedding example: where it listens, the publishers' bearer token, the
 * origins allowed to call it from a browser, and how long its shutdown may take.
 *
 * @param host the address to bind, such as {@code 127.0.0.1}
 * @param port the HTTP port; 0 picks a free one
 * @param broadcastToken the bearer token publishers must send, or null to accept publishers on
 *     loopback only
 * @param allowedOrigins the origins whose pages may call the endpoints with cookies
 * @param shutdownGrace how long a stop waits for streams to end before it cuts them
 */
public record HostSettings(
    String host,
    int port,
    @Nullable String broadcastToken,
    List<String> allowedOrigins,
    Duration shutdownGrace) {

  /** Default time a stop waits for streams to end. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

  public HostSettings {
    requireNonNull(host, "host");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535)");
    }
    allowedOrigins = List.copyOf(allowedOrigins);
    requireNonNull(shutdownGrace, "shutdownGrace");
  }

  /**
   * Reads {@code HOST} (default {@code 127.0.0.1}), {@code PORT} (default {@code defaultPort}),
   * {@code BROADCAST_TOKEN} (default unset) and {@code CORS_ALLOWED_ORIGINS} (comma-separated,
   * default the React development servers) from {@code environment}.
   *
   * @throws IllegalArgumentException naming the variable that does not parse
   */
  public static HostSettings fromEnvironment(Map<String, String> environment, int defaultPort) {
    String portText = environment.getOrDefault("PORT", String.valueOf(defaultPort)).trim();
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "PORT=\"" + portText + "\" is invalid (expected: an integer from 0 to 65535)");
    }
    String origins = environment.get("CORS_ALLOWED_ORIGINS");
    List<String> allowedOrigins = origins == null
        ? CorsFilter.DEFAULT_ALLOWED_ORIGINS
        : Arrays.stream(origins.split(",")).map(String::trim).filter(origin -> !origin.isEmpty()).toList();
    String token = environment.get("BROADCAST_TOKEN");
    return new HostSettings(
        environment.getOrDefault("HOST", "127.0.0.1"),
        port,
        token == null || token.isBlank() ? null : token,
        allowedOrigins,
        DEFAULT_SHUTDOWN_GRACE);
  }
}
