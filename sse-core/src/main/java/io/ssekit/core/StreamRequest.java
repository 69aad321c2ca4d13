package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What a client asked for when it opened a stream.
 *
 * @param filter the events the stream receives
 * @param lastEventId the client's {@code Last-Event-ID}, unparsed, or null on a first connect
 * @param remoteAddress the client's address, for limits and logs
 */
public record StreamRequest(StreamFilter filter, @Nullable String lastEventId, String remoteAddress) {

  public StreamRequest {
    requireNonNull(filter, "filter");
    requireNonNull(remoteAddress, "remoteAddress");
  }
}
