package io.ssekit.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpResponseDecoderTest {

  private final List<String> data = new ArrayList<>();
  private final HttpResponseDecoder decoder =
      new HttpResponseDecoder(new SseWireParser(parser -> data.add(parser.dataAsString())));

  @Test
  void chunkedBodySplitAtEveryByteIsDecoded() {
    String wire = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "d\r\nretry: 3000\n\n\r\n"
        + "8;ext=1\r\ndata: ab\r\n"
        + "5\r\nc\n\nda\r\n"
        + "7\r\nta: d\n\n\r\n"
        + "0\r\nX-Trailer: t\r\n\r\n";
    byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < bytes.length; i++) {
      decoder.feed(bytes, i, 1);
    }

    assertThat(decoder.status()).isEqualTo(200);
    assertThat(data).containsExactly("abc", "d");
    assertThat(decoder.bodyComplete()).isTrue();
  }

  @Test
  void bodyWithoutLengthRunsToTheEndOfTheConnection() {
    feed("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: one\n\n");
    feed("data: two\n\n");

    assertThat(data).containsExactly("one", "two");
    assertThat(decoder.bodyComplete()).isFalse();
  }

  @Test
  void contentLengthEndsTheBody() {
    feed("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 12\r\n\r\ndata: x\n\n\n\ndata: ignored\n\n");

    assertThat(decoder.status()).isEqualTo(503);
    assertThat(decoder.bodyComplete()).isTrue();
    assertThat(data).containsExactly("x");
  }

  @Test
  void headIsIncompleteUntilTheBlankLine() {
    feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n");

    assertThat(decoder.headComplete()).isFalse();
    assertThat(decoder.status()).isEqualTo(-1);
  }

  @Test
  void nonHttpResponseIsRejected() {
    assertThatThrownBy(() -> feed("SSH-2.0-OpenSSH\r\n\r\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SSH-2.0-OpenSSH");
  }

  @Test
  void chunkSizeThatIsNotHexadecimalIsRejected() {
    assertThatThrownBy(() -> feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("\"zz\"");
  }

  private void feed(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    decoder.feed(bytes, 0, bytes.length);
  }
}
