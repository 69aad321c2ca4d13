package io.ssekit.core.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventStreamParserTest {

  private final EventStreamParser parser = new EventStreamParser();

  @Test
  void dataLinesJoinWithLineFeed() {
    List<ParsedEvent> events = parser.feed("data: YHOO\ndata: +2\ndata: 10\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "YHOO\n+2\n10", ""));
  }

  @Test
  void idAppliesToItsOwnBlockAndEmptyIdClearsIt() {
    List<ParsedEvent> events =
        parser.feed(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n");

    assertThat(events)
        .containsExactly(
            new ParsedEvent("message", "first event", "1"),
            new ParsedEvent("message", "second event", ""));
  }

  @Test
  void onlyOneSpaceAfterColonIsDropped() {
    List<ParsedEvent> events = parser.feed("data:  third event\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", " third event", ""));
  }

  @Test
  void spaceAfterColonIsOptional() {
    List<ParsedEvent> events = parser.feed("data:test\n\ndata: test\n\n");

    assertThat(events)
        .containsExactly(
            new ParsedEvent("message", "test", ""), new ParsedEvent("message", "test", ""));
  }

  @Test
  void fieldWithoutColonHasEmptyValue() {
    List<ParsedEvent> events = parser.feed("data\n\ndata\ndata\n\n");

    assertThat(events)
        .containsExactly(new ParsedEvent("message", "", ""), new ParsedEvent("message", "\n", ""));
  }

  @Test
  void eventWithoutTrailingBlankLineIsNotDispatched() {
    List<ParsedEvent> events = parser.feed("data: first\n\ndata: pending\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "first", ""));
    assertThat(parser.feed("\n")).containsExactly(new ParsedEvent("message", "pending", ""));
  }

  @Test
  void blankLineWithoutDataDispatchesNothingAndResetsType() {
    List<ParsedEvent> events = parser.feed("event: lost\n\ndata: kept\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "kept", ""));
  }

  @Test
  void idWithoutDataStillSetsLastEventId() {
    List<ParsedEvent> events = parser.feed("id: 5\n\n");

    assertThat(events).isEmpty();
    assertThat(parser.lastEventId()).isEqualTo("5");
  }

  @Test
  void lastEventIdPersistsAcrossEvents() {
    List<ParsedEvent> events = parser.feed("id: 7\ndata: a\n\ndata: b\n\n");

    assertThat(events)
        .containsExactly(new ParsedEvent("message", "a", "7"), new ParsedEvent("message", "b", "7"));
    assertThat(parser.lastEventId()).isEqualTo("7");
  }

  @Test
  void idWithNulIsIgnored() {
    List<ParsedEvent> events = parser.feed("id: 1\n\nid: 2\0x\ndata: a\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "a", "1"));
  }

  @Test
  void eventTypeAppliesToOneEventOnly() {
    List<ParsedEvent> events = parser.feed("event: video.status\ndata: 1\n\ndata: 2\n\n");

    assertThat(events)
        .containsExactly(
            new ParsedEvent("video.status", "1", ""), new ParsedEvent("message", "2", ""));
  }

  @Test
  void emptyEventTypeMeansMessage() {
    List<ParsedEvent> events = parser.feed("event:\ndata: 1\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "1", ""));
  }

  @Test
  void valueSplitsOnFirstColonOnly() {
    List<ParsedEvent> events = parser.feed("data: a:b\ndata:: c\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "a:b\n: c", ""));
  }

  @Test
  void commentsAndUnknownFieldsAreIgnored() {
    List<ParsedEvent> events = parser.feed(":comment\nfoo: bar\nData: no\ndata: yes\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "yes", ""));
  }

  @Test
  void retryWithDigitsSetsReconnectionTime() {
    parser.feed("retry: 1500\n\n");

    assertThat(parser.reconnectionTimeMillis()).isEqualTo(1500L);
  }

  @Test
  void retryWithOtherCharactersIsIgnored() {
    parser.feed("retry: 1500\n");

    parser.feed("retry: 15x0\nretry: -1\nretry:  2000\nretry:\nretry: 1.5\n\n");

    assertThat(parser.reconnectionTimeMillis()).isEqualTo(1500L);
  }

  @Test
  void reconnectionTimeIsNullUntilSet() {
    parser.feed("data: a\n\n");

    assertThat(parser.reconnectionTimeMillis()).isNull();
  }

  @Test
  void crlfCrAndLfAllEndLines() {
    List<ParsedEvent> events = parser.feed("data: a\r\ndata: b\rdata: c\n\r\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "a\nb\nc", ""));
  }

  @Test
  void crAndLfSplitAcrossChunksAreOneLineBreak() {
    List<ParsedEvent> first = parser.feed("data: a\r");
    List<ParsedEvent> second = parser.feed("\ndata: b\r");
    List<ParsedEvent> third = parser.feed("\n\r");
    List<ParsedEvent> fourth = parser.feed("\n");

    assertThat(first).isEmpty();
    assertThat(second).isEmpty();
    assertThat(third).containsExactly(new ParsedEvent("message", "a\nb", ""));
    assertThat(fourth).isEmpty();
  }

  @Test
  void crAtChunkEndFollowedByOtherTextEndsLine() {
    parser.feed("data: a\r");

    List<ParsedEvent> events = parser.feed("data: b\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "a\nb", ""));
  }

  @Test
  void utf8SequenceSplitAcrossChunksIsDecoded() {
    byte[] bytes = "data: caf\u00e9 \uD83C\uDFAC\n\n".getBytes(UTF_8);
    int emojiStart = bytes.length - 6;

    parser.feed(Arrays.copyOfRange(bytes, 0, emojiStart + 1));
    parser.feed(Arrays.copyOfRange(bytes, emojiStart + 1, emojiStart + 3));
    List<ParsedEvent> events = parser.feed(Arrays.copyOfRange(bytes, emojiStart + 3, bytes.length));

    assertThat(events).containsExactly(new ParsedEvent("message", "caf\u00e9 \uD83C\uDFAC", ""));
  }

  @Test
  void invalidUtf8BecomesReplacementCharacter() {
    byte[] bytes = {'d', 'a', 't', 'a', ':', ' ', (byte) 0xFF, 'x', '\n', '\n'};

    List<ParsedEvent> events = parser.feed(bytes);

    assertThat(events).containsExactly(new ParsedEvent("message", "\uFFFDx", ""));
  }

  @Test
  void leadingByteOrderMarkIsIgnored() {
    List<ParsedEvent> events = parser.feed("\uFEFFdata: a\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "a", ""));
  }

  @Test
  void byteOrderMarkSplitAcrossChunksIsIgnored() {
    parser.feed(new byte[] {(byte) 0xEF});
    parser.feed(new byte[] {(byte) 0xBB, (byte) 0xBF, 'd', 'a'});

    List<ParsedEvent> events = parser.feed("ta: a\n\n");

    assertThat(events).containsExactly(new ParsedEvent("message", "a", ""));
  }

  @Test
  void secondByteOrderMarkIsPartOfFieldName() {
    List<ParsedEvent> events = parser.feed("\uFEFF\uFEFFdata: a\n\n");

    assertThat(events).isEmpty();
  }

  @Test
  void byteOrderMarkAfterFirstLineIsNotIgnored() {
    List<ParsedEvent> events = parser.feed(":hello\n\uFEFFdata: a\n\n");

    assertThat(events).isEmpty();
  }
}
