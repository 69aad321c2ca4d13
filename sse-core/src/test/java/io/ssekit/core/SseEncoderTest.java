package io.ssekit.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssekit.core.testing.EventStreamParser;
import io.ssekit.core.testing.ParsedEvent;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SseEncoderTest {

  /** An event the encoder accepts, and the exact text it must write. */
  record EncodableCase(String name, ServerSentEvent event, String wire) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** An event the encoder or the record rejects, and the text that must name the field. */
  record RejectedCase(String name, Supplier<ServerSentEvent> event, String messagePart) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<EncodableCase> encodableCases() {
    return Stream.of(
        accepted(
            "type and data",
            ServerSentEvent.of("video.status", "{\"progress\":50}"),
            "event: video.status\ndata: {\"progress\":50}\n\n"),
        accepted(
            "id, type and data",
            event("1762344000000-0", "video.status", "{}"),
            "id: 1762344000000-0\nevent: video.status\ndata: {}\n\n"),
        accepted("null type", event("5-0", null, "x"), "id: 5-0\ndata: x\n\n"),
        accepted("null type and id", event(null, null, "x"), "data: x\n\n"),
        accepted("empty id", event("", "t", "x"), "id: \nevent: t\ndata: x\n\n"),
        accepted("empty data", event("1-0", "t", ""), "id: 1-0\nevent: t\ndata: \n\n"),
        accepted("empty type", event(null, "", "x"), "event: \ndata: x\n\n"),
        accepted("LF in data", event(null, null, "a\nb"), "data: a\ndata: b\n\n"),
        accepted("CR in data", event(null, null, "a\rb"), "data: a\ndata: b\n\n"),
        accepted("CRLF in data", event(null, null, "a\r\nb"), "data: a\ndata: b\n\n"),
        accepted("LF then CR", event(null, null, "a\n\rb"), "data: a\ndata: \ndata: b\n\n"),
        accepted(
            "mixed line breaks",
            event(null, null, "a\r\n\rb\nc\r"),
            "data: a\ndata: \ndata: b\ndata: c\ndata: \n\n"),
        accepted("trailing LF", event(null, null, "a\n"), "data: a\ndata: \n\n"),
        accepted("trailing CRLF", event(null, null, "a\r\n"), "data: a\ndata: \n\n"),
        accepted("only LF", event(null, null, "\n"), "data: \ndata: \n\n"),
        accepted("only CR", event(null, null, "\r"), "data: \ndata: \n\n"),
        accepted("only CRLF", event(null, null, "\r\n"), "data: \ndata: \n\n"),
        accepted("blank line in data", event(null, null, "a\n\nb"), "data: a\ndata: \ndata: b\n\n"),
        accepted("leading space", event(null, null, " a"), "data:  a\n\n"),
        accepted("only spaces", event(null, null, "  "), "data:   \n\n"),
        accepted("leading colon", event(null, null, ":x"), "data: :x\n\n"),
        accepted(
            "field lines inside data",
            event("1-0", "t", "x\nid: 666\nevent: evil\n\ndata: y"),
            "id: 1-0\nevent: t\ndata: x\ndata: id: 666\ndata: event: evil\ndata: \ndata: data: y\n\n"),
        accepted("NUL in data", event(null, null, "a\0b"), "data: a\0b\n\n"),
        accepted(
            "accents", event(null, null, "Gr\u00fc\u00dfe, caf\u00e9"), "data: Gr\u00fc\u00dfe, caf\u00e9\n\n"),
        accepted(
            "non-BMP emoji",
            event(null, null, "\uD83C\uDFAC ready \uD83D\uDE80"),
            "data: \uD83C\uDFAC ready \uD83D\uDE80\n\n"),
        accepted(
            "Unicode line separators are not line breaks",
            event(null, null, "a\u2028b\u0085c"),
            "data: a\u2028b\u0085c\n\n"),
        accepted(
            "Unicode type and id",
            event("\u0438\u0434-1", "vid\u00e9o.\u00e9tat", "x"),
            "id: \u0438\u0434-1\nevent: vid\u00e9o.\u00e9tat\ndata: x\n\n"),
        accepted(
            "leading space and colon in type and id",
            event(" 1:2", " a:b", "x"),
            "id:  1:2\nevent:  a:b\ndata: x\n\n"),
        accepted(
            "retry",
            new ServerSentEvent(null, "t", "x", Duration.ofMillis(1500)),
            "retry: 1500\nevent: t\ndata: x\n\n"),
        accepted(
            "zero retry",
            new ServerSentEvent(null, null, "x", Duration.ZERO),
            "retry: 0\ndata: x\n\n"),
        accepted(
            "all fields",
            new ServerSentEvent("1-0", "t", "x", Duration.ofSeconds(3)),
            "retry: 3000\nid: 1-0\nevent: t\ndata: x\n\n"));
  }

  static Stream<RejectedCase> rejectedCases() {
    return Stream.of(
        rejected("LF in type", () -> event(null, "a\nb", "x"), "event type \"a\\nb\""),
        rejected("CR in type", () -> event(null, "a\rb", "x"), "event type \"a\\rb\""),
        rejected("CRLF in type", () -> event(null, "a\r\nb", "x"), "event type \"a\\r\\nb\""),
        rejected("type of only LF", () -> event(null, "\n", "x"), "event type \"\\n\""),
        rejected("LF in id", () -> event("1\n2", "t", "x"), "event id \"1\\n2\""),
        rejected("CR in id", () -> event("1\r2", "t", "x"), "event id \"1\\r2\""),
        rejected("CRLF in id", () -> event("1\r\n", "t", "x"), "event id \"1\\r\\n\""),
        rejected("NUL in id", () -> event("1\0", "t", "x"), "event id \"1\\0\""),
        rejected(
            "negative retry",
            () -> new ServerSentEvent(null, "t", "x", Duration.ofMillis(-1)),
            "retry: PT-0.001S"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("encodableCases")
  void encodeWritesExactWireText(EncodableCase testCase) {
    byte[] bytes = SseEncoder.encode(testCase.event());

    assertThat(new String(bytes, UTF_8)).isEqualTo(testCase.wire());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("encodableCases")
  void clientReadsEncodedEventBack(EncodableCase testCase) {
    EventStreamParser parser = new EventStreamParser();

    var events = parser.feed(SseEncoder.encode(testCase.event()));

    assertThat(events).containsExactly(clientView(testCase.event()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("encodableCases")
  void clientReadsRetryBack(EncodableCase testCase) {
    EventStreamParser parser = new EventStreamParser();

    parser.feed(SseEncoder.encode(testCase.event()));

    Duration retry = testCase.event().retry();
    assertThat(parser.reconnectionTimeMillis()).isEqualTo(retry == null ? null : retry.toMillis());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejectedCases")
  void encodeRejectsWithFieldInMessage(RejectedCase testCase) {
    assertThatThrownBy(() -> SseEncoder.encode(testCase.event().get()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(testCase.messagePart());
  }

  @Test
  void rejectedEventLeavesSinkUntouched() {
    StringBuilder sink = new StringBuilder("before");
    ServerSentEvent event = new ServerSentEvent("1\n2", "t", "x", Duration.ofSeconds(1));

    assertThatThrownBy(() -> SseEncoder.encode(event, sink))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(sink).hasToString("before");
  }

  @Test
  void encodeAppendsToSink() {
    StringBuilder sink = new StringBuilder("retry: 1\n\n");

    SseEncoder.encode(ServerSentEvent.of("t", "x"), sink);

    assertThat(sink).hasToString("retry: 1\n\nevent: t\ndata: x\n\n");
  }

  @Test
  void encodeRetryWritesOnlyRetryField() {
    byte[] bytes = SseEncoder.encodeRetry(Duration.ofSeconds(3));

    assertThat(new String(bytes, UTF_8)).isEqualTo("retry: 3000\n\n");
  }

  @Test
  void retryFrameSetsReconnectionTimeAndDispatchesNothing() {
    EventStreamParser parser = new EventStreamParser();

    var events = parser.feed(SseEncoder.encodeRetry(Duration.ofMillis(2500)));

    assertThat(events).isEmpty();
    assertThat(parser.reconnectionTimeMillis()).isEqualTo(2500L);
  }

  @Test
  void encodeRetryRejectsNegative() {
    assertThatThrownBy(() -> SseEncoder.encodeRetry(Duration.ofSeconds(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry: PT-5S (expected: >= 0)");
  }

  /** Returns the event an EventSource client dispatches, by the standard's rules, not the encoder's. */
  private static ParsedEvent clientView(ServerSentEvent event) {
    String type = event.type() == null || event.type().isEmpty() ? "message" : event.type();
    String id = event.id() == null ? "" : event.id();
    String data = event.data().replace("\r\n", "\n").replace('\r', '\n');
    return new ParsedEvent(type, data, id);
  }

  private static ServerSentEvent event(@Nullable String id, @Nullable String type, String data) {
    return new ServerSentEvent(id, type, data, null);
  }

  private static EncodableCase accepted(String name, ServerSentEvent event, String wire) {
    return new EncodableCase(name, event, wire);
  }

  private static RejectedCase rejected(
      String name, Supplier<ServerSentEvent> event, String messagePart) {
    return new RejectedCase(name, event, messagePart);
  }
}
