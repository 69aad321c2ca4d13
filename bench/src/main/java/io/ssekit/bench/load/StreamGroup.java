package io.ssekit.bench.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The streams that one generator process holds, split over its reader threads: streams
 * {@code firstIndex} to {@code firstIndex + count - 1} of the run. Stream {@code i} connects
 * from the loopback address {@code sourceBase + i / streamsPerAddress} to stream URL
 * {@code i mod n}, so every process of a run, given its share's first index, uses the same
 * addresses for the same streams.
 *
 * <p>Used by one coordinating thread.
 */
final class StreamGroup {

  /** The first source address of a run's streams: 127.0.0.2, since 127.0.0.1 is the server's. */
  static final int RUN_SOURCE_BASE = (127 << 24) | 2;

  /** The first source address of warm-up streams, apart from the run's. */
  static final int WARMUP_SOURCE_BASE = (127 << 24) | (1 << 16) | 2;

  private final List<StreamReader> readers = new ArrayList<>();
  private final CountDownLatch openPhaseDone;

  /**
   * Creates the readers; nothing connects until {@link #start()}.
   *
   * @param firstSeq the sequence number of the first event the streams expect
   * @param expectedEvents how many events each stream expects
   */
  StreamGroup(
      LoadOptions options, int firstIndex, int count, int sourceBase, long firstSeq, int expectedEvents) {
    int threads = Math.max(1, Math.min(options.threads(), count));
    this.openPhaseDone = new CountDownLatch(threads);
    List<URI> urls = options.streamBaseUrls();
    InetSocketAddress[] targets = new InetSocketAddress[urls.size()];
    byte[][] requests = new byte[urls.size()][];
    for (int u = 0; u < urls.size(); u++) {
      targets[u] = new InetSocketAddress(LoadOptions.loopbackAddress(urls.get(u), "stream-urls"), LoadOptions.port(urls.get(u)));
      requests[u] = streamRequest(urls.get(u), options.streamPath());
    }
    int assigned = 0;
    for (int t = 0; t < threads; t++) {
      int share = count / threads + (t < count % threads ? 1 : 0);
      InetAddress[] sources = new InetAddress[share];
      InetSocketAddress[] streamTargets = new InetSocketAddress[share];
      byte[][] streamRequests = new byte[share][];
      for (int i = 0; i < share; i++) {
        int index = firstIndex + assigned + i;
        sources[i] = sourceAddress(sourceBase, index, options.streamsPerAddress());
        streamTargets[i] = targets[index % targets.length];
        streamRequests[i] = requests[index % targets.length];
      }
      readers.add(new StreamReader(
          "stream-reader-" + (t + 1),
          streamTargets,
          streamRequests,
          firstIndex + assigned,
          sources,
          firstSeq,
          expectedEvents,
          options.connectConcurrency(),
          openPhaseDone));
      assigned += share;
    }
  }

  /** Starts every reader thread. */
  void start() {
    readers.forEach(Thread::start);
  }

  /** Waits until every stream has opened or failed; returns false if the deadline passed first. */
  boolean awaitOpened(long deadlineNanos) throws InterruptedException {
    return openPhaseDone.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  int opened() {
    return readers.stream().mapToInt(StreamReader::opened).sum();
  }

  int failed() {
    return readers.stream().mapToInt(StreamReader::failed).sum();
  }

  /** Returns how many streams received every expected event so far. */
  int completeStreams() {
    return readers.stream().mapToInt(StreamReader::complete).sum();
  }

  /** Returns whether every stream of the group received every expected event. */
  boolean allComplete() {
    return readers.stream().allMatch(reader -> reader.complete() == reader.count());
  }

  /** Stops the readers, closes their streams, and returns their statistics added up. */
  DeliveryStats stopAndCollect() throws InterruptedException {
    readers.forEach(StreamReader::stopReading);
    DeliveryStats total = new DeliveryStats();
    for (StreamReader reader : readers) {
      reader.join();
      total.add(reader.stats());
    }
    return total;
  }

  /** Returns the source address of stream {@code index}: {@code base + index / perAddress}. */
  static InetAddress sourceAddress(int base, int index, int perAddress) {
    int value = base + index / perAddress;
    byte[] bytes = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    if (bytes[0] != 127) {
      throw new IllegalArgumentException(
          "stream " + index + " would connect from outside 127.0.0.0/8 (expected: fewer streams, or more per address)");
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always a valid IPv4 address", e);
    }
  }

  private static byte[] streamRequest(URI baseUrl, String streamPath) {
    String request = "GET " + streamPath + " HTTP/1.1\r\n"
        + "Host: " + baseUrl.getHost() + ":" + LoadOptions.port(baseUrl) + "\r\n"
        + "Accept: text/event-stream\r\n"
        + "Cache-Control: no-cache\r\n"
        + "User-Agent: ssekit-load-generator\r\n"
        + "\r\n";
    return request.getBytes(StandardCharsets.US_ASCII);
  }
}
