package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventIdTest {

  @Test
  void parseReadsMillisAndSequence() {
    EventId id = EventId.parse("1762344000000-7");

    assertThat(id.millis()).isEqualTo(1762344000000L);
    assertThat(id.sequence()).isEqualTo(7L);
  }

  @Test
  void toStringIsWireForm() {
    assertThat(new EventId(1762344000000L, 0)).hasToString("1762344000000-0");
  }

  @Test
  void parseAcceptsLargestValues() {
    EventId id = EventId.parse(Long.MAX_VALUE + "-" + Long.MAX_VALUE);

    assertThat(id).isEqualTo(new EventId(Long.MAX_VALUE, Long.MAX_VALUE));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "",
        "abc",
        "1",
        "1-",
        "-1",
        "1--1",
        "-1-0",
        "1-2-3",
        "+1-0",
        "1 -0",
        " 1-0",
        "1-0 ",
        "0x1-0",
        "1.5-0",
        "\u0661-0",
        "12345678901234567890-0"
      })
  void parseRejectsMalformed(String text) {
    assertThatThrownBy(() -> EventId.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "event id \"" + text + "\" is malformed (expected: <millis>-<sequence>,"
                + " such as 1762344000000-0)");
  }

  @Test
  void parseEscapesLineBreaksInMessage() {
    assertThatThrownBy(() -> EventId.parse("1-0\r\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("event id \"1-0\\r\\n\" is malformed");
  }

  @Test
  void parseShortensLongInputInMessage() {
    String text = "x".repeat(1000);

    assertThatThrownBy(() -> EventId.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("event id \"" + "x".repeat(64) + "...\" is malformed");
  }

  @Test
  void parseRejectsMillisBeyondLong() {
    assertThatThrownBy(() -> EventId.parse("9223372036854775808-0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "event id \"9223372036854775808-0\" is out of range (expected: numbers below 2^63)");
  }

  @Test
  void parseRejectsSequenceBeyondLong() {
    assertThatThrownBy(() -> EventId.parse("1-9999999999999999999"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is out of range");
  }

  @Test
  void constructorRejectsNegativeMillis() {
    assertThatThrownBy(() -> new EventId(-1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("millis: -1 (expected: >= 0)");
  }

  @Test
  void constructorRejectsNegativeSequence() {
    assertThatThrownBy(() -> new EventId(1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sequence: -1 (expected: >= 0)");
  }

  @Test
  void idsOrderByMillisThenSequence() {
    EventId first = new EventId(1000, 5);
    EventId second = new EventId(1000, 10);
    EventId third = new EventId(1001, 0);
    List<EventId> ids = new ArrayList<>(List.of(third, first, second));

    Collections.sort(ids);

    assertThat(ids).containsExactly(first, second, third);
  }

  @Test
  void sequenceComparesAsNumberNotText() {
    assertThat(EventId.parse("1000-10")).isGreaterThan(EventId.parse("1000-9"));
  }

  @Test
  void equalIdsCompareEqual() {
    assertThat(EventId.parse("1000-3")).isEqualByComparingTo(new EventId(1000, 3));
  }

  @Test
  void nextWhenClockMovedOnStartsNewMillisecond() {
    EventId next = new EventId(1000, 4).next(1005);

    assertThat(next).isEqualTo(new EventId(1005, 0));
  }

  @Test
  void nextWhenClockStoodStillIncrementsSequence() {
    EventId next = new EventId(1000, 4).next(1000);

    assertThat(next).isEqualTo(new EventId(1000, 5));
  }

  @Test
  void nextWhenClockWentBackStaysOnMillisecond() {
    EventId next = new EventId(1000, 4).next(900);

    assertThat(next).isEqualTo(new EventId(1000, 5));
  }
}
