package io.ssekit.core;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Turns the JSON body of a publish request into drafts, or rejects it whole.
 *
 * <p>The body is one event object, or {@code {"events":[...]}} for a batch. Each event object
 * is the JSON a client sees in the {@code data} field: {@code type} names the event, a missing
 * {@code timestamp} is set to now, and the optional {@code idempotency_key} is taken out of the
 * data. A {@code video.status} event must have {@code video_id}, a known {@code status} and an
 * integer {@code progress} from 0 to 100, and is rewritten in the canonical field order.
 *
 * <p>Every event is checked before any draft is returned, so a batch with one bad event
 * publishes nothing. Safe for concurrent use.
 */
public final class PublishRequestParser {

  /** Default maximum number of events in one batch. */
  public static final int DEFAULT_MAX_BATCH_SIZE = 500;

  /** Default maximum size of one event's JSON, in bytes. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

  /** Maximum length of an idempotency key. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

  private static final String IDEMPOTENCY_KEY = "idempotency_key";

  private final Clock clock;
  private final int maxBatchSize;
  private final int maxEventBytes;

  /**
   * Creates a parser.
   *
   * @param clock the source of timestamps for events that have none
   * @param maxBatchSize the maximum number of events in one request
   * @param maxEventBytes the maximum size of one event's JSON in bytes, UTF-8
   */
  public PublishRequestParser(Clock clock, int maxBatchSize, int maxEventBytes) {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize: " + maxBatchSize + " (expected: >= 1)");
    }
    if (maxEventBytes < 64) {
      throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: >= 64)");
    }
    this.clock = clock;
    this.maxBatchSize = maxBatchSize;
    this.maxEventBytes = maxEventBytes;
  }

  /** Returns a parser with the system clock and the default limits. */
  public static PublishRequestParser withDefaults() {
    return new PublishRequestParser(Clock.systemUTC(), DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_EVENT_BYTES);
  }

  /**
   * Parses a request body.
   *
   * @return the drafts, in request order, never empty
   * @throws InvalidEventException naming the first invalid field
   */
  public List<EventDraft> parse(byte[] body) {
    JsonNode root = readTree(body);
    if (!root.isObject()) {
      throw new InvalidEventException(
          "", "the body is " + kind(root) + " (expected: an event object, or {\"events\":[...]})");
    }
    if (!root.has("events")) {
      return List.of(parseEvent((ObjectNode) root, ""));
    }
    return parseBatch(root);
  }

  private List<EventDraft> parseBatch(JsonNode root) {
    JsonNode events = root.get("events");
    if (!events.isArray()) {
      throw new InvalidEventException(
          "events", "events is " + kind(events) + " (expected: an array of event objects)");
    }
    if (events.isEmpty()) {
      throw new InvalidEventException("events", "events is empty (expected: 1 to " + maxBatchSize + " events)");
    }
    if (events.size() > maxBatchSize) {
      throw new InvalidEventException(
          "events",
          "the batch has " + events.size() + " events (expected: at most " + maxBatchSize
              + "; split it into several requests)");
    }
    List<EventDraft> drafts = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      String path = "events[" + i + "].";
      JsonNode event = events.get(i);
      if (!event.isObject()) {
        throw new InvalidEventException(
            "events[" + i + "]", "events[" + i + "] is " + kind(event) + " (expected: an event object)");
      }
      drafts.add(parseEvent((ObjectNode) event, path));
    }
    return drafts;
  }

  private EventDraft parseEvent(ObjectNode event, String path) {
    ObjectNode data = event.deepCopy();
    String idempotencyKey = takeIdempotencyKey(data, path);
    String type = requireType(data, path);
    Instant timestamp = timestampOrNow(data, path);
    data.put("timestamp", EventJson.formatTimestamp(timestamp));
    EventDraft draft =
        EventType.VIDEO_STATUS.wireName().equals(type)
            ? videoStatusDraft(data, timestamp, path)
            : genericDraft(data, type, path);
    checkSize(draft, path);
    return draft.withIdempotencyKey(idempotencyKey);
  }

  private EventDraft videoStatusDraft(ObjectNode data, Instant timestamp, String path) {
    String videoId = requireText(data, "video_id", path);
    VideoStatus status;
    String statusText = requireText(data, "status", path);
    try {
      status = VideoStatus.fromWireValue(statusText);
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException(path + "status", e.getMessage());
    }
    JsonNode progressNode = data.get("progress");
    if (progressNode == null || progressNode.isNull()) {
      throw new InvalidEventException(path + "progress", "progress is missing (expected: an integer from 0 to 100)");
    }
    if (!progressNode.canConvertToExactIntegral() || !progressNode.canConvertToInt()) {
      throw new InvalidEventException(
          path + "progress", "progress is " + progressNode + " (expected: an integer from 0 to 100)");
    }
    int progress = progressNode.asInt();
    if (progress < 0 || progress > 100) {
      throw new InvalidEventException(
          path + "progress", "progress is " + progress + " (expected: an integer from 0 to 100)");
    }
    if (videoId.isBlank() || videoId.length() > VideoStatusEvent.MAX_VIDEO_ID_LENGTH) {
      throw new InvalidEventException(
          path + "video_id",
          "video_id has " + videoId.length() + " characters or is blank (expected: 1 to "
              + VideoStatusEvent.MAX_VIDEO_ID_LENGTH + " characters)");
    }
    String message = optionalText(data, "message", path);
    String error = optionalText(data, "error", path);
    VideoStatusEvent event = new VideoStatusEvent(timestamp, videoId, status, progress, message, error);
    return EventDraft.of(event);
  }

  private EventDraft genericDraft(ObjectNode data, String type, String path) {
    String videoId = null;
    if (data.has("video_id")) {
      videoId = requireText(data, "video_id", path);
    }
    return new EventDraft(type, data.toString(), videoId, null);
  }

  private static String requireType(ObjectNode data, String path) {
    String type = requireText(data, "type", path);
    if (!EventType.isValidName(type)) {
      throw new InvalidEventException(
          path + "type",
          "type \"" + abbreviate(type) + "\" is not a valid event type name (expected: [a-z][a-z0-9_.-]*, at most "
              + EventType.MAX_NAME_LENGTH + " characters)");
    }
    if (EventType.isReserved(type)) {
      throw new InvalidEventException(
          path + "type", "type \"" + type + "\" is sent by the server only (expected: any other type)");
    }
    return type;
  }

  private Instant timestampOrNow(ObjectNode data, String path) {
    JsonNode node = data.get("timestamp");
    if (node == null || node.isNull()) {
      return clock.instant();
    }
    if (!node.isTextual()) {
      throw new InvalidEventException(
          path + "timestamp",
          "timestamp is " + kind(node) + " (expected: ISO-8601 text such as 2025-11-05T12:00:00.000Z)");
    }
    try {
      return EventJson.parseTimestamp(node.asText());
    } catch (DateTimeParseException e) {
      throw new InvalidEventException(
          path + "timestamp",
          "timestamp \"" + abbreviate(node.asText()) + "\" is not ISO-8601 (expected: such as 2025-11-05T12:00:00.000Z)");
    }
  }

  private static @Nullable String takeIdempotencyKey(ObjectNode data, String path) {
    JsonNode node = data.remove(IDEMPOTENCY_KEY);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual() || node.asText().isEmpty() || node.asText().length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new InvalidEventException(
          path + IDEMPOTENCY_KEY,
          IDEMPOTENCY_KEY + " is " + abbreviate(node.toString()) + " (expected: text of 1 to "
              + MAX_IDEMPOTENCY_KEY_LENGTH + " characters)");
    }
    return node.asText();
  }

  private static String requireText(ObjectNode data, String field, String path) {
    JsonNode node = data.get(field);
    if (node == null || node.isNull()) {
      throw new InvalidEventException(path + field, field + " is missing (expected: a JSON string)");
    }
    if (!node.isTextual()) {
      throw new InvalidEventException(
          path + field, field + " is " + kind(node) + " (expected: a JSON string)");
    }
    return node.asText();
  }

  private static @Nullable String optionalText(ObjectNode data, String field, String path) {
    JsonNode node = data.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new InvalidEventException(
          path + field, field + " is " + kind(node) + " (expected: a JSON string or null)");
    }
    return node.asText();
  }

  private void checkSize(EventDraft draft, String path) {
    int size = draft.data().getBytes(StandardCharsets.UTF_8).length;
    if (size > maxEventBytes) {
      String field = path.isEmpty() ? "" : path.substring(0, path.length() - 1);
      throw new InvalidEventException(
          field, "the event has " + size + " bytes of JSON (expected: at most " + maxEventBytes + ")");
    }
  }

  private static JsonNode readTree(byte[] body) {
    if (body.length == 0) {
      throw new InvalidEventException("", "the body is empty (expected: an event object, or {\"events\":[...]})");
    }
    try {
      // Without this, Jackson stops after the first value and accepts {"type":...} garbage.
      JsonNode root = EventJson.mapper().reader()
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .readTree(body);
      if (root == null || root.isMissingNode()) {
        throw new InvalidEventException("", "the body is empty (expected: an event object)");
      }
      return root;
    } catch (JsonParseException e) {
      throw new InvalidEventException(
          "", "the body is not valid JSON: " + e.getOriginalMessage() + " at line "
              + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
    } catch (JsonProcessingException e) {
      throw new InvalidEventException("", "the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidEventException("", "the body cannot be read: " + e.getMessage());
    }
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "a JSON array";
      case OBJECT, POJO -> "a JSON object";
      case STRING -> "a JSON string";
      case NUMBER -> "a JSON number";
      case BOOLEAN -> "a JSON boolean";
      case NULL -> "JSON null";
      default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

}
