/** Publishes events from worker processes to the events server's broadcast endpoint. */
@NullMarked
package io.ssekit.worker;

import org.jspecify.annotations.NullMarked;
