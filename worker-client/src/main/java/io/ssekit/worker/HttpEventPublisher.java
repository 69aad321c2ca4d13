package io.ssekit.worker;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.PublishRequestParser;
import io.ssekit.core.TypedEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EventPublisher} on {@link HttpClient}.
 *
 * <p>Design: callers append {@link Group}s (one event, or one atomic batch) to {@link #queue}
 * under {@link #lock}. The sender thread moves groups from the queue into {@link #inFlight},
 * sends them as one request, retries as the policy decides, and settles each group: its future
 * completes, then its buffer space is released. A group is settled exactly once, by the sender
 * or by {@link #close(Duration)} at its deadline, whichever claims it first under the lock.
 */
final class HttpEventPublisher implements EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(HttpEventPublisher.class);

  private static final String IDEMPOTENCY_KEY = "idempotency_key";

  /** Extra time over the request timeout before a response whose body stalls is abandoned. */
  private static final Duration BODY_GRACE = Duration.ofSeconds(1);

  /** How long close waits for an interrupted sender thread to end. */
  private static final Duration SENDER_JOIN_TIMEOUT = Duration.ofSeconds(1);

  private static final AtomicInteger PUBLISHER_SEQUENCE = new AtomicInteger();

  // Set at construction.
  private final String name;
  private final URI broadcastUri;
  private final @Nullable String authorization;
  private final Duration requestTimeout;
  private final RetryPolicy retryPolicy;
  private final int maxBatchSize;
  private final int maxRequestBytes;
  private final long lingerNanos;
  private final int maxBufferedEvents;
  private final long maxBufferedBytes;
  private final Duration maxBlock;
  private final Duration closeTimeout;
  private final DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
  private final HttpClient http;
  private final Thread sender;

  // Guarded by lock: written by publishing threads, the sender thread and the closing thread.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition queueChanged = lock.newCondition();
  private final Condition groupsSettled = lock.newCondition();
  private final ArrayDeque<Group> queue = new ArrayDeque<>();
  private final List<Group> inFlight = new ArrayList<>();
  private int queuedEvents;
  private long queuedBytes;
  private int bufferedEvents;
  private long bufferedBytes;
  private long lastSequence;
  private long sendAtOnceUpTo;
  private State state = State.OPEN;
  private long closeDeadlineNanos;
  private boolean senderDone;
  private @Nullable List<UnsentEvent> unsentAtClose;

  // Written by the sender thread only.
  private int failuresInARow;

  HttpEventPublisher(EventPublisher.Builder builder) {
    this.name = "publisher-" + PUBLISHER_SEQUENCE.incrementAndGet();
    this.broadcastUri = builder.broadcastUri;
    this.authorization = builder.token == null ? null : "Bearer " + builder.token;
    this.requestTimeout = builder.requestTimeout;
    this.retryPolicy = builder.retryPolicy;
    this.maxBatchSize = builder.maxBatchSize;
    this.maxRequestBytes = builder.maxRequestBytes;
    this.lingerNanos = builder.linger.toNanos();
    this.maxBufferedEvents = builder.maxBufferedEvents;
    this.maxBufferedBytes = builder.maxBufferedBytes;
    this.maxBlock = builder.maxBlock;
    this.closeTimeout = builder.closeTimeout;
    this.http = HttpClient.newBuilder()
        .connectTimeout(builder.connectTimeout)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    this.sender = new Thread(this::runSender, "ssekit-" + name + "-sender");
    sender.setDaemon(true);
    sender.start();
    log.debug("Started {} for {}", name, broadcastUri);
  }

  @Override
  public CompletableFuture<String> publishAsync(TypedEvent event) {
    return publishAsync(event, UUID.randomUUID().toString());
  }

  @Override
  public CompletableFuture<String> publishAsync(TypedEvent event, String idempotencyKey) {
    Group group = new Group(List.of(encode(event, idempotencyKey)));
    enqueue(group, false);
    return group.future.thenApply(ids -> ids.get(0));
  }

  @Override
  public CompletableFuture<String> publishJsonAsync(ObjectNode event) {
    requireNonNull(event, "event");
    ObjectNode copy = event.deepCopy();
    JsonNode key = copy.get(IDEMPOTENCY_KEY);
    boolean hasKey = key != null && !key.isNull();
    if (hasKey && !key.isTextual()) {
      throw new IllegalArgumentException(
          "idempotency_key: " + key + " (expected: text of 1 to "
              + PublishRequestParser.MAX_IDEMPOTENCY_KEY_LENGTH + " characters)");
    }
    String idempotencyKey = hasKey ? key.asText() : UUID.randomUUID().toString();
    JsonNode type = copy.get("type");
    if (type == null || !type.isTextual()) {
      throw new IllegalArgumentException(
          "type: " + type + " (expected: a text field naming the event type, such as \"upload.done\")");
    }
    JsonNode videoId = copy.get("video_id");
    QueuedEvent encoded = encodeNode(
        copy, idempotencyKey, type.asText(), videoId != null && videoId.isTextual() ? videoId.asText() : null);
    Group group = new Group(List.of(encoded));
    enqueue(group, false);
    return group.future.thenApply(ids -> ids.get(0));
  }

  @Override
  public CompletableFuture<List<String>> publishAllAsync(List<? extends TypedEvent> events) {
    return enqueueAll(events, false).future;
  }

  @Override
  public String publish(TypedEvent event) {
    return publish(event, UUID.randomUUID().toString());
  }

  @Override
  public String publish(TypedEvent event, String idempotencyKey) {
    Group group = new Group(List.of(encode(event, idempotencyKey)));
    enqueue(group, true);
    return await(group.future).get(0);
  }

  @Override
  public List<String> publishAll(List<? extends TypedEvent> events) {
    return await(enqueueAll(events, true).future);
  }

  @Override
  public boolean flush(Duration timeout) {
    requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      long target = lastSequence;
      sendAtOnceUpTo = Math.max(sendAtOnceUpTo, target);
      queueChanged.signalAll();
      while (hasUnsettledUpTo(target)) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        groupsSettled.awaitNanos(remaining);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int bufferedEvents() {
    lock.lock();
    try {
      return bufferedEvents;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    boolean wasOpen = isOpen();
    List<UnsentEvent> unsent = close(closeTimeout);
    // A caller of close(Duration) got the list already, so only the first close warns.
    if (wasOpen && !unsent.isEmpty()) {
      log.warn(
          "Closed {} with {} events not acknowledged by {} within {}; first idempotency key: {}",
          name, unsent.size(), broadcastUri, closeTimeout, unsent.get(0).idempotencyKey());
    }
  }

  @Override
  public List<UnsentEvent> close(Duration deadline) {
    requireNonNull(deadline, "deadline");
    lock.lock();
    try {
      if (state == State.OPEN) {
        state = State.CLOSING;
        closeDeadlineNanos = System.nanoTime() + deadline.toNanos();
        // Wakes the sender to send without lingering, and callers blocked for buffer space.
        queueChanged.signalAll();
        groupsSettled.signalAll();
      }
      awaitSenderUntil(closeDeadlineNanos);
    } finally {
      lock.unlock();
    }
    if (!isSenderDone()) {
      sender.interrupt();
    }
    joinSender();
    return abandonUnsettled();
  }

  private Group enqueueAll(List<? extends TypedEvent> events, boolean sendAtOnce) {
    requireNonNull(events, "events");
    if (events.isEmpty()) {
      throw new IllegalArgumentException("events is empty (expected: at least one event)");
    }
    if (events.size() > maxBatchSize) {
      throw new IllegalArgumentException(
          "events has " + events.size() + " events (expected: at most maxBatchSize " + maxBatchSize + ")");
    }
    List<QueuedEvent> encoded = new ArrayList<>(events.size());
    for (TypedEvent event : events) {
      encoded.add(encode(event, UUID.randomUUID().toString()));
    }
    Group group = new Group(encoded);
    enqueue(group, sendAtOnce);
    return group;
  }

  private void enqueue(Group group, boolean sendAtOnce) {
    if (group.size() > maxBufferedEvents || group.bytes > maxBufferedBytes) {
      throw new IllegalArgumentException(
          "the events have " + group.size() + " events and " + group.bytes
              + " bytes of JSON (expected: at most maxBufferedEvents " + maxBufferedEvents
              + " and maxBufferedBytes " + maxBufferedBytes + ")");
    }
    long remaining = maxBlock.toNanos();
    lock.lock();
    try {
      checkOpen();
      while (!fits(group)) {
        if (remaining <= 0) {
          throw bufferFull(group);
        }
        remaining = groupsSettled.awaitNanos(remaining);
        checkOpen();
      }
      group.sequence = ++lastSequence;
      group.enqueuedNanos = System.nanoTime();
      queue.addLast(group);
      queuedEvents += group.size();
      queuedBytes += group.bytes;
      bufferedEvents += group.size();
      bufferedBytes += group.bytes;
      if (sendAtOnce) {
        sendAtOnceUpTo = Math.max(sendAtOnceUpTo, group.sequence);
      }
      queueChanged.signalAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted while waiting for buffer space; nothing was queued", e);
    } finally {
      lock.unlock();
    }
  }

  private boolean fits(Group group) {
    return bufferedEvents + group.size() <= maxBufferedEvents
        && bufferedBytes + group.bytes <= maxBufferedBytes;
  }

  private BufferFullException bufferFull(Group group) {
    return new BufferFullException(
        "the buffer of " + name + " for " + broadcastUri + " is full: " + bufferedEvents
            + " events (max " + maxBufferedEvents + ") and " + bufferedBytes + " bytes (max "
            + maxBufferedBytes + ") wait for the server, and " + group.size()
            + " more did not fit within " + maxBlock + "; nothing was queued. The server is"
            + " down or slower than this worker: retry later, drop the event, or raise"
            + " maxBufferedEvents or maxBlock");
  }

  private void checkOpen() {
    if (state != State.OPEN) {
      throw new IllegalStateException(name + " is closed (expected: publish before close())");
    }
    if (senderDone) {
      throw new IllegalStateException(name + " stopped its sender thread after an error; build a new publisher");
    }
  }

  private QueuedEvent encode(TypedEvent event, String idempotencyKey) {
    requireNonNull(event, "event");
    ObjectNode node = EventJson.mapper().valueToTree(event);
    return encodeNode(node, idempotencyKey, event.type(), event.videoId());
  }

  private static QueuedEvent encodeNode(
      ObjectNode node, String idempotencyKey, String type, @Nullable String videoId) {
    requireNonNull(idempotencyKey, "idempotencyKey");
    if (idempotencyKey.isEmpty() || idempotencyKey.length() > PublishRequestParser.MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "idempotencyKey has " + idempotencyKey.length() + " characters (expected: 1 to "
              + PublishRequestParser.MAX_IDEMPOTENCY_KEY_LENGTH + ")");
    }
    node.put(IDEMPOTENCY_KEY, idempotencyKey);
    try {
      return new QueuedEvent(idempotencyKey, type, videoId, EventJson.mapper().writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot serialize the " + type + " event", e);
    }
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof PublishException publishFailure) {
        throw publishFailure.rethrownHere();
      }
      throw e;
    }
  }

  private boolean hasUnsettledUpTo(long sequence) {
    Group oldest = !inFlight.isEmpty() ? inFlight.get(0) : queue.peekFirst();
    return oldest != null && oldest.sequence <= sequence;
  }

  // ---- Sender thread ----

  private void runSender() {
    try {
      for (List<Group> batch = nextBatch(); batch != null; batch = nextBatch()) {
        deliverSafely(batch);
      }
    } finally {
      lock.lock();
      try {
        senderDone = true;
        groupsSettled.signalAll();
      } finally {
        lock.unlock();
      }
      log.debug("Sender of {} stopped", name);
      // Fails what is left, so that no caller waits forever, even after an Error ended the loop.
      abandonUnsettled();
    }
  }

  /** Waits for a batch to send; returns null when the publisher is closing and nothing is left. */
  private @Nullable List<Group> nextBatch() {
    lock.lock();
    try {
      while (true) {
        if (state != State.OPEN && (queue.isEmpty() || isPastCloseDeadline())) {
          return null;
        }
        Group head = queue.peekFirst();
        if (head == null) {
          queueChanged.await();
          continue;
        }
        long lingerLeft = head.enqueuedNanos + lingerNanos - System.nanoTime();
        if (isBatchReady(head) || lingerLeft <= 0) {
          return takeBatch();
        }
        queueChanged.awaitNanos(lingerLeft);
      }
    } catch (InterruptedException e) {
      // Only close() interrupts the sender, at its deadline.
      return null;
    } finally {
      lock.unlock();
    }
  }

  private boolean isBatchReady(Group head) {
    return state != State.OPEN
        || head.sequence <= sendAtOnceUpTo
        || queuedEvents >= maxBatchSize
        || queuedBytes >= maxRequestBytes;
  }

  private List<Group> takeBatch() {
    List<Group> batch = new ArrayList<>();
    int events = 0;
    long bytes = 0;
    while (!queue.isEmpty()) {
      Group next = queue.peekFirst();
      boolean full = events + next.size() > maxBatchSize || bytes + next.bytes > maxRequestBytes;
      if (!batch.isEmpty() && full) {
        break;
      }
      queue.removeFirst();
      queuedEvents -= next.size();
      queuedBytes -= next.bytes;
      events += next.size();
      bytes += next.bytes;
      batch.add(next);
    }
    inFlight.addAll(batch);
    return batch;
  }

  private void deliverSafely(List<Group> batch) {
    try {
      deliver(batch);
    } catch (RuntimeException e) {
      // A bug here must not strand the callers' futures or stop later batches.
      log.error("Sending a batch of {} failed unexpectedly", name, e);
      settle(batch, null, new PublishException("publishing failed unexpectedly: " + e, e));
    }
  }

  /** Sends {@code groups} until each is settled, or until close abandons them. */
  private void deliver(List<Group> groups) {
    long startNanos = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      Outcome outcome = sendOnce(groups);
      switch (outcome.kind) {
        case ACCEPTED -> {
          onSuccess();
          settle(groups, outcome.ids, null);
          return;
        }
        case REJECTED -> {
          onSuccess();
          handleRejection(groups, outcome);
          return;
        }
        case ABANDONED -> {
          return;
        }
        case RETRYABLE -> {
          Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
          Optional<Duration> delay = retryPolicy.nextDelay(attempt, elapsed, random);
          if (delay.isEmpty()) {
            giveUp(groups, outcome, attempt, elapsed);
            return;
          }
          Duration wait = withRetryAfter(delay.get(), outcome.retryAfter);
          onRetryableFailure(outcome, attempt, wait);
          if (!awaitRetry(wait)) {
            return;
          }
        }
      }
    }
  }

  private void handleRejection(List<Group> groups, Outcome rejection) {
    int offending = offendingGroup(groups, rejection.problemField);
    if (offending >= 0) {
      Group bad = groups.get(offending);
      settle(List.of(bad), null, rejected(bad, rejection, indexOf(groups, offending)));
      List<Group> rest = new ArrayList<>(groups);
      rest.remove(offending);
      if (!rest.isEmpty()) {
        deliver(rest);
      }
      return;
    }
    if (isBatchTooLarge(rejection) && groups.size() > 1) {
      int half = groups.size() / 2;
      deliver(new ArrayList<>(groups.subList(0, half)));
      deliver(new ArrayList<>(groups.subList(half, groups.size())));
      return;
    }
    for (Group group : groups) {
      settle(List.of(group), null, rejected(group, rejection, -1));
    }
  }

  private static boolean isBatchTooLarge(Outcome rejection) {
    return rejection.status == 413 || rejection.status == 400 && "events".equals(rejection.problemField);
  }

  /** Returns the index in {@code groups} of the group holding the event the server named, or -1. */
  private static int offendingGroup(List<Group> groups, @Nullable String field) {
    int eventIndex = eventIndex(field);
    if (eventIndex < 0) {
      return -1;
    }
    int start = 0;
    for (int i = 0; i < groups.size(); i++) {
      start += groups.get(i).size();
      if (eventIndex < start) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(List<Group> groups, int groupIndex) {
    int start = 0;
    for (int i = 0; i < groupIndex; i++) {
      start += groups.get(i).size();
    }
    return start;
  }

  /** Returns {@code n} of a field such as {@code events[n].progress}, or -1. */
  private static int eventIndex(@Nullable String field) {
    if (field == null || !field.startsWith("events[")) {
      return -1;
    }
    int close = field.indexOf(']');
    if (close < 0) {
      return -1;
    }
    try {
      return Integer.parseInt(field.substring("events[".length(), close));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private PublishException rejected(Group group, Outcome rejection, int firstEventIndex) {
    String field = fieldForCaller(rejection.problemField, group, firstEventIndex);
    String detail = rejection.problemDetail == null ? rejection.message : rejection.problemDetail;
    return new PublishException(
        "the server at " + broadcastUri + " rejected the " + describe(group) + " with status "
            + rejection.status + (field == null ? "" : " (field " + field + ")") + ": " + detail,
        rejection.status, rejection.problemDetail, field, null);
  }

  /** Rewrites {@code events[n].x} of the request to the field within the caller's own events. */
  private static @Nullable String fieldForCaller(@Nullable String field, Group group, int firstEventIndex) {
    int eventIndex = eventIndex(field);
    if (field == null || eventIndex < 0 || firstEventIndex < 0) {
      return field;
    }
    String rest = field.substring(field.indexOf(']') + 1);
    if (group.size() == 1) {
      return rest.startsWith(".") ? rest.substring(1) : "";
    }
    return "events[" + (eventIndex - firstEventIndex) + "]" + rest;
  }

  private static String describe(Group group) {
    QueuedEvent first = group.events.get(0);
    if (group.size() > 1) {
      return "batch of " + group.size() + " events";
    }
    return first.type + " event" + (first.videoId == null ? "" : " of video " + first.videoId)
        + " (idempotency key " + first.idempotencyKey + ")";
  }

  private void giveUp(List<Group> groups, Outcome failure, int attempts, Duration elapsed) {
    int events = groups.stream().mapToInt(Group::size).sum();
    log.warn(
        "{} gave up on {} events after {} attempts in {} ms: {}",
        name, events, attempts, elapsed.toMillis(), failure.message);
    PublishException exception = new PublishException(
        "publish to " + broadcastUri + " failed after " + attempts + " attempts in "
            + elapsed.toMillis() + " ms (retry policy: " + retryPolicy + "); last failure: "
            + failure.message,
        failure.status, failure.problemDetail, failure.problemField, failure.cause);
    settle(groups, null, exception);
  }

  private Duration withRetryAfter(Duration delay, @Nullable Duration retryAfter) {
    if (retryAfter == null) {
      return delay;
    }
    Duration capped = retryAfter.compareTo(retryPolicy.maxDelay()) > 0 ? retryPolicy.maxDelay() : retryAfter;
    return capped.compareTo(delay) > 0 ? capped : delay;
  }

  private void onRetryableFailure(Outcome failure, int attempt, Duration wait) {
    failuresInARow++;
    if (failuresInARow == 1) {
      log.warn("{} cannot publish to {}: {}; retrying with back-off", name, broadcastUri, failure.message);
    } else {
      log.debug("{} attempt {} failed: {}; next in {} ms", name, attempt, failure.message, wait.toMillis());
    }
  }

  private void onSuccess() {
    if (failuresInARow > 0) {
      log.info("{} reached {} again after {} failed attempts", name, broadcastUri, failuresInARow);
      failuresInARow = 0;
    }
  }

  /** Waits {@code delay} before a retry; returns false when the close deadline passed first. */
  private boolean awaitRetry(Duration delay) {
    long until = System.nanoTime() + delay.toNanos();
    lock.lock();
    try {
      while (true) {
        long now = System.nanoTime();
        if (isPastCloseDeadline()) {
          return false;
        }
        long wait = until - now;
        if (state != State.OPEN) {
          wait = Math.min(wait, closeDeadlineNanos - now);
        }
        if (wait <= 0) {
          return !isPastCloseDeadline();
        }
        queueChanged.awaitNanos(wait);
      }
    } catch (InterruptedException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  private Outcome sendOnce(List<Group> groups) {
    int events = groups.stream().mapToInt(Group::size).sum();
    HttpRequest.Builder request = HttpRequest.newBuilder(broadcastUri)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body(groups)));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    try {
      HttpResponse<String> response =
          pending.get(requestTimeout.plus(BODY_GRACE).toNanos(), TimeUnit.NANOSECONDS);
      return Outcome.of(response, events);
    } catch (ExecutionException e) {
      return Outcome.failed(e.getCause() == null ? e : e.getCause(), requestTimeout);
    } catch (TimeoutException e) {
      pending.cancel(true);
      return Outcome.retryable(
          "no complete response within " + requestTimeout.plus(BODY_GRACE).toMillis() + " ms", 0, e);
    } catch (InterruptedException e) {
      pending.cancel(true);
      return Outcome.ABANDONED;
    }
  }

  private static byte[] body(List<Group> groups) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("{\"events\":[".getBytes(StandardCharsets.US_ASCII));
    boolean first = true;
    for (Group group : groups) {
      for (QueuedEvent event : group.events) {
        if (!first) {
          body.write(',');
        }
        body.writeBytes(event.json);
        first = false;
      }
    }
    body.writeBytes("]}".getBytes(StandardCharsets.US_ASCII));
    return body.toByteArray();
  }

  /**
   * Completes the futures of {@code groups} with their slice of {@code ids}, or with
   * {@code failure}, then releases their buffer space. Groups that close already abandoned
   * are skipped.
   */
  private void settle(List<Group> groups, @Nullable List<String> ids, @Nullable PublishException failure) {
    boolean[] mine = new boolean[groups.size()];
    lock.lock();
    try {
      for (int i = 0; i < groups.size(); i++) {
        mine[i] = claim(groups.get(i));
      }
    } finally {
      lock.unlock();
    }
    List<Group> claimed = new ArrayList<>(groups.size());
    int offset = 0;
    for (int i = 0; i < groups.size(); i++) {
      Group group = groups.get(i);
      if (mine[i]) {
        claimed.add(group);
        if (ids != null) {
          group.future.complete(List.copyOf(ids.subList(offset, offset + group.size())));
        } else {
          group.future.completeExceptionally(requireNonNull(failure, "failure"));
        }
      }
      offset += group.size();
    }
    release(claimed);
  }

  /** Claims the right to complete {@code group}'s future; the caller holds the lock. */
  private static boolean claim(Group group) {
    if (group.claimed) {
      return false;
    }
    group.claimed = true;
    return true;
  }

  /**
   * Removes claimed groups whose futures are complete and frees their space. Runs after the
   * futures completed, so that a flush that returns finds every future before it complete.
   */
  private void release(List<Group> groups) {
    if (groups.isEmpty()) {
      return;
    }
    lock.lock();
    try {
      for (Group group : groups) {
        if (!inFlight.remove(group) && queue.remove(group)) {
          queuedEvents -= group.size();
          queuedBytes -= group.bytes;
        }
        bufferedEvents -= group.size();
        bufferedBytes -= group.bytes;
      }
      groupsSettled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---- Closing ----

  private boolean isPastCloseDeadline() {
    return state != State.OPEN && System.nanoTime() - closeDeadlineNanos >= 0;
  }

  private void awaitSenderUntil(long deadlineNanos) {
    try {
      while (!senderDone) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
          return;
        }
        groupsSettled.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean isOpen() {
    lock.lock();
    try {
      return state == State.OPEN;
    } finally {
      lock.unlock();
    }
  }

  private boolean isSenderDone() {
    lock.lock();
    try {
      return senderDone;
    } finally {
      lock.unlock();
    }
  }

  private void joinSender() {
    if (Thread.currentThread() == sender) {
      return;
    }
    try {
      sender.join(SENDER_JOIN_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Gives up every group not yet settled, once; later calls return the same list. */
  private List<UnsentEvent> abandonUnsettled() {
    List<Group> abandoned = new ArrayList<>();
    List<UnsentEvent> unsent;
    lock.lock();
    try {
      if (unsentAtClose != null) {
        return unsentAtClose;
      }
      List<Group> unsettled = new ArrayList<>(inFlight);
      unsettled.addAll(queue);
      unsettled.sort((a, b) -> Long.compare(a.sequence, b.sequence));
      List<UnsentEvent> events = new ArrayList<>();
      for (Group group : unsettled) {
        if (claim(group)) {
          abandoned.add(group);
          for (QueuedEvent event : group.events) {
            events.add(event.toUnsent());
          }
        }
      }
      state = State.CLOSED;
      unsent = List.copyOf(events);
      unsentAtClose = unsent;
    } finally {
      lock.unlock();
    }
    for (Group group : abandoned) {
      group.future.completeExceptionally(new PublishException(
          "not published: " + name + " closed before " + broadcastUri + " acknowledged the "
              + describe(group) + "; the server may have published it if a request was in flight",
          0));
    }
    release(abandoned);
    log.debug("Closed {}; {} events unsent", name, unsent.size());
    return unsent;
  }

  private enum State {
    OPEN,
    CLOSING,
    CLOSED
  }

  /** One event, encoded once with its idempotency key so every retry sends the same bytes. */
  private record QueuedEvent(String idempotencyKey, String type, @Nullable String videoId, byte[] json) {

    UnsentEvent toUnsent() {
      return new UnsentEvent(
          idempotencyKey, type, videoId, new String(json, StandardCharsets.UTF_8));
    }
  }

  /** Events from one call, sent in one request; their future completes once. */
  private static final class Group {

    final List<QueuedEvent> events;
    final long bytes;
    final CompletableFuture<List<String>> future = new CompletableFuture<>();

    // Guarded by the publisher's lock.
    long sequence;
    long enqueuedNanos;
    boolean claimed;

    Group(List<QueuedEvent> events) {
      this.events = events;
      long total = 0;
      for (QueuedEvent event : events) {
        total += event.json.length;
      }
      this.bytes = total;
    }

    int size() {
      return events.size();
    }
  }

  /** The result of one request. */
  private static final class Outcome {

    static final Outcome ABANDONED = new Outcome(Kind.ABANDONED, 0, "abandoned at close", null, null, null, null, null);

    final Kind kind;
    final int status;
    final String message;
    final @Nullable List<String> ids;
    final @Nullable String problemDetail;
    final @Nullable String problemField;
    final @Nullable Duration retryAfter;
    final @Nullable Throwable cause;

    private Outcome(
        Kind kind, int status, String message, @Nullable List<String> ids,
        @Nullable String problemDetail, @Nullable String problemField,
        @Nullable Duration retryAfter, @Nullable Throwable cause) {
      this.kind = kind;
      this.status = status;
      this.message = message;
      this.ids = ids;
      this.problemDetail = problemDetail;
      this.problemField = problemField;
      this.retryAfter = retryAfter;
      this.cause = cause;
    }

    static Outcome retryable(String message, int status, @Nullable Throwable cause) {
      return new Outcome(Kind.RETRYABLE, status, message, null, null, null, null, cause);
    }

    static Outcome failed(Throwable cause, Duration requestTimeout) {
      if (cause instanceof HttpTimeoutException) {
        return retryable("no response within the request timeout of " + requestTimeout.toMillis() + " ms", 0, cause);
      }
      if (cause instanceof IOException) {
        return retryable("connection failed: " + cause, 0, cause);
      }
      return retryable("request failed: " + cause, 0, cause);
    }

    static Outcome of(HttpResponse<String> response, int events) {
      int status = response.statusCode();
      if (status == 202) {
        List<String> ids = ids(response.body());
        if (ids == null || ids.size() != events) {
          return new Outcome(
              Kind.REJECTED, status, "the response has no id for each of the " + events + " events: "
                  + abbreviate(response.body()), null, null, null, null, null);
        }
        return new Outcome(Kind.ACCEPTED, status, "accepted", ids, null, null, null, null);
      }
      String detail = problem(response.body(), "detail");
      String field = problem(response.body(), "field");
      String message = "status " + status + (detail == null ? ": " + abbreviate(response.body()) : ": " + detail);
      if (status == 429 || status >= 500) {
        return new Outcome(Kind.RETRYABLE, status, message, null, detail, field, retryAfter(response), null);
      }
      return new Outcome(Kind.REJECTED, status, message, null, detail, field, null, null);
    }

    private static @Nullable List<String> ids(String body) {
      try {
        JsonNode ids = EventJson.mapper().readTree(body).path("ids");
        if (!ids.isArray()) {
          return null;
        }
        List<String> result = new ArrayList<>(ids.size());
        ids.forEach(id -> result.add(id.asText()));
        return result;
      } catch (IOException e) {
        return null;
      }
    }

    private static @Nullable String problem(String body, String member) {
      try {
        JsonNode problem = EventJson.mapper().readTree(body);
        JsonNode value = problem == null ? null : problem.get(member);
        return value == null || !value.isTextual() ? null : value.asText();
      } catch (IOException notJson) {
        return null;
      }
    }

    /** Reads a {@code Retry-After} in seconds; the HTTP-date form is ignored. */
    private static @Nullable Duration retryAfter(HttpResponse<String> response) {
      Optional<String> header = response.headers().firstValue("Retry-After");
      if (header.isEmpty()) {
        return null;
      }
      try {
        long seconds = Long.parseLong(header.get().trim());
        return seconds < 0 ? null : Duration.ofSeconds(seconds);
      } catch (NumberFormatException dateForm) {
        return null;
      }
    }

    private static String abbreviate(String text) {
      return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    enum Kind {
      ACCEPTED,
      REJECTED,
      RETRYABLE,
      ABANDONED
    }
  }
}
