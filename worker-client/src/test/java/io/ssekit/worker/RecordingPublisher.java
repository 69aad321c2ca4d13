package io.ssekit.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.TypedEvent;
import io.ssekit.core.VideoStatusEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fake {@link EventPublisher} that records the events handed to it, in order, and rejects
 * them with {@link BufferFullException} while {@link #full} is set. Safe for concurrent use.
 */
final class RecordingPublisher implements EventPublisher {

  private final List<TypedEvent> events = new ArrayList<>();
  volatile boolean full;

  synchronized List<VideoStatusEvent> statusEvents() {
    List<VideoStatusEvent> result = new ArrayList<>();
    for (TypedEvent event : events) {
      result.add((VideoStatusEvent) event);
    }
    return result;
  }

  synchronized List<String> describe(String videoId) {
    List<String> result = new ArrayList<>();
    for (VideoStatusEvent event : statusEvents()) {
      if (event.videoId().equals(videoId)) {
        result.add(event.status().wireValue() + " " + event.progress());
      }
    }
    return result;
  }

  @Override
  public synchronized CompletableFuture<String> publishAsync(TypedEvent event) {
    if (full) {
      throw new BufferFullException("the fake buffer is full");
    }
    events.add(event);
    return CompletableFuture.completedFuture("0-" + (events.size() - 1));
  }

  @Override
  public CompletableFuture<String> publishAsync(TypedEvent event, String idempotencyKey) {
    return publishAsync(event);
  }

  @Override
  public CompletableFuture<String> publishJsonAsync(ObjectNode event) {
    throw new UnsupportedOperationException("the reporter publishes typed events only");
  }

  @Override
  public CompletableFuture<List<String>> publishAllAsync(List<? extends TypedEvent> events) {
    throw new UnsupportedOperationException("the reporter publishes one event at a time");
  }

  @Override
  public String publish(TypedEvent event) {
    return publishAsync(event).join();
  }

  @Override
  public String publish(TypedEvent event, String idempotencyKey) {
    return publish(event);
  }

  @Override
  public List<String> publishAll(List<? extends TypedEvent> events) {
    throw new UnsupportedOperationException("the reporter publishes one event at a time");
  }

  @Override
  public boolean flush(Duration timeout) {
    return true;
  }

  @Override
  public int bufferedEvents() {
    return 0;
  }

  @Override
  public List<UnsentEvent> close(Duration deadline) {
    return List.of();
  }

  @Override
  public void close() {}
}
