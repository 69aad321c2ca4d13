package io.ssekit.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Holds many SSE streams against one server, publishes numbered events through its publish
 * endpoint at a fixed rate, and reports delivery latency, completeness, and the server's
 * memory per stream and CPU time per delivery.
 *
 * <p>A run has these phases:
 *
 * <ol>
 *   <li>Warm-up: {@code --warmup-streams} streams receive {@code --warmup-events} events and
 *       close, so class loading and JIT compilation of a JVM server are not counted as stream
 *       memory or delivery CPU. Three more events follow, which no stream expects, so that a
 *       server that notices closed streams only when it writes to them releases them. This
 *       repeats {@code --warmup-rounds} times with new streams: a compiler that optimized the
 *       first round's code without the paths that only new or closing streams take compiles
 *       them again in the second round, not in the measured phase.
 *   <li>Publish warm-up: {@code --warmup-publishes} events go to a few streams, each request
 *       sent when the response to the previous one arrived. A run publishes too few events for a
 *       JVM server to finish compiling its publish path, which would then run interpreted or
 *       half compiled while it is measured. It comes after the rounds above because their stream
 *       requests pass through the same request parsing code. When it ran first, HotSpot compiled
 *       that code for publishes alone and discarded it once the rounds' requests arrived.
 *   <li>Open: after {@code --settle-seconds}, the server's RSS is read, then every stream
 *       opens, the run waits {@code --settle-seconds} again and reads the RSS once more. The
 *       difference divided by the open streams is the memory per stream.
 *   <li>Publish: the server's CPU time is read, {@code --events} events go out at
 *       {@code --rate}, and the run waits until every stream has every event, or for
 *       {@code --drain-seconds} after the last one. The CPU time spent meanwhile divided by the
 *       deliveries is the CPU per delivery.
 * </ol>
 *
 * <p>One process keeps open at most {@code --streams-per-process} streams; the coordinator starts
 * reader processes ({@link ReaderProcess}) for the rest and adds their results to its own.
 * Everything stops by {@code --max-seconds}. Only loopback addresses are used.
 */
public final class LoadGenerator {

  /**
   * Sequence number of every phase's first event. Warm-up events carry numbers of the same size
   * as the run's, so that a JIT compiler has seen the run's number-parsing paths before the
   * run. A stream counts an event sent before it opened as foreign, whatever its number.
   */
  static final long FIRST_SEQ = 0;

  /** Streams that receive the publish warm-up's events. */
  static final int PUBLISH_WARMUP_STREAMS = 10;

  /** Events published after the warm-up streams closed, at 10 per second. */
  static final int RELEASE_EVENTS = 3;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final long POLL_MILLIS = 20;

  private final LoadOptions options;
  private final String[] args;
  private final long deadlineNanos;

  private LoadGenerator(LoadOptions options, String[] args) {
    this.options = options;
    this.args = args.clone();
    this.deadlineNanos = System.nanoTime() + (long) (options.maxSeconds() * 1e9);
  }

  /** Runs one load run with the options in {@code args}; {@code --help} lists them. */
  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--help")) {
      System.out.print(LoadOptions.USAGE);
      return;
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("Invalid arguments: " + e.getMessage());
      System.err.print(LoadOptions.USAGE);
      System.exit(2);
      return;
    }
    LoadGenerator generator = new LoadGenerator(options, args);
    if (options.readerRole()) {
      generator.runReader();
    } else {
      generator.runCoordinator();
    }
    // Reader threads are daemons; nothing else should keep the JVM alive.
    System.exit(0);
  }

  private void runCoordinator() throws Exception {
    long clockTicks = ProcStats.clockTicksPerSecond();
    ObjectNode result = JSON.createObjectNode();
    result.put("server", options.server().label());
    result.put("label", options.label());
    result.put("started_at", Instant.now().toString());
    result.put("streams", options.streams());
    result.put("events", options.events());
    result.put("rate", options.rate());
    result.put("load_average_1m_start", ProcStats.loadAverage1m());
    log("run %s/%s: %d streams, %d events at %s/s", options.server().label(), options.label(),
        options.streams(), options.events(), options.rate());

    result.set("warmup", warmUp());
    pause(options.settleSeconds());
    long rssBefore = rss();

    List<ReaderProcess> children = startReaderProcesses();
    int ownStreams = options.streamsInThisProcess();
    StreamGroup own =
        new StreamGroup(options, 0, ownStreams, StreamGroup.RUN_SOURCE_BASE, FIRST_SEQ, options.events());
    long openStart = System.nanoTime();
    own.start();
    long openDeadline = openDeadline();
    boolean opened = own.awaitOpened(openDeadline)
        && waitFor(() -> children.stream().allMatch(ReaderProcess::isReady), openDeadline);
    long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStart);
    log("open phase %s in %d ms: %d of %d streams in this process open, %d failed",
        opened ? "done" : "timed out", openMillis, own.opened(), ownStreams, own.failed());
    pause(options.settleSeconds());
    long rssOpen = rss();

    long[] cpuBefore = cpu();
    RatePublisher publisher = new RatePublisher(options.publishUrl());
    long publishStart = System.nanoTime();
    publisher.publish(FIRST_SEQ, options.events(), options.rate(), deadlineNanos);
    long drainDeadline = Math.min(deadlineNanos, System.nanoTime() + (long) (options.drainSeconds() * 1e9));
    boolean complete = waitFor(
        () -> own.allComplete() && children.stream().allMatch(ReaderProcess::isComplete), drainDeadline);
    long deliverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - publishStart);
    long[] cpuAfter = cpu();
    long rssAfter = rss();
    log("publish phase %s in %d ms", complete ? "complete" : "incomplete at the drain deadline", deliverMillis);

    DeliveryStats delivery = own.stopAndCollect();
    children.forEach(ReaderProcess::finish);
    for (ReaderProcess child : children) {
      delivery.add(child.awaitResult(30_000));
    }
    result.put("load_average_1m_end", ProcStats.loadAverage1m());
    ObjectNode generator = result.putObject("generator");
    generator.put("processes", 1 + children.size());
    generator.put("threads_per_process", options.threads());
    generator.put("streams_per_address", options.streamsPerAddress());
    ObjectNode phases = result.putObject("phase_ms");
    phases.put("open", openMillis);
    phases.put("publish_until_complete", deliverMillis);
    result.set("delivery", delivery.toJson());
    result.set("publish", publisher.toJson());
    result.set("server_process", serverProcess(
        rssBefore, rssOpen, rssAfter, cpuBefore, cpuAfter, clockTicks, delivery));
    write(result);
  }

  private ObjectNode warmUp() throws InterruptedException {
    ObjectNode json = JSON.createObjectNode();
    json.put("publishes", options.warmupPublishes());
    json.put("streams", options.warmupStreams());
    json.put("events", options.warmupEvents());
    json.put("rounds", options.warmupRounds());
    long opened = 0;
    long missing = 0;
    long failed = 0;
    if (options.warmupStreams() > 0) {
      for (int round = 0; round < options.warmupRounds(); round++) {
        WarmUpResult result =
            warmUpRound(FIRST_SEQ, options.warmupStreams(), options.warmupEvents(), options.warmupRate());
        opened += result.opened();
        missing += result.missing();
        failed += result.publishFailed();
        log("warm-up round %d: %d streams, %d events, %d missing",
            round + 1, result.opened(), options.warmupEvents(), result.missing());
      }
    }
    if (options.warmupPublishes() > 0) {
      long start = System.nanoTime();
      WarmUpResult result = warmUpRound(
          FIRST_SEQ, PUBLISH_WARMUP_STREAMS, options.warmupPublishes(), LoadOptions.MAX_RATE);
      opened += result.opened();
      missing += result.missing();
      failed += result.publishFailed();
      log("publish warm-up: %d streams, %d events, %d missing, %d ms", result.opened(),
          options.warmupPublishes(), result.missing(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
    json.put("streams_opened", opened);
    json.put("missing", missing);
    json.put("publish_failed", failed);
    return json;
  }

  /**
   * Opens {@code streams} warm-up streams, publishes {@code events} events to them at {@code rate}
   * and waits for them, then closes the streams and publishes the release events.
   */
  private WarmUpResult warmUpRound(long firstSeq, int streams, int events, double rate)
      throws InterruptedException {
    StreamGroup warmup = new StreamGroup(options, 0, streams, StreamGroup.WARMUP_SOURCE_BASE, firstSeq, events);
    warmup.start();
    if (!warmup.awaitOpened(openDeadline())) {
      log("warm-up: only %d of %d streams opened in time", warmup.opened(), streams);
    }
    RatePublisher publisher = new RatePublisher(options.publishUrl());
    publisher.publish(firstSeq, events, rate, deadlineNanos);
    long drainDeadline = Math.min(deadlineNanos, System.nanoTime() + (long) (options.drainSeconds() * 1e9));
    waitFor(warmup::allComplete, drainDeadline);
    DeliveryStats stats = warmup.stopAndCollect();
    // Tomcat, for one, notices a closed stream only when a write to it fails, which is the second
    // write after the close: the first one only draws the client's reset. These events make such
    // servers release the warm-up streams before the next round or the memory baseline. No open
    // stream expects them.
    publisher.publish(firstSeq + events, RELEASE_EVENTS, 10, deadlineNanos);
    return new WarmUpResult(stats.streamsOpened, stats.missing, publisher.failed());
  }

  /** Counts of one warm-up round: streams opened, events missing and publish requests failed. */
  private record WarmUpResult(long opened, long missing, long publishFailed) {}

  private List<ReaderProcess> startReaderProcesses() throws IOException {
    List<ReaderProcess> children = new ArrayList<>();
    int next = options.streamsInThisProcess();
    while (next < options.streams()) {
      int count = Math.min(options.streamsPerProcess(), options.streams() - next);
      ReaderProcess child = ReaderProcess.start(args, next, count);
      log("started reader process %d for streams %d to %d", child.pid(), next, next + count - 1);
      children.add(child);
      next += count;
    }
    return children;
  }

  private void runReader() throws Exception {
    StreamGroup group = new StreamGroup(
        options, options.firstStream(), options.streams(), StreamGroup.RUN_SOURCE_BASE, FIRST_SEQ, options.events());
    group.start();
    group.awaitOpened(openDeadline());
    System.out.println(ReaderProcess.READY + " " + group.opened() + " " + group.failed());
    System.out.flush();
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Thread finishListener = new Thread(() -> awaitFinishCommand(commands), "finish-listener");
    finishListener.setDaemon(true);
    finishListener.start();
    boolean reportedComplete = false;
    while (finishListener.isAlive() && System.nanoTime() < deadlineNanos) {
      if (!reportedComplete && group.allComplete()) {
        System.out.println(ReaderProcess.COMPLETE);
        System.out.flush();
        reportedComplete = true;
      }
      Thread.sleep(POLL_MILLIS);
    }
    DeliveryStats stats = group.stopAndCollect();
    System.out.println(ReaderProcess.RESULT + new ObjectMapper().writeValueAsString(stats.toJson()));
    System.out.flush();
  }

  private static void awaitFinishCommand(BufferedReader commands) {
    try {
      String line;
      while ((line = commands.readLine()) != null) {
        if (line.trim().equals(ReaderProcess.FINISH)) {
          return;
        }
      }
    } catch (IOException e) {
      // The coordinator is gone, so finish as if it had sent FINISH.
    }
  }

  private ObjectNode serverProcess(
      long rssBefore, long rssOpen, long rssAfter, long[] cpuBefore, long[] cpuAfter, long clockTicks,
      DeliveryStats delivery) {
    ObjectNode json = JSON.createObjectNode();
    json.putPOJO("pids", options.serverPids());
    if (options.serverPids().isEmpty()) {
      return json;
    }
    json.put("rss_before_kib", rssBefore);
    json.put("rss_open_kib", rssOpen);
    json.put("rss_after_publish_kib", rssAfter);
    if (delivery.streamsOpened > 0) {
      json.put("rss_per_stream_bytes", (rssOpen - rssBefore) * 1024 / delivery.streamsOpened);
    }
    long userTicks = cpuAfter[0] - cpuBefore[0];
    long systemTicks = cpuAfter[1] - cpuBefore[1];
    json.put("cpu_ticks_publish", userTicks + systemTicks);
    json.put("cpu_user_ticks_publish", userTicks);
    json.put("cpu_system_ticks_publish", systemTicks);
    json.put("clock_ticks_per_second", clockTicks);
    if (delivery.deliveries > 0) {
      double micros = (userTicks + systemTicks) * 1e6 / clockTicks;
      json.put("cpu_us_per_delivery", micros / delivery.deliveries);
      json.put("cpu_system_us_per_delivery", systemTicks * 1e6 / clockTicks / delivery.deliveries);
    }
    return json;
  }

  private long rss() {
    return options.serverPids().isEmpty() ? 0 : ProcStats.rssKib(options.serverPids());
  }

  private long[] cpu() {
    return options.serverPids().isEmpty() ? new long[2] : ProcStats.cpuTicks(options.serverPids());
  }

  private long openDeadline() {
    return Math.min(deadlineNanos, System.nanoTime() + (long) (options.openSeconds() * 1e9));
  }

  /** Polls {@code condition} until it is true or {@code deadline} passes, and returns whether it became true. */
  private static boolean waitFor(BooleanSupplier condition, long deadline) throws InterruptedException {
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(POLL_MILLIS);
    }
    return true;
  }

  private void pause(double seconds) throws InterruptedException {
    long until = Math.min(deadlineNanos, System.nanoTime() + (long) (seconds * 1e9));
    long remaining;
    while ((remaining = until - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(remaining);
    }
  }

  private void write(ObjectNode result) throws IOException {
    String text = JSON.writeValueAsString(result) + "\n";
    if (options.out() == null) {
      System.out.print(text);
      return;
    }
    Files.writeString(options.out(), text);
    log("result written to %s", options.out());
  }

  private static void log(String format, Object... args) {
    System.err.printf("[load] " + format + "%n", args);
  }
}
