package io.ssekit.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PublishRequestParserTest {

  private static final Instant NOW = Instant.parse("2025-11-05T12:00:00Z");

  private static final int MAX_BATCH_SIZE = 3;

  private static final int MAX_EVENT_BYTES = 512;

  private static final String VIDEO_STATUS =
      "{\"type\":\"video.status\",\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}";

  private static final String VIDEO_STATUS_DATA =
      "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\","
          + "\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}";

  private final PublishRequestParser parser =
      new PublishRequestParser(Clock.fixed(NOW, ZoneOffset.UTC), MAX_BATCH_SIZE, MAX_EVENT_BYTES);

  /** A request body the parser rejects, the field it must name and a part of the message. */
  record BadBody(String name, String body, String field, String messagePart) {
    @Override
    public String toString() {
      return name;
    }
  }

  @Test
  void singleEventBecomesOneDraft() {
    List<EventDraft> drafts = parse(VIDEO_STATUS);

    assertThat(drafts)
        .containsExactly(new EventDraft("video.status", VIDEO_STATUS_DATA, "abc-123", null));
  }

  @Test
  void batchKeepsRequestOrder() {
    String body =
        "{\"events\":[" + VIDEO_STATUS + ",{\"type\":\"transcript.ready\",\"video_id\":\"b\",\"words\":3}]}";

    List<EventDraft> drafts = parse(body);

    assertThat(drafts)
        .containsExactly(
            new EventDraft("video.status", VIDEO_STATUS_DATA, "abc-123", null),
            new EventDraft(
                "transcript.ready",
                "{\"type\":\"transcript.ready\",\"video_id\":\"b\",\"words\":3,"
                    + "\"timestamp\":\"2025-11-05T12:00:00.000Z\"}",
                "b",
                null));
  }

  @Test
  void missingTimestampComesFromClock() {
    PublishRequestParser later =
        new PublishRequestParser(
            Clock.fixed(Instant.parse("2030-01-02T03:04:05.678Z"), ZoneOffset.UTC), 10, 1024);

    EventDraft draft = later.parse(VIDEO_STATUS.getBytes(UTF_8)).get(0);

    assertThat(draft.data()).contains("\"timestamp\":\"2030-01-02T03:04:05.678Z\"");
  }

  @Test
  void givenTimestampIsNormalisedToUtcMillis() {
    String body =
        "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T13:00:00.5+01:00\","
            + "\"video_id\":\"abc-123\",\"status\":\"processing\",\"progress\":50}";

    EventDraft draft = parse(body).get(0);

    assertThat(draft.data()).contains("\"timestamp\":\"2025-11-05T12:00:00.500Z\"");
  }

  @Test
  void otherTypeTimestampNormalisedInPlace() {
    String body = "{\"type\":\"job.done\",\"timestamp\":\"2025-11-05T12:00:00.123456Z\",\"n\":1}";

    EventDraft draft = parse(body).get(0);

    assertThat(draft.data())
        .isEqualTo("{\"type\":\"job.done\",\"timestamp\":\"2025-11-05T12:00:00.123Z\",\"n\":1}");
  }

  @Test
  void idempotencyKeyMovesFromDataToDraft() {
    String body =
        "{\"type\":\"video.status\",\"video_id\":\"abc-123\",\"status\":\"processing\","
            + "\"progress\":50,\"idempotency_key\":\"job-7-step-3\"}";

    EventDraft draft = parse(body).get(0);

    assertThat(draft.idempotencyKey()).isEqualTo("job-7-step-3");
    assertThat(draft.data()).isEqualTo(VIDEO_STATUS_DATA);
  }

  @Test
  void idempotencyKeyIsRemovedFromOtherTypes() {
    String body = "{\"type\":\"job.done\",\"idempotency_key\":\"k1\",\"n\":1}";

    EventDraft draft = parse(body).get(0);

    assertThat(draft.idempotencyKey()).isEqualTo("k1");
    assertThat(draft.data())
        .isEqualTo("{\"type\":\"job.done\",\"n\":1,\"timestamp\":\"2025-11-05T12:00:00.000Z\"}");
  }

  @Test
  void videoStatusIsRewrittenInCanonicalOrder() {
    String body =
        "{\"progress\":50,\"status\":\"processing\",\"extra\":true,"
            + "\"video_id\":\"abc-123\",\"type\":\"video.status\"}";

    EventDraft draft = parse(body).get(0);

    assertThat(draft.data()).isEqualTo(VIDEO_STATUS_DATA);
  }

  @Test
  void videoStatusKeepsMessageAndError() {
    String body =
        "{\"type\":\"video.status\",\"video_id\":\"v\",\"status\":\"failed\",\"progress\":10,"
            + "\"message\":\"Download failed\",\"error\":\"HTTP 404\"}";

    EventDraft draft = parse(body).get(0);

    assertThat(draft.data())
        .isEqualTo(
            "{\"type\":\"video.status\",\"timestamp\":\"2025-11-05T12:00:00.000Z\",\"video_id\":\"v\","
                + "\"status\":\"failed\",\"progress\":10,\"message\":\"Download failed\","
                + "\"error\":\"HTTP 404\"}");
  }

  @Test
  void otherTypeWithoutVideoIdHasNoVideo() {
    EventDraft draft = parse("{\"type\":\"system.notice\",\"text\":\"hi\"}").get(0);

    assertThat(draft.videoId()).isNull();
  }

  @Test
  void batchAtLimitIsAccepted() {
    List<EventDraft> drafts = parse(batchOf(MAX_BATCH_SIZE));

    assertThat(drafts).hasSize(MAX_BATCH_SIZE);
  }

  static Stream<BadBody> badBodies() {
    String oversizedNote = "x".repeat(MAX_EVENT_BYTES);
    return Stream.of(
        bad("malformed JSON", "{\"type\":", "", "the body is not valid JSON"),
        bad("second object after body", VIDEO_STATUS + " " + VIDEO_STATUS, "", "the body is not valid JSON"),
        bad("text after body", VIDEO_STATUS + "garbage", "", "the body is not valid JSON"),
        bad("array body", "[" + VIDEO_STATUS + "]", "", "the body is a JSON array"),
        bad("string body", "\"video.status\"", "", "the body is a JSON string"),
        bad("JSON null body", "null", "", "the body is JSON null"),
        bad("empty body", "", "", "the body is empty"),
        bad("whitespace body", "  \n", "", "the body is empty"),
        bad("missing type", "{\"video_id\":\"v\"}", "type", "type is missing"),
        bad("null type", "{\"type\":null}", "type", "type is missing"),
        bad("numeric type", "{\"type\":5}", "type", "type is a JSON number"),
        bad("bad type name", "{\"type\":\"Video Status\"}", "type", "type \"Video Status\" is not a valid event type name"),
        bad("type too long", "{\"type\":\"" + "a".repeat(65) + "\"}", "type", "at most 64 characters"),
        bad("reserved type heartbeat", "{\"type\":\"heartbeat\"}", "type", "type \"heartbeat\" is sent by the server only"),
        bad("reserved type stream.reset", "{\"type\":\"stream.reset\"}", "type", "type \"stream.reset\" is sent by the server only"),
        bad("unknown status", videoStatus("\"status\":\"done\",\"progress\":50"), "status", "unknown video status \"done\""),
        bad("missing status", videoStatus("\"progress\":50"), "status", "status is missing"),
        bad("progress 101", videoStatus("\"status\":\"queued\",\"progress\":101"), "progress", "progress is 101 (expected: an integer from 0 to 100)"),
        bad("progress -1", videoStatus("\"status\":\"queued\",\"progress\":-1"), "progress", "progress is -1 (expected: an integer from 0 to 100)"),
        bad("progress 50.5", videoStatus("\"status\":\"queued\",\"progress\":50.5"), "progress", "progress is 50.5 (expected: an integer from 0 to 100)"),
        bad("progress as text", videoStatus("\"status\":\"queued\",\"progress\":\"50\""), "progress", "progress is \"50\" (expected: an integer from 0 to 100)"),
        bad("progress beyond int", videoStatus("\"status\":\"queued\",\"progress\":4294967346"), "progress", "progress is 4294967346"),
        bad("missing progress", videoStatus("\"status\":\"queued\""), "progress", "progress is missing"),
        bad("missing video_id", "{\"type\":\"video.status\",\"status\":\"queued\",\"progress\":1}", "video_id", "video_id is missing"),
        bad("blank video_id", "{\"type\":\"video.status\",\"video_id\":\"  \",\"status\":\"queued\",\"progress\":1}", "video_id", "is blank"),
        bad("numeric video_id", "{\"type\":\"video.status\",\"video_id\":7,\"status\":\"queued\",\"progress\":1}", "video_id", "video_id is a JSON number"),
        bad("non-text message", videoStatus("\"status\":\"queued\",\"progress\":1,\"message\":{}"), "message", "message is a JSON object"),
        bad("malformed timestamp", "{\"type\":\"job.done\",\"timestamp\":\"yesterday\"}", "timestamp", "timestamp \"yesterday\" is not ISO-8601"),
        bad("numeric timestamp", "{\"type\":\"job.done\",\"timestamp\":1762344000000}", "timestamp", "timestamp is a JSON number"),
        bad("empty idempotency key", "{\"type\":\"job.done\",\"idempotency_key\":\"\"}", "idempotency_key", "idempotency_key is \"\""),
        bad("numeric idempotency key", "{\"type\":\"job.done\",\"idempotency_key\":7}", "idempotency_key", "idempotency_key is 7"),
        bad("empty batch", "{\"events\":[]}", "events", "events is empty"),
        bad("batch that is not an array", "{\"events\":{}}", "events", "events is a JSON object"),
        bad("batch over the limit", batchOf(MAX_BATCH_SIZE + 1), "events", "the batch has 4 events (expected: at most 3"),
        bad("non-object in batch", "{\"events\":[" + VIDEO_STATUS + ",42]}", "events[1]", "events[1] is a JSON number"),
        bad("bad event in batch", "{\"events\":[" + VIDEO_STATUS + "," + videoStatus("\"status\":\"queued\",\"progress\":101") + "]}", "events[1].progress", "progress is 101"),
        bad("oversized event", "{\"type\":\"job.done\",\"note\":\"" + oversizedNote + "\"}", "", "bytes of JSON (expected: at most 512)"),
        bad("oversized event in batch", "{\"events\":[{\"type\":\"job.done\",\"note\":\"" + oversizedNote + "\"}]}", "events[0]", "bytes of JSON (expected: at most 512)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void badBodyNamesField(BadBody bad) {
    InvalidEventException exception = rejection(bad.body());

    assertThat(exception.field()).isEqualTo(bad.field());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void badBodyMessageNamesProblem(BadBody bad) {
    InvalidEventException exception = rejection(bad.body());

    assertThat(exception.getMessage()).contains(bad.messagePart());
  }

  @Test
  void malformedJsonMessageGivesPosition() {
    InvalidEventException exception = rejection("{\n\"type\": nope}");

    assertThat(exception.getMessage()).contains("at line 2, column");
  }

  @Test
  void constructorRejectsBatchSizeBelowOne() {
    IllegalArgumentException exception =
        catchThrowableOfType(
            IllegalArgumentException.class,
            () -> new PublishRequestParser(Clock.systemUTC(), 0, 1024));

    assertThat(exception).hasMessage("maxBatchSize: 0 (expected: >= 1)");
  }

  @Test
  void constructorRejectsTinyEventLimit() {
    IllegalArgumentException exception =
        catchThrowableOfType(
            IllegalArgumentException.class, () -> new PublishRequestParser(Clock.systemUTC(), 1, 63));

    assertThat(exception).hasMessage("maxEventBytes: 63 (expected: >= 64)");
  }

  private List<EventDraft> parse(String body) {
    return parser.parse(body.getBytes(UTF_8));
  }

  private InvalidEventException rejection(String body) {
    InvalidEventException exception =
        catchThrowableOfType(InvalidEventException.class, () -> parse(body));
    assertThat(exception).as("exception for body %s", body).isNotNull();
    return exception;
  }

  private static String videoStatus(String statusAndProgress) {
    return "{\"type\":\"video.status\",\"video_id\":\"v\"," + statusAndProgress + "}";
  }

  private static String batchOf(int count) {
    return IntStream.range(0, count)
        .mapToObj(i -> "{\"type\":\"job.done\",\"n\":" + i + "}")
        .collect(Collectors.joining(",", "{\"events\":[", "]}"));
  }

  private static BadBody bad(String name, String body, String field, String messagePart) {
    return new BadBody(name, body, field, messagePart);
  }
}
