package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * An event that a bus has published: its id is final, and its wire bytes are encoded once.
 *
 * <p>Immutable and safe for concurrent use.
 */
public final class PublishedEvent {

  private final EventId id;
  private final String type;
  private final String data;
  private final @Nullable String videoId;
  private final Frame frame;

  /**
   * Creates the event and encodes its frame.
   *
   * @throws IllegalArgumentException if the fields cannot be encoded (see {@link SseEncoder})
   */
  public PublishedEvent(EventId id, String type, String data, @Nullable String videoId) {
    this.id = requireNonNull(id, "id");
    this.type = requireNonNull(type, "type");
    this.data = requireNonNull(data, "data");
    this.videoId = videoId;
    byte[] bytes = SseEncoder.encode(new ServerSentEvent(id.toString(), type, data, null));
    this.frame = ConflationKeys.frame(bytes, id, type, data, videoId);
  }

  /** Returns the published form of {@code draft} with the id {@code id}. */
  public static PublishedEvent of(EventId id, EventDraft draft) {
    return new PublishedEvent(id, draft.type(), draft.data(), draft.videoId());
  }

  public EventId id() {
    return id;
  }

  public String type() {
    return type;
  }

  /** Returns the JSON text of the {@code data} field. */
  public String data() {
    return data;
  }

  public @Nullable String videoId() {
    return videoId;
  }

  /** Returns the encoded bytes, shared by every connection. */
  public Frame frame() {
    return frame;
  }

  @Override
  public String toString() {
    return "PublishedEvent{id=" + id + ", type=" + type + ", videoId=" + videoId + '}';
  }
}
