package io.ssekit.bench.load;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The servers that the load comparison supports, with the paths of their stream and publish
 * endpoints. Every one of them takes the event's JSON object as the publish body and sends it,
 * unchanged apart from the fields the server adds, as the data of one event.
 */
enum ServerKind {
  SSEKIT("ssekit", "/api/v2/events/stream", "/api/v2/events/broadcast"),
  NCHAN("nchan", "/sub", "/pub"),
  BETTER_SSE("better-sse", "/stream", "/broadcast"),
  SPRING_SSE("spring-sse", "/stream", "/broadcast");

  private final String label;
  private final String streamPath;
  private final String publishPath;

  ServerKind(String label, String streamPath, String publishPath) {
    this.label = label;
    this.streamPath = streamPath;
    this.publishPath = publishPath;
  }

  /** Returns the name used on the command line and in results. */
  String label() {
    return label;
  }

  String streamPath() {
    return streamPath;
  }

  String publishPath() {
    return publishPath;
  }

  /**
   * Returns the kind named {@code label}.
   *
   * @throws IllegalArgumentException naming the valid labels if none matches
   */
  static ServerKind fromLabel(String label) {
    for (ServerKind kind : values()) {
      if (kind.label.equals(label.toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "--server is \"" + label + "\" (expected: one of " + labels() + ")");
  }

  static String labels() {
    return Arrays.stream(values()).map(ServerKind::label).collect(Collectors.joining(", "));
  }
}
