package io.ssekit.peers.spring;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The usual broadcast pattern with Spring MVC's {@link SseEmitter}: every open emitter in a
 * {@link CopyOnWriteArrayList}, and a publish request that sends to each of them in turn on the
 * request thread.
 *
 * <p>{@code GET /stream} opens a stream; {@code POST /broadcast} sends its body, one JSON
 * object, as the data of a {@code bench.tick} event to every open stream and responds with 202.
 */
@RestController
class BroadcastController {

  private final List<SseEmitter> emitters = new CopyOnWriteArrayList<>();
  private final AtomicLong eventIds = new AtomicLong();

  @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter stream() throws IOException {
    // A stream stays open until the client leaves.
    SseEmitter emitter = new SseEmitter(Long.MAX_VALUE);
    emitter.onCompletion(() -> emitters.remove(emitter));
    emitter.onTimeout(() -> emitters.remove(emitter));
    emitter.onError(failure -> emitters.remove(emitter));
    // Spring sends the response head with the first write; without one the client would see
    // nothing until the first event. A retry hint is what the other servers send first too.
    emitter.send(SseEmitter.event().reconnectTime(3000));
    emitters.add(emitter);
    return emitter;
  }

  @PostMapping(path = "/broadcast", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Void> broadcast(@RequestBody String event) {
    String id = Long.toString(eventIds.incrementAndGet());
    for (SseEmitter emitter : emitters) {
      try {
        emitter.send(SseEmitter.event().id(id).name("bench.tick").data(event));
      } catch (IOException | IllegalStateException e) {
        // The client is gone. Only remove the emitter: with Spring Boot 4.0.7 on Tomcat, a
        // completeWithError after a failed send throws IllegalStateException, which would fail
        // the whole broadcast.
        emitters.remove(emitter);
      }
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).build();
  }
}
