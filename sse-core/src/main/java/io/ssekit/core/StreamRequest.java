package io.ssekit.core;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The parameters of a client's request to open a stream.
 *
 * @param filter the events the stream receives
 * @param lastEventId the client's {@code Last-Event-ID}, unparsed, or null on a first connect
 * @param remoteAddress the client's address, for limits and logs
 * @param compactReplay whether a replay sends only the newest retained event of each
 *     conflation key (plus every unkeyed event and every event that may not be dropped),
 *     instead of every retained event
 */
public record StreamRequest(
    StreamFilter filter, @Nullable String lastEventId, String remoteAddress, boolean compactReplay) {

  public StreamRequest {
    requireNonNull(filter, "filter");
    requireNonNull(remoteAddress, "remoteAddress");
  }

  /** Creates a request whose replay sends every retained event. */
  public StreamRequest(StreamFilter filter, @Nullable String lastEventId, String remoteAddress) {
    this(filter, lastEventId, remoteAddress, false);
  }
}
