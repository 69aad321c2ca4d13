package io.ssekit.bench.load;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.BitSet;

/**
 * One stream of a load run: its socket, its response decoder, and which events it received.
 * Confined to the reader thread that owns it.
 */
final class StreamConnection implements SseWireParser.Listener {

  enum State {
    CONNECTING,
    AWAITING_HEAD,
    OPEN,
    ENDED,
    FAILED
  }

  final int index;
  final SocketChannel channel;
  final HttpResponseDecoder decoder;
  private final long firstSeq;
  private final int expectedEvents;
  private final DeliveryStats stats;
  private final BitSet received;
  // Wall-clock time this stream was created. An event sent earlier belongs to another phase.
  private final long createdMicros = BenchPayload.nowMicros();

  // Set by the reader thread before each feed: when the bytes being fed arrived.
  long arrivalMicros;

  State state = State.CONNECTING;
  ByteBuffer pendingRequest;
  private int distinct;
  private long highestSeq = -1;
  private boolean hadDuplicate;
  private boolean hadOutOfOrder;

  /**
   * Creates the tracking for stream {@code index}, which expects the events numbered
   * {@code firstSeq} to {@code firstSeq + expectedEvents - 1} and adds its deliveries to
   * {@code stats}.
   */
  StreamConnection(
      int index, SocketChannel channel, ByteBuffer request, long firstSeq, int expectedEvents, DeliveryStats stats) {
    this.index = index;
    this.channel = channel;
    this.pendingRequest = request;
    this.firstSeq = firstSeq;
    this.expectedEvents = expectedEvents;
    this.stats = stats;
    this.received = new BitSet(expectedEvents);
    this.decoder = new HttpResponseDecoder(new SseWireParser(this));
  }

  /** Returns whether every expected event arrived. */
  boolean isComplete() {
    return distinct == expectedEvents;
  }

  @Override
  public void onEvent(SseWireParser parser) {
    long seq = BenchPayload.readSeq(parser.data(), parser.dataLength());
    long sent = BenchPayload.readSentMicros(parser.data(), parser.dataLength());
    if (seq < 0) {
      stats.otherEvents++;
      return;
    }
    long offset = seq - firstSeq;
    if (offset >= expectedEvents || offset < 0 || (sent >= 0 && sent < createdMicros)) {
      stats.foreignEvents++;
      return;
    }
    int position = (int) offset;
    if (received.get(position)) {
      stats.duplicates++;
      hadDuplicate = true;
      return;
    }
    received.set(position);
    distinct++;
    if (seq < highestSeq) {
      stats.outOfOrder++;
      hadOutOfOrder = true;
    }
    highestSeq = Math.max(highestSeq, seq);
    stats.deliveries++;
    if (sent > 0) {
      stats.recordLatency(position, arrivalMicros - sent);
    }
    if (isComplete()) {
      stats.streamsComplete++;
    }
  }

  /** Adds this stream's missing events and per-stream flags to the stats; call once at the end. */
  void finish() {
    int missing = expectedEvents - distinct;
    stats.missing += missing;
    if (missing > 0) {
      stats.streamsWithMissing++;
      stats.maxMissingInOneStream = Math.max(stats.maxMissingInOneStream, missing);
    }
    if (hadDuplicate) {
      stats.streamsWithDuplicates++;
    }
    if (hadOutOfOrder) {
      stats.streamsWithOutOfOrder++;
    }
  }
}
