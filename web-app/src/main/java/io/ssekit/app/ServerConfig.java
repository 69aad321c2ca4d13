package io.ssekit.app;

import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.PublishRequestParser;
import io.ssekit.core.SseBroker;
import io.ssekit.core.VideoStatusStore;
import io.ssekit.redis.RedisEventBus;
import io.ssekit.servlet.CorsFilter;
import io.ssekit.servlet.SseEndpoints;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The settings of the standalone server, read from environment variables and command-line
 * flags. Each variable {@code NAME} has the flag {@code --name=value} (lower case, {@code -}
 * for {@code _}), and a flag overrides its variable.
 *
 * @param host the address to bind, {@code 0.0.0.0} for all
 * @param port the HTTP port; 0 picks a free one
 * @param heartbeatInterval the time between heartbeats
 * @param retry the reconnection time sent to clients
 * @param broadcastToken the bearer token for publishing, or null for loopback-only publishing
 * @param maxStreams the maximum number of open streams
 * @param maxStreamsPerAddress the maximum number of open streams from one client address
 * @param maxQueuedEvents the bound on live events waiting for one client
 * @param maxQueuedBytes the bound on bytes of live events waiting for one client
 * @param conflationThreshold the number of live events waiting for one client from which a
 *     newer event replaces the waiting one with the same conflation key
 * @param replayBufferSize the number of events kept for replay
 * @param replayMaxAge the maximum age of an event kept for replay
 * @param maxBodyBytes the maximum size of a publish request body
 * @param maxBatchSize the maximum number of events in one publish request
 * @param maxEventBytes the maximum size of one event's JSON
 * @param maxRequestHeaderBytes the maximum size of a request line plus headers. A longer
 *     request line, such as one with a long query, gets 414, and larger headers get 431
 * @param maxTrackedVideos the maximum number of videos whose latest status is kept
 * @param corsAllowedOrigins the origins allowed to call the API from another origin, with
 *     credentials; empty allows none
 * @param shutdownGrace how long shutdown waits for streams and requests to finish
 * @param redisUrl the Redis that several nodes share events through, such as {@code
 *     redis://127.0.0.1:6379/0}, or null for the in-memory bus of this node alone
 * @param redisStreamKey the Redis stream key; nodes that share events use the same one
 * @param streamTransport how streams are written to their sockets
 */
public record ServerConfig(
    String host,
    int port,
    Duration heartbeatInterval,
    Duration retry,
    @Nullable String broadcastToken,
    int maxStreams,
    int maxStreamsPerAddress,
    int maxQueuedEvents,
    long maxQueuedBytes,
    int conflationThreshold,
    int replayBufferSize,
    Duration replayMaxAge,
    int maxBodyBytes,
    int maxBatchSize,
    int maxEventBytes,
    int maxRequestHeaderBytes,
    int maxTrackedVideos,
    List<String> corsAllowedOrigins,
    Duration shutdownGrace,
    @Nullable String redisUrl,
    String redisStreamKey,
    StreamTransport streamTransport) {

  /** The way the server writes event streams to their sockets. */
  public enum StreamTransport {
    /** Jetty's core response, below the Servlet API: less CPU per event. */
    JETTY,
    /** Non-blocking Servlet I/O, as in any Servlet 6 container. */
    SERVLET
  }

  /** Every variable this record reads, with its meaning and default, for help and errors. */
  static final Map<String, String> VARIABLES = variables();

  /** Jetty's own default for the request line plus headers. */
  public static final int DEFAULT_MAX_REQUEST_HEADER_BYTES = 8 * 1024;

  public ServerConfig {
    corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
  }

  /** Returns the settings with every default. */
  public static ServerConfig defaults() {
    return fromSources(Map.of(), List.of());
  }

  /**
   * Reads the settings from {@code environment} and then {@code args}.
   *
   * @throws ConfigException naming the first variable or flag that does not parse
   */
  public static ServerConfig fromSources(Map<String, String> environment, List<String> args) {
    Map<String, String> values = new HashMap<>();
    Map<String, String> sourceNames = new HashMap<>();
    for (String name : VARIABLES.keySet()) {
      String value = environment.get(name);
      if (value != null && !value.isBlank()) {
        values.put(name, value.trim());
        sourceNames.put(name, name);
      }
    }
    for (String arg : args) {
      readFlag(arg, values, sourceNames);
    }
    Reader reader = new Reader(values, sourceNames);
    return new ServerConfig(
        reader.text("HOST", "0.0.0.0"),
        reader.integer("PORT", 8000, 0, 65_535),
        reader.seconds("HEARTBEAT_INTERVAL", "30", 0.001),
        Duration.ofMillis(reader.integer("RETRY_MS", 3000, 0, 3_600_000)),
        reader.optionalText("BROADCAST_TOKEN"),
        reader.integer("MAX_STREAMS", SseBroker.DEFAULT_MAX_STREAMS, 1, Integer.MAX_VALUE),
        reader.integer("MAX_STREAMS_PER_ADDRESS", SseBroker.DEFAULT_MAX_STREAMS_PER_ADDRESS, 1, Integer.MAX_VALUE),
        reader.integer("MAX_QUEUED_EVENTS", SseBroker.DEFAULT_MAX_QUEUED_EVENTS, 1, Integer.MAX_VALUE),
        reader.integer("MAX_QUEUED_BYTES", (int) SseBroker.DEFAULT_MAX_QUEUED_BYTES, 1024, Integer.MAX_VALUE),
        reader.integer("CONFLATION_THRESHOLD", SseBroker.DEFAULT_CONFLATION_THRESHOLD, 0, Integer.MAX_VALUE),
        reader.integer("REPLAY_BUFFER_SIZE", InMemoryEventBus.DEFAULT_REPLAY_CAPACITY, 1, 10_000_000),
        reader.seconds("REPLAY_MAX_AGE", "3600", 1),
        reader.integer("MAX_BODY_BYTES", SseEndpoints.DEFAULT_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024),
        reader.integer("MAX_BATCH_SIZE", PublishRequestParser.DEFAULT_MAX_BATCH_SIZE, 1, 100_000),
        reader.integer("MAX_EVENT_BYTES", PublishRequestParser.DEFAULT_MAX_EVENT_BYTES, 64, 16 * 1024 * 1024),
        reader.integer("MAX_REQUEST_HEADER_BYTES", DEFAULT_MAX_REQUEST_HEADER_BYTES, 1024, 1024 * 1024),
        reader.integer("MAX_TRACKED_VIDEOS", VideoStatusStore.DEFAULT_CAPACITY, 1, 10_000_000),
        reader.origins("CORS_ALLOWED_ORIGINS", CorsFilter.DEFAULT_ALLOWED_ORIGINS),
        reader.seconds("SHUTDOWN_GRACE", "10", 0),
        reader.redisUrl("REDIS_URL"),
        reader.nonBlankText("REDIS_STREAM_KEY", RedisEventBus.DEFAULT_STREAM_KEY),
        reader.choice("STREAM_TRANSPORT", StreamTransport.JETTY));
  }

  /** Returns the settings as one log line, with the token masked. */
  public String describe() {
    StringJoiner line = new StringJoiner(", ");
    line.add("host=" + host);
    line.add("port=" + port);
    line.add("heartbeat_interval=" + seconds(heartbeatInterval));
    line.add("retry_ms=" + retry.toMillis());
    line.add("broadcast_token=" + (broadcastToken == null ? "unset (loopback publishers only)" : "****"));
    line.add("max_streams=" + maxStreams);
    line.add("max_streams_per_address=" + maxStreamsPerAddress);
    line.add("max_queued_events=" + maxQueuedEvents);
    line.add("max_queued_bytes=" + maxQueuedBytes);
    line.add("conflation_threshold=" + conflationThreshold);
    line.add("replay_buffer_size=" + replayBufferSize);
    line.add("replay_max_age=" + seconds(replayMaxAge));
    line.add("max_body_bytes=" + maxBodyBytes);
    line.add("max_batch_size=" + maxBatchSize);
    line.add("max_event_bytes=" + maxEventBytes);
    line.add("max_request_header_bytes=" + maxRequestHeaderBytes);
    line.add("max_tracked_videos=" + maxTrackedVideos);
    line.add("cors_allowed_origins=" + (corsAllowedOrigins.isEmpty() ? "none" : String.join(",", corsAllowedOrigins)));
    line.add("shutdown_grace=" + seconds(shutdownGrace));
    line.add("redis_url=" + (redisUrl == null ? "unset (in-memory event bus)" : RedisEventBus.redactUrl(redisUrl)));
    line.add("redis_stream_key=" + redisStreamKey);
    line.add("stream_transport=" + streamTransport.name().toLowerCase(Locale.ROOT));
    return line.toString();
  }

  /** Returns this configuration on another port; tests use port 0. */
  public ServerConfig withPort(int newPort) {
    return new ServerConfig(
        host, newPort, heartbeatInterval, retry, broadcastToken, maxStreams, maxStreamsPerAddress,
        maxQueuedEvents, maxQueuedBytes, conflationThreshold, replayBufferSize, replayMaxAge, maxBodyBytes, maxBatchSize,
        maxEventBytes, maxRequestHeaderBytes, maxTrackedVideos, corsAllowedOrigins,
        shutdownGrace, redisUrl, redisStreamKey, streamTransport);
  }

  private static String seconds(Duration duration) {
    return BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
  }

  private static void readFlag(String arg, Map<String, String> values, Map<String, String> sourceNames) {
    int equals = arg.indexOf('=');
    if (!arg.startsWith("--") || equals < 0) {
      throw new ConfigException(
          "argument \"" + arg + "\" is not a flag (expected: --name=value, such as --port=8000)");
    }
    String flag = arg.substring(0, equals);
    String name = flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
    if (!VARIABLES.containsKey(name)) {
      throw new ConfigException(
          "unknown flag " + flag + " (expected one of: " + String.join(", ", flagNames()) + ")");
    }
    values.put(name, arg.substring(equals + 1).trim());
    sourceNames.put(name, flag);
  }

  private static List<String> flagNames() {
    return VARIABLES.keySet().stream()
        .map(name -> "--" + name.toLowerCase(Locale.ROOT).replace('_', '-'))
        .toList();
  }

  private static Map<String, String> variables() {
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("HOST", "address to bind (default 0.0.0.0)");
    variables.put("PORT", "HTTP port (default 8000)");
    variables.put("HEARTBEAT_INTERVAL", "seconds between heartbeats, decimals allowed (default 30)");
    variables.put("RETRY_MS", "reconnection time sent to clients, in ms (default 3000)");
    variables.put("BROADCAST_TOKEN", "bearer token for publishing (default unset: loopback only)");
    variables.put("MAX_STREAMS", "maximum open streams (default 50000)");
    variables.put("MAX_STREAMS_PER_ADDRESS", "maximum open streams from one client address (default 1000)");
    variables.put("MAX_QUEUED_EVENTS", "live events waiting for one client before it is cut (default 1000)");
    variables.put("MAX_QUEUED_BYTES", "bytes waiting for one client before it is cut (default 1048576)");
    variables.put("CONFLATION_THRESHOLD", "events waiting for one client from which newer progress replaces older (default 128; 2147483647 turns it off)");
    variables.put("REPLAY_BUFFER_SIZE", "events kept for Last-Event-ID replay (default 10000)");
    variables.put("REPLAY_MAX_AGE", "seconds an event is kept for replay (default 3600)");
    variables.put("MAX_BODY_BYTES", "maximum publish request body in bytes (default 1048576)");
    variables.put("MAX_BATCH_SIZE", "maximum events in one publish request (default 500)");
    variables.put("MAX_EVENT_BYTES", "maximum JSON size of one event in bytes (default 65536)");
    variables.put("MAX_REQUEST_HEADER_BYTES", "maximum request line plus headers in bytes (default 8192)");
    variables.put("MAX_TRACKED_VIDEOS", "videos whose latest status /api/v2/videos keeps (default 10000)");
    variables.put("CORS_ALLOWED_ORIGINS",
        "comma-separated origins allowed to call the API, or none (default http://localhost:3000,http://localhost:5173)");
    variables.put("SHUTDOWN_GRACE", "seconds shutdown waits for streams to close (default 10)");
    variables.put("REDIS_URL", "Redis that nodes share events through, such as redis://127.0.0.1:6379/0"
        + " (default unset: in-memory bus, one node)");
    variables.put("REDIS_STREAM_KEY", "Redis stream key shared by the nodes (default "
        + RedisEventBus.DEFAULT_STREAM_KEY + ")");
    variables.put("STREAM_TRANSPORT", "how streams are written: jetty (Jetty's core response) or servlet"
        + " (non-blocking Servlet I/O) (default jetty)");
    return Collections.unmodifiableMap(variables);
  }

  /** Parses values, naming the variable or flag they came from in every error. */
  private record Reader(Map<String, String> values, Map<String, String> sourceNames) {

    String text(String name, String defaultValue) {
      return values.getOrDefault(name, defaultValue);
    }

    @Nullable String optionalText(String name) {
      return values.get(name);
    }

    String nonBlankText(String name, String defaultValue) {
      String value = values.getOrDefault(name, defaultValue);
      if (value.isBlank()) {
        throw new ConfigException(sourceNames.getOrDefault(name, name) + " is empty (expected: a value,"
            + " or leave it out for the default " + defaultValue + ")");
      }
      return value;
    }

    @Nullable String redisUrl(String name) {
      String value = values.get(name);
      if (value == null) {
        return null;
      }
      try {
        RedisEventBus.builder(value);
      } catch (IllegalArgumentException e) {
        // The message shows the URL with its password masked.
        throw new ConfigException(sourceNames.getOrDefault(name, name) + ": " + e.getMessage());
      }
      return value;
    }

    List<String> origins(String name, List<String> defaultValue) {
      String value = values.get(name);
      if (value == null) {
        return defaultValue;
      }
      if (value.equalsIgnoreCase("none")) {
        return List.of();
      }
      List<String> origins = new ArrayList<>();
      for (String part : value.split(",")) {
        if (part.isBlank()) {
          continue;
        }
        try {
          origins.add(CorsFilter.normalizeOrigin(part));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(sourceNames.getOrDefault(name, name) + "=\"" + value
              + "\" is invalid: " + e.getMessage());
        }
      }
      return List.copyOf(origins);
    }

    <E extends Enum<E>> E choice(String name, E defaultValue) {
      String value = values.get(name);
      if (value == null) {
        return defaultValue;
      }
      for (E constant : defaultValue.getDeclaringClass().getEnumConstants()) {
        if (constant.name().equalsIgnoreCase(value)) {
          return constant;
        }
      }
      String expected = String.join(" or ", Arrays.stream(defaultValue.getDeclaringClass().getEnumConstants())
          .map(constant -> constant.name().toLowerCase(Locale.ROOT)).toList());
      throw new ConfigException(
          sourceNames.getOrDefault(name, name) + "=\"" + value + "\" is invalid (expected: " + expected + ")");
    }

    int integer(String name, int defaultValue, int min, int max) {
      String value = values.get(name);
      if (value == null) {
        return defaultValue;
      }
      return parse(name, value, "an integer from " + min + " to " + max, text -> {
        int parsed = Integer.parseInt(text);
        if (parsed < min || parsed > max) {
          throw new NumberFormatException("out of range");
        }
        return parsed;
      });
    }

    Duration seconds(String name, String defaultValue, double minSeconds) {
      String value = values.getOrDefault(name, defaultValue);
      return parse(name, value, "a number of seconds >= " + BigDecimal.valueOf(minSeconds).stripTrailingZeros().toPlainString()
          + ", decimals allowed (such as 0.5)", text -> {
        BigDecimal seconds = new BigDecimal(text);
        if (seconds.compareTo(BigDecimal.valueOf(minSeconds)) < 0 || seconds.compareTo(BigDecimal.valueOf(86_400 * 365L)) > 0) {
          throw new NumberFormatException("out of range");
        }
        return Duration.ofMillis(seconds.movePointRight(3).longValue());
      });
    }

    private <T> T parse(String name, String value, String expected, Function<String, T> parser) {
      try {
        return parser.apply(value);
      } catch (NumberFormatException e) {
        throw new ConfigException(
            sourceNames.getOrDefault(name, name) + "=\"" + value + "\" is invalid (expected: " + expected + ")");
      }
    }
  }
}
