package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The latest {@code video.status} event of each video seen on an event bus, so that a page can
 * render the current state before it follows the stream.
 *
 * <p>The store is bounded in count: when a new video would pass the capacity, the video whose
 * status changed least recently is forgotten. It also records the id of the newest event of any
 * type that it has seen. A {@link #snapshot()} reflects exactly the events up to its
 * {@link Snapshot#lastEventId()}, so a client that opens a stream with that id as its last
 * event ID receives every later event once and misses none.
 *
 * <p>Safe for concurrent use. The bus calls {@link #onEvent(PublishedEvent)} on its publishing
 * or reader thread; the call only updates a map under this store's lock.
 *
 * <p>Note: the store starts empty, with no last event id. A server that starts on a shared bus
 * with earlier events lists only the videos whose status changes after its start.
 */
public final class VideoStatusStore implements AutoCloseable {

  /** Default maximum number of videos kept. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private final int capacity;
  private volatile EventBus.@Nullable Subscription subscription;

  // Guarded by this; written by the bus's threads and by remove().
  private final LinkedHashMap<String, VideoState> videos = new LinkedHashMap<>();
  private @Nullable EventId lastEventId;

  private VideoStatusStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
  }

  /**
   * Creates a store of at most {@code capacity} videos and subscribes it to {@code bus}.
   * {@link #close()} ends the subscription.
   */
  public static VideoStatusStore subscribe(EventBus bus, int capacity) {
    requireNonNull(bus, "bus");
    VideoStatusStore store = new VideoStatusStore(capacity);
    store.subscription = bus.subscribe(store::onEvent);
    return store;
  }

  /** Creates a store that no bus feeds; {@link #onEvent(PublishedEvent)} fills it. */
  public static VideoStatusStore unsubscribed(int capacity) {
    return new VideoStatusStore(capacity);
  }

  /**
   * Records {@code event}: a {@code video.status} event with a video id replaces that video's
   * status and makes it the most recently updated; any event advances the last event id.
   * Events must come in id order, as a bus delivers them.
   */
  public void onEvent(PublishedEvent event) {
    requireNonNull(event, "event");
    String videoId = event.videoId();
    boolean isStatus = EventType.VIDEO_STATUS.wireName().equals(event.type()) && videoId != null;
    synchronized (this) {
      advanceTo(event.id());
      if (!isStatus) {
        return;
      }
      // Remove first, so that the video moves to the newest end of the iteration order.
      videos.remove(videoId);
      videos.put(videoId, new VideoState(videoId, event.id(), event.data()));
      evictOverCapacity();
    }
  }

  /** Returns the latest status of {@code videoId}, or null if the store does not hold it. */
  public synchronized @Nullable VideoState get(String videoId) {
    return videos.get(requireNonNull(videoId, "videoId"));
  }

  /**
   * Removes {@code videoId} until its next status event.
   *
   * @return whether the store held the video
   */
  public synchronized boolean remove(String videoId) {
    return videos.remove(requireNonNull(videoId, "videoId")) != null;
  }

  /** Returns every video, most recently updated first, with the newest event id seen. */
  public synchronized Snapshot snapshot() {
    List<VideoState> newestFirst = new ArrayList<>(videos.values());
    Collections.reverse(newestFirst);
    return new Snapshot(lastEventId, newestFirst);
  }

  /** Returns the number of videos held. */
  public synchronized int size() {
    return videos.size();
  }

  /** Returns the maximum number of videos held. */
  public int capacity() {
    return capacity;
  }

  /** Stops receiving events; the held statuses stay readable. A second call does nothing. */
  @Override
  public void close() {
    EventBus.Subscription current = subscription;
    if (current != null) {
      current.close();
    }
  }

  private void advanceTo(EventId id) {
    if (lastEventId == null || id.compareTo(lastEventId) > 0) {
      lastEventId = id;
    }
  }

  private void evictOverCapacity() {
    Iterator<Map.Entry<String, VideoState>> oldest = videos.entrySet().iterator();
    while (videos.size() > capacity) {
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * The latest status of one video.
   *
   * @param videoId the video
   * @param eventId the id of the event that carried the status
   * @param data the event's {@code data} JSON, exactly as published
   */
  public record VideoState(String videoId, EventId eventId, String data) {

    public VideoState {
      requireNonNull(videoId, "videoId");
      requireNonNull(eventId, "eventId");
      requireNonNull(data, "data");
    }
  }

  /**
   * The store's content at one instant.
   *
   * @param lastEventId the newest event id the store had seen, or null if it had seen none
   * @param videos every video's latest status, most recently updated first
   */
  public record Snapshot(@Nullable EventId lastEventId, List<VideoState> videos) {

    public Snapshot {
      videos = List.copyOf(videos);
    }
  }
}
