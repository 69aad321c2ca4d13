/** The standalone events server: configuration, embedded Jetty and the process lifecycle. */
@NullMarked
package io.ssekit.app;

import org.jspecify.annotations.NullMarked;
