package io.ssekit.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Encoder of frames into one chunk of the chunked transfer coding (RFC 9112, 7.1), in a direct
 * buffer that the calling thread reuses.
 *
 * <p>A broadcast hands the same frame array to every stream, and a writer thread drains many
 * streams in a row, so the thread encodes each frame once and writes the same bytes to each
 * connection. A direct buffer also spares the JDK the copy it makes of a heap buffer before
 * each socket write. The buffer is overwritten by the thread's next {@link #encode}: a caller
 * whose write does not complete at once must copy what is left first.
 *
 * <p>Each thread that writes keeps one buffer of at most {@link #MAX_CACHED_BYTES} outside the
 * heap: the broker's writers, and Jetty's threads that finish a write a full socket held back.
 *
 * <p>Not thread-safe; {@link #forThread()} gives each thread its own.
 */
final class ChunkBuffer {

  /** Largest chunk kept in a thread's buffer; larger ones get a heap buffer of their own. */
  static final int MAX_CACHED_BYTES = JettyStreamTransport.CHUNK_BYTES + 16;

  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private static final ThreadLocal<ChunkBuffer> BY_THREAD = ThreadLocal.withInitial(ChunkBuffer::new);

  // The frames the buffer contains now, compared by identity: frame arrays are never modified.
  private byte @Nullable [] encodedFrames;
  private @Nullable ByteBuffer buffer;
  private int encodedLength;

  /** Returns the calling thread's instance. */
  static ChunkBuffer forThread() {
    return BY_THREAD.get();
  }

  /**
   * Returns {@code frames} as one chunk, positioned at its first byte. The buffer is this
   * thread's own unless the chunk is larger than {@link #MAX_CACHED_BYTES}.
   */
  ByteBuffer encode(byte[] frames) {
    int length = chunkLength(frames.length);
    if (length > MAX_CACHED_BYTES) {
      return ByteBuffer.wrap(chunk(frames));
    }
    ByteBuffer target = buffer;
    if (frames != encodedFrames || target == null) {
      if (target == null || target.capacity() < length) {
        // Sized for the common small frame first, then for the largest seen.
        target = ByteBuffer.allocateDirect(Math.max(length, 1024));
        buffer = target;
      }
      target.clear();
      putChunk(target, frames);
      encodedFrames = frames;
      encodedLength = length;
    }
    target.limit(encodedLength).position(0);
    return target;
  }

  /** Returns whether {@code chunk} is this thread's reused buffer, which the next encode overwrites. */
  boolean isReused(ByteBuffer chunk) {
    return chunk == buffer;
  }

  /** Returns {@code frames} as one chunk in a new array. */
  static byte[] chunk(byte[] frames) {
    ByteBuffer chunk = ByteBuffer.allocate(chunkLength(frames.length));
    putChunk(chunk, frames);
    return chunk.array();
  }

  private static int chunkLength(int dataLength) {
    return hexDigits(dataLength) + 2 + dataLength + 2;
  }

  private static int hexDigits(int value) {
    return Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(value) + 3) / 4);
  }

  private static void putChunk(ByteBuffer target, byte[] frames) {
    int length = frames.length;
    for (int shift = (hexDigits(length) - 1) * 4; shift >= 0; shift -= 4) {
      target.put(HEX_DIGITS[(length >>> shift) & 0xf]);
    }
    target.put((byte) '\r').put((byte) '\n').put(frames).put((byte) '\r').put((byte) '\n');
  }
}
