package io.ssekit.micrometer;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.ssekit.core.CloseReason;
import io.ssekit.core.SseBroker;
import io.ssekit.core.SseMetrics;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Records a broker's activity as Micrometer meters. Pass one to
 * {@link SseBroker.Builder#metrics(SseMetrics)}; each instance serves one broker.
 *
 * <table>
 *   <caption>Meters (Prometheus names in brackets)</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code sse.streams.open} ({@code sse_streams_open})</td><td>gauge</td>
 *       <td>streams open now</td></tr>
 *   <tr><td>{@code sse.streams.opened} ({@code sse_streams_opened_total})</td><td>counter</td>
 *       <td>stream responses started, refused ones included</td></tr>
 *   <tr><td>{@code sse.streams.closed} ({@code sse_streams_closed_total})</td><td>counter</td>
 *       <td>streams ended, tagged {@code reason}: {@code client_gone}, {@code slow_client},
 *       {@code shutdown}, {@code bus_unavailable} or {@code limit}; a refused stream counts as
 *       opened and closed</td></tr>
 *   <tr><td>{@code sse.events.published} ({@code sse_events_published_total})</td>
 *       <td>counter</td><td>events the broker received from its bus</td></tr>
 *   <tr><td>{@code sse.events.delivered} ({@code sse_events_delivered_total})</td>
 *       <td>counter</td><td>event frames (live and replayed) handed to client writes</td></tr>
 *   <tr><td>{@code sse.events.conflated} ({@code sse_events_conflated_total})</td>
 *       <td>counter</td><td>waiting events that a lagging stream dropped because a newer event
 *       with the same conflation key replaced them</td></tr>
 *   <tr><td>{@code sse.frames.written} ({@code sse_frames_written_total})</td><td>counter</td>
 *       <td>all frames handed to client writes, heartbeats and retry hints included</td></tr>
 *   <tr><td>{@code sse.written.bytes} ({@code sse_written_bytes_total})</td><td>counter</td>
 *       <td>bytes of those frames</td></tr>
 *   <tr><td>{@code sse.queue.frames} ({@code sse_queue_frames})</td><td>gauge</td>
 *       <td>frames waiting to be written, over all streams</td></tr>
 *   <tr><td>{@code sse.queue.bytes} ({@code sse_queue_bytes})</td><td>gauge</td>
 *       <td>bytes of live frames waiting to be written, over all streams</td></tr>
 *   <tr><td>{@code sse.replay.requests} ({@code sse_replay_requests_total})</td>
 *       <td>counter</td><td>reconnects with a last event ID, tagged {@code outcome}:
 *       {@code replayed}, {@code reset} or {@code failed}</td></tr>
 *   <tr><td>{@code sse.replay.events} ({@code sse_replay_events_total})</td><td>counter</td>
 *       <td>events sent by replays</td></tr>
 *   <tr><td>{@code sse.publish.errors} ({@code sse_publish_errors_total})</td><td>counter</td>
 *       <td>rejected publish requests, tagged {@code status}</td></tr>
 *   <tr><td>{@code sse.heartbeat.lag} ({@code sse_heartbeat_lag_seconds})</td><td>timer</td>
 *       <td>how late each heartbeat started compared with its schedule</td></tr>
 * </table>
 *
 * <p>Every meter also carries the common tags given to the constructor. The gauges read the
 * broker when the registry is scraped. The queue gauges visit every open stream, so their cost
 * grows with the number of streams. Safe for concurrent use.
 */
public final class MicrometerSseMetrics implements SseMetrics {

  private final MeterRegistry registry;
  private final Tags tags;
  private final AtomicBoolean bound = new AtomicBoolean();

  private final Counter streamsOpened;
  private final Map<CloseReason, Counter> streamsClosed = new EnumMap<>(CloseReason.class);
  private final Counter eventsPublished;
  private final Counter eventsDelivered;
  private final Counter eventsConflated;
  private final Counter framesWritten;
  private final Counter bytesWritten;
  private final Counter replaysServed;
  private final Counter replayResets;
  private final Counter replayFailures;
  private final Counter replayedEvents;
  private final Timer heartbeatLag;
  private final Map<Integer, Counter> publishErrors = new ConcurrentHashMap<>();

  /** Creates meters in {@code registry} without common tags. */
  public MicrometerSseMetrics(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /**
   * Creates meters in {@code registry} with {@code commonTags} on each, such as a node or
   * endpoint name when one registry serves several brokers.
   */
  public MicrometerSseMetrics(MeterRegistry registry, Iterable<Tag> commonTags) {
    this.registry = requireNonNull(registry, "registry");
    this.tags = Tags.of(requireNonNull(commonTags, "commonTags"));
    this.streamsOpened = counter("sse.streams.opened", "Stream responses started, refused ones included", tags);
    for (CloseReason reason : CloseReason.values()) {
      streamsClosed.put(
          reason,
          counter("sse.streams.closed", "Streams ended, by reason", tags.and("reason", tagValue(reason))));
    }
    this.eventsPublished = counter("sse.events.published", "Events the broker received from its bus", tags);
    this.eventsDelivered =
        counter("sse.events.delivered", "Event frames, live and replayed, handed to client writes", tags);
    this.eventsConflated = counter(
        "sse.events.conflated",
        "Waiting events a lagging stream dropped because a newer event with the same key replaced them",
        tags);
    this.framesWritten =
        counter("sse.frames.written", "Frames handed to client writes, heartbeats and retry hints included", tags);
    this.bytesWritten = Counter.builder("sse.written.bytes")
        .description("Bytes of the frames handed to client writes")
        .baseUnit(BaseUnits.BYTES)
        .tags(tags)
        .register(registry);
    this.replaysServed = replayCounter("replayed");
    this.replayResets = replayCounter("reset");
    this.replayFailures = replayCounter("failed");
    this.replayedEvents = counter("sse.replay.events", "Events sent by replays", tags);
    this.heartbeatLag = Timer.builder("sse.heartbeat.lag")
        .description("How late each heartbeat started compared with its schedule")
        .tags(tags)
        .register(registry);
  }

  /**
   * Registers the gauges that read {@code broker}.
   *
   * @throws IllegalStateException if this instance is already bound to a broker
   */
  @Override
  public void bind(SseBroker broker) {
    requireNonNull(broker, "broker");
    if (!bound.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "these metrics are already bound to a broker (expected: one MicrometerSseMetrics per"
              + " broker, told apart by common tags)");
    }
    Gauge.builder("sse.streams.open", broker, SseBroker::connectedClients)
        .description("Streams open now")
        .tags(tags)
        .register(registry);
    Gauge.builder("sse.queue.frames", broker, SseBroker::queuedFrames)
        .description("Frames waiting to be written, over all streams")
        .tags(tags)
        .register(registry);
    Gauge.builder("sse.queue.bytes", broker, SseBroker::queuedBytes)
        .description("Bytes of live frames waiting to be written, over all streams")
        .baseUnit(BaseUnits.BYTES)
        .tags(tags)
        .register(registry);
  }

  @Override
  public void streamOpened() {
    streamsOpened.increment();
  }

  @Override
  public void streamClosed(CloseReason reason) {
    streamsClosed.get(reason).increment();
  }

  @Override
  public void streamRejected(CloseReason reason) {
    // Counted as opened and closed, so that opened minus closed stays the open count.
    streamsOpened.increment();
    streamsClosed.get(reason).increment();
  }

  @Override
  public void eventPublished() {
    eventsPublished.increment();
  }

  @Override
  public void framesWritten(int frames, int events, int bytes) {
    framesWritten.increment(frames);
    eventsDelivered.increment(events);
    bytesWritten.increment(bytes);
  }

  @Override
  public void eventConflated() {
    eventsConflated.increment();
  }

  @Override
  public void replayServed(int events) {
    replaysServed.increment();
    replayedEvents.increment(events);
  }

  @Override
  public void replayReset() {
    replayResets.increment();
  }

  @Override
  public void replayFailed() {
    replayFailures.increment();
  }

  @Override
  public void publishRejected(int status) {
    publishErrors
        .computeIfAbsent(
            status,
            key -> counter("sse.publish.errors", "Rejected publish requests, by HTTP status",
                tags.and("status", Integer.toString(key))))
        .increment();
  }

  @Override
  public void heartbeatSent(long lagNanos) {
    heartbeatLag.record(lagNanos, TimeUnit.NANOSECONDS);
  }

  private Counter replayCounter(String outcome) {
    return counter("sse.replay.requests", "Reconnects with a last event ID, by outcome",
        tags.and("outcome", outcome));
  }

  private Counter counter(String name, String description, Tags meterTags) {
    return Counter.builder(name).description(description).tags(meterTags).register(registry);
  }

  private static String tagValue(CloseReason reason) {
    return reason.name().toLowerCase(Locale.ROOT);
  }
}
