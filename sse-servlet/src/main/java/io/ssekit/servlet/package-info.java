/**
 * The Servlet 6 adapter: installs the event stream, health and broadcast endpoints into any
 * {@link jakarta.servlet.ServletContext} with {@link io.ssekit.servlet.SseEndpoints}.
 */
@NullMarked
package io.ssekit.servlet;

import org.jspecify.annotations.NullMarked;
