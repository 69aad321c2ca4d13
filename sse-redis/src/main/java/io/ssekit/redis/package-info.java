/**
 * An {@link io.ssekit.core.EventBus} on Redis Streams, so that several server nodes share one
 * sequence of events and a client may resume on any node: {@link io.ssekit.redis.RedisEventBus}.
 */
@NullMarked
package io.ssekit.redis;

import org.jspecify.annotations.NullMarked;
