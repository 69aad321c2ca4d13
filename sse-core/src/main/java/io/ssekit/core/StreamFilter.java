package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * Selects the events one stream receives. Empty sets select everything. Heartbeats and resets
 * are not published events and always reach the stream.
 *
 * @param videoIds the videos whose events the stream receives; an event without a video id
 *     does not match a non-empty set
 * @param types the event types the stream receives
 */
public record StreamFilter(Set<String> videoIds, Set<String> types) {

  /** The filter that selects every event. */
  public static final StreamFilter ALL = new StreamFilter(Set.of(), Set.of());

  public StreamFilter {
    videoIds = Set.copyOf(requireNonNull(videoIds, "videoIds"));
    types = Set.copyOf(requireNonNull(types, "types"));
  }

  /** Returns whether the stream receives {@code event}. */
  public boolean matches(PublishedEvent event) {
    return matchesVideo(event) && (types.isEmpty() || types.contains(event.type()));
  }

  private boolean matchesVideo(PublishedEvent event) {
    if (videoIds.isEmpty()) {
      return true;
    }
    String videoId = event.videoId();
    return videoId != null && videoIds.contains(videoId);
  }
}
