/**
 * The event endpoints embedded in an application's own servlet container: embedded Tomcat
 * ({@link io.ssekit.examples.embedded.TomcatHost}) and plain embedded Jetty
 * ({@link io.ssekit.examples.embedded.JettyHost}), both set up by one container-neutral
 * {@link io.ssekit.examples.embedded.EventsApplication}.
 */
@NullMarked
package io.ssekit.examples.embedded;

import org.jspecify.annotations.NullMarked;
