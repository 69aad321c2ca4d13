/**
 * Test helpers that other modules reuse through the {@code sse-core} test-jar: a spec-level
 * event stream parser and a clock that tests move by hand.
 */
@NullMarked
package io.ssekit.core.testing;

import org.jspecify.annotations.NullMarked;
