package io.ssekit.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseWireParserTest {

  private record Event(String id, String type, String data) {}

  private final List<Event> events = new ArrayList<>();
  private final SseWireParser parser =
      new SseWireParser(p -> events.add(new Event(p.lastEventId(), p.eventType(), p.dataAsString())));

  @Test
  void parsesEventsOfEachServerFormat() {
    feed("retry: 3000\n\n"
        + "id: 1764936000000-0\nevent: bench.tick\ndata: {\"seq\":0}\n\n"
        + "retry:2000\n\nevent:bench.tick\nid:1\ndata:{\"seq\":1}\n\n"
        + ": hi\n\nid: 1796421559:0\ndata: {\"seq\":2}\n\n");

    assertThat(events).containsExactly(
        new Event("1764936000000-0", "bench.tick", "{\"seq\":0}"),
        new Event("1", "bench.tick", "{\"seq\":1}"),
        new Event("1796421559:0", "message", "{\"seq\":2}"));
  }

  @Test
  void splitAtEveryByteGivesTheSameEvents() {
    String wire = "id: 7\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\ndata:z\r\rdata: w\n\n";
    byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      parser.feed(bytes, i, 1);
    }

    assertThat(events).containsExactly(
        new Event("7", "a", "x\ny"),
        new Event("7", "message", "z"),
        new Event("7", "message", "w"));
  }

  @Test
  void commentsAndEmptyEventsDispatchNothing() {
    feed(": ping\n\nevent: heartbeat\n\nid: 3\n\n");

    assertThat(events).isEmpty();
  }

  @Test
  void emptyDataLineDispatchesAnEmptyEvent() {
    feed("data\n\ndata:\n\n");

    assertThat(events).extracting(Event::data).containsExactly("", "");
  }

  @Test
  void idWithNulIsIgnored() {
    feed("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n");

    assertThat(events).extracting(Event::id).containsExactly("1", "1");
  }

  @Test
  void lineWithoutBreakBeyondLimitIsRejected() {
    byte[] line = new byte[SseWireParser.MAX_LINE_BYTES + 1];
    java.util.Arrays.fill(line, (byte) 'x');

    assertThatThrownBy(() -> parser.feed(line, 0, line.length))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exceeds");
  }

  private void feed(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length);
  }
}
