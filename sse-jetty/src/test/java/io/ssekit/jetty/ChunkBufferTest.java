package io.ssekit.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkBufferTest {

  private final ChunkBuffer chunkBuffer = new ChunkBuffer();

  @Test
  void chunkHasHexSizeAndLineBreaks() {
    byte[] frames = "x".repeat(300).getBytes(StandardCharsets.US_ASCII);

    String chunk = new String(ChunkBuffer.chunk(frames), StandardCharsets.US_ASCII);

    assertThat(chunk).isEqualTo("12c\r\n" + "x".repeat(300) + "\r\n");
    assertThat(text(ChunkBuffer.chunk(new byte[] {'a'}))).isEqualTo("1\r\na\r\n");
    assertThat(text(ChunkBuffer.chunk(new byte[0]))).isEqualTo("0\r\n\r\n");
    assertThat(text(ChunkBuffer.chunk(new byte[16]))).startsWith("10\r\n");
    assertThat(text(ChunkBuffer.chunk(new byte[65_536])))
        .startsWith("10000\r\n").endsWith("\u0000\r\n").hasSize(5 + 2 + 65_536 + 2);
  }

  @Test
  void encodesIntoOneReusedDirectBuffer() {
    byte[] first = bytes("data: 1\n\n");
    byte[] second = bytes("data: 22\n\n");

    ByteBuffer encoded = chunkBuffer.encode(first);
    assertThat(encoded.isDirect()).isTrue();
    assertThat(read(encoded)).isEqualTo("9\r\ndata: 1\n\n\r\n");
    assertThat(read(chunkBuffer.encode(second))).isEqualTo("a\r\ndata: 22\n\n\r\n");
    assertThat(chunkBuffer.encode(first)).isSameAs(encoded);
  }

  @Test
  void sameFramesAreRewoundAfterPartialRead() {
    byte[] frames = bytes("data: same\n\n");
    ByteBuffer encoded = chunkBuffer.encode(frames);
    encoded.position(encoded.position() + 5);

    assertThat(read(chunkBuffer.encode(frames))).isEqualTo("c\r\ndata: same\n\n\r\n");
  }

  @Test
  void copiedArrayIsEncodedAgain() {
    byte[] frames = bytes("data: a\n\n");
    chunkBuffer.encode(frames);
    byte[] copy = frames.clone();
    copy[6] = 'b';

    assertThat(read(chunkBuffer.encode(copy))).isEqualTo("9\r\ndata: b\n\n\r\n");
  }

  @Test
  void growsUpToItsLimit() {
    byte[] small = bytes("data: s\n\n");
    byte[] larger = new byte[4_000];
    byte[] tooLarge = new byte[ChunkBuffer.MAX_CACHED_BYTES];
    ByteBuffer first = chunkBuffer.encode(small);

    ByteBuffer grown = chunkBuffer.encode(larger);
    ByteBuffer own = chunkBuffer.encode(tooLarge);

    assertThat(grown.isDirect()).isTrue();
    assertThat(grown.capacity()).isGreaterThan(first.capacity());
    assertThat(grown.remaining()).isEqualTo(3 + 2 + 4_000 + 2);
    assertThat(own.isDirect()).isFalse();
    assertThat(own.remaining()).isEqualTo(4 + 2 + tooLarge.length + 2);
    assertThat(read(chunkBuffer.encode(small))).isEqualTo("9\r\ndata: s\n\n\r\n");
  }

  @Test
  void onlyCachedChunksAreReused() {
    ByteBuffer small = chunkBuffer.encode(bytes("data: s\n\n"));
    ByteBuffer large = chunkBuffer.encode(new byte[ChunkBuffer.MAX_CACHED_BYTES]);

    assertThat(chunkBuffer.isReused(small)).isTrue();
    assertThat(chunkBuffer.isReused(large)).isFalse();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  private static String read(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return text(bytes);
  }
}
