/**
 * Server-sent events without a server: the event model, the wire encoder, the event bus and
 * the broker that fans events out to connections.
 *
 * <p>Nothing here depends on the Servlet API or on Jetty. A server adapter implements
 * {@link io.ssekit.core.SseTransport} and opens streams with {@link io.ssekit.core.SseBroker#open}.
 */
@NullMarked
package io.ssekit.core;

import org.jspecify.annotations.NullMarked;
