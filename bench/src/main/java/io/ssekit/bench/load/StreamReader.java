package io.ssekit.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One thread that opens a share of a run's streams and reads them with a {@link Selector}.
 *
 * <p>It opens at most {@code connectConcurrency} streams at a time: a stream counts as opening
 * from its connect until its response head arrives, so the server's accept queue never
 * overflows. Each socket is bound to its source address before it connects, which spreads the
 * streams over several loopback addresses and their ephemeral ports.
 *
 * <p>Other threads read the volatile progress counters and call {@link #stop()}; the delivery
 * statistics belong to this thread until it has ended ({@link #join}).
 */
final class StreamReader extends Thread {

  private static final int READ_BUFFER_BYTES = 64 * 1024;
  private static final long SELECT_TIMEOUT_MILLIS = 50;

  private final InetSocketAddress[] targets;
  private final byte[][] requests;
  private final int firstIndex;
  private final int count;
  private final InetAddress[] sources;
  private final long firstSeq;
  private final int expectedEvents;
  private final int connectConcurrency;
  private final CountDownLatch openPhaseDone;
  private final DeliveryStats stats = new DeliveryStats();
  private final List<StreamConnection> connections = new ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_BYTES);

  // Written by this thread, read by the coordinating thread.
  private volatile int opened;
  private volatile int failed;
  private volatile int complete;

  // Written by the coordinating thread.
  private volatile boolean stopRequested;

  // Confined to this thread.
  private int nextToOpen;
  private int opening;
  private boolean openPhaseSignalled;

  /**
   * Creates a reader of streams {@code firstIndex} to {@code firstIndex + count - 1}; stream
   * {@code i} connects from {@code sources[i - firstIndex]} to {@code targets[i - firstIndex]}
   * and sends {@code requests[i - firstIndex]}. Each stream expects the events
   * numbered {@code firstSeq} to {@code firstSeq + expectedEvents - 1}. {@code openPhaseDone}
   * is counted down once every stream has opened or failed.
   */
  StreamReader(
      String name,
      InetSocketAddress[] targets,
      byte[][] requests,
      int firstIndex,
      InetAddress[] sources,
      long firstSeq,
      int expectedEvents,
      int connectConcurrency,
      CountDownLatch openPhaseDone) {
    super(name);
    setDaemon(true);
    this.targets = targets;
    this.requests = requests;
    this.firstIndex = firstIndex;
    this.count = sources.length;
    this.sources = sources;
    this.firstSeq = firstSeq;
    this.expectedEvents = expectedEvents;
    this.connectConcurrency = connectConcurrency;
    this.openPhaseDone = openPhaseDone;
    stats.streamsRequested = count;
  }

  /** Returns how many streams got a 200 response head so far. */
  int opened() {
    return opened;
  }

  /** Returns how many streams failed to connect or got another status. */
  int failed() {
    return failed;
  }

  /** Returns how many streams received every expected event. */
  int complete() {
    return complete;
  }

  /** Returns the number of streams this reader holds. */
  int count() {
    return count;
  }

  /** Asks the thread to close its streams and end; it does so within one select timeout. */
  void stopReading() {
    stopRequested = true;
  }

  /** Returns the statistics; call only after the thread has ended. */
  DeliveryStats stats() {
    if (isAlive()) {
      throw new IllegalStateException("the reader is still running; stop and join it first");
    }
    return stats;
  }

  @Override
  public void run() {
    try (Selector selector = Selector.open()) {
      while (!stopRequested) {
        startConnects(selector);
        selector.select(SELECT_TIMEOUT_MILLIS);
        for (SelectionKey key : selector.selectedKeys()) {
          handle(key);
        }
        selector.selectedKeys().clear();
        signalOpenPhaseIfDone();
      }
    } catch (IOException | RuntimeException e) {
      stats.addErrorSample("reader " + getName() + " failed: " + e);
    } finally {
      finishAll();
      if (!openPhaseSignalled) {
        openPhaseDone.countDown();
      }
    }
  }

  private void startConnects(Selector selector) {
    while (opening < connectConcurrency && nextToOpen < count) {
      int local = nextToOpen++;
      opening++;
      SocketChannel channel = null;
      boolean tracked = false;
      try {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        // Lets a source port still in TIME_WAIT from an earlier run be bound again.
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(new InetSocketAddress(sources[local], 0));
        StreamConnection connection = new StreamConnection(
            firstIndex + local, channel, ByteBuffer.wrap(requests[local]), firstSeq, expectedEvents, stats);
        connections.add(connection);
        tracked = true;
        if (channel.connect(targets[local])) {
          connection.state = StreamConnection.State.AWAITING_HEAD;
          channel.register(selector, SelectionKey.OP_WRITE, connection);
        } else {
          channel.register(selector, SelectionKey.OP_CONNECT, connection);
        }
      } catch (IOException e) {
        closeQuietly(channel);
        opening--;
        failed++;
        stats.streamsFailed++;
        if (!tracked) {
          // finish() counts the missing events of tracked streams only.
          stats.missing += expectedEvents;
          stats.streamsWithMissing += expectedEvents > 0 ? 1 : 0;
        }
        stats.addErrorSample("stream " + (firstIndex + local) + " from " + sources[local].getHostAddress()
            + " could not connect: " + e);
      }
    }
  }

  private void handle(SelectionKey key) {
    StreamConnection connection = (StreamConnection) key.attachment();
    if (!key.isValid()) {
      return;
    }
    try {
      if (key.isConnectable()) {
        connection.channel.finishConnect();
        connection.state = StreamConnection.State.AWAITING_HEAD;
        key.interestOps(SelectionKey.OP_WRITE);
      }
      if (key.isValid() && key.isWritable()) {
        writeRequest(key, connection);
      }
      if (key.isValid() && key.isReadable()) {
        read(key, connection);
      }
    } catch (IOException | RuntimeException e) {
      end(key, connection, e.toString());
    }
  }

  private void writeRequest(SelectionKey key, StreamConnection connection) throws IOException {
    connection.channel.write(connection.pendingRequest);
    if (!connection.pendingRequest.hasRemaining()) {
      connection.pendingRequest = null;
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  private void read(SelectionKey key, StreamConnection connection) throws IOException {
    readBuffer.clear();
    int read = connection.channel.read(readBuffer);
    if (read < 0) {
      end(key, connection, "the server closed the connection");
      return;
    }
    if (read == 0) {
      return;
    }
    boolean wasComplete = connection.isComplete();
    connection.arrivalMicros = BenchPayload.nowMicros();
    connection.decoder.feed(readBuffer.array(), 0, read);
    if (connection.state == StreamConnection.State.AWAITING_HEAD && connection.decoder.headComplete()) {
      onHead(key, connection);
    }
    if (!wasComplete && connection.isComplete()) {
      complete++;
    }
    if (connection.decoder.bodyComplete()) {
      end(key, connection, "the response ended");
    }
  }

  private void onHead(SelectionKey key, StreamConnection connection) {
    opening--;
    if (connection.decoder.status() == 200) {
      connection.state = StreamConnection.State.OPEN;
      opened++;
      stats.streamsOpened++;
      return;
    }
    connection.state = StreamConnection.State.FAILED;
    failed++;
    stats.streamsFailed++;
    stats.addErrorSample("stream " + connection.index + " got status " + connection.decoder.status());
    key.cancel();
    closeQuietly(connection.channel);
  }

  private void end(SelectionKey key, StreamConnection connection, String why) {
    key.cancel();
    closeQuietly(connection.channel);
    if (connection.state == StreamConnection.State.CONNECTING
        || connection.state == StreamConnection.State.AWAITING_HEAD) {
      opening--;
      failed++;
      stats.streamsFailed++;
      connection.state = StreamConnection.State.FAILED;
      stats.addErrorSample("stream " + connection.index + " failed before its response head: " + why);
      return;
    }
    if (connection.state == StreamConnection.State.OPEN) {
      connection.state = StreamConnection.State.ENDED;
      if (!connection.isComplete()) {
        stats.streamsClosedEarly++;
        stats.addErrorSample("stream " + connection.index + " ended before every event arrived: " + why);
      }
    }
  }

  private void signalOpenPhaseIfDone() {
    if (!openPhaseSignalled && nextToOpen == count && opening == 0) {
      openPhaseSignalled = true;
      openPhaseDone.countDown();
    }
  }

  private void finishAll() {
    for (StreamConnection connection : connections) {
      connection.finish();
      closeQuietly(connection.channel);
    }
    // Streams that were never attempted, because the run stopped first, miss every event.
    long neverAttempted = (long) count - nextToOpen;
    stats.missing += neverAttempted * expectedEvents;
    stats.streamsWithMissing += expectedEvents > 0 ? neverAttempted : 0;
  }

  private static void closeQuietly(SocketChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing at the end of a run; nothing depends on it.
    }
  }
}
