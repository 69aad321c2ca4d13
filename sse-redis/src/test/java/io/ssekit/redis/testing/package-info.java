/**
 * Test helpers for code that runs against a real Redis: unique stream keys that are deleted
 * afterwards, and a private {@code redis-server} process that a test may stop and restart.
 */
@NullMarked
package io.ssekit.redis.testing;

import org.jspecify.annotations.NullMarked;
