package io.ssekit.examples.embedded;

import static java.util.Objects.requireNonNull;

import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.SseBroker;
import io.ssekit.servlet.CorsFilter;
import io.ssekit.servlet.CsrfFilter;
import io.ssekit.servlet.SseEndpoints;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a host application adds to its own servlet container to serve events, written once
 * for any container: an event bus, a broker, the event endpoints under
 * {@link SseEndpoints#DEFAULT_PREFIX} with CORS and CSRF filters, and the host's own
 * {@value #SUBMIT_PATH} endpoint, which publishes in-process.
 *
 * <p>Hand it to the container as a {@link ServletContainerInitializer}: Tomcat's
 * {@code Context.addServletContainerInitializer} or Jetty's
 * {@code ServletContextHandler.addServletContainerInitializer}. The container must provide
 * sessions, because the CSRF filter keeps its token in the session.
 *
 * <p>Filters, in the order they run on every event endpoint and on {@value #SUBMIT_PATH}:
 * CORS first, so that a preflight gets its response before any other check and a rejection
 * stays readable by the calling page, then CSRF. The broadcast endpoint is exempt from CSRF: publishers authenticate with a
 * bearer token, never with a cookie.
 *
 * <p>Call {@link #shutdown(Duration)} before stopping the container, so that streams end with
 * a {@code retry:} hint while the connections are still open.
 */
public final class EventsApplication implements ServletContainerInitializer {

  /** The host application's endpoint that queues a video. */
  public static final String SUBMIT_PATH = "/app/videos";

  private final InMemoryEventBus bus;
  private final SseBroker broker;
  private final CorsFilter cors;
  private final CsrfFilter csrf;
  private final SseEndpoints endpoints;

  /** Creates the bus and broker; nothing is served until the container calls {@link #onStartup}. */
  public EventsApplication(HostSettings settings) {
    requireNonNull(settings, "settings");
    this.bus = InMemoryEventBus.builder().build();
    this.broker = SseBroker.builder(bus).build();
    this.cors = CorsFilter.builder().allowedOrigins(settings.allowedOrigins()).build();
    this.csrf = CsrfFilter.builder()
        .exemptPath(SseEndpoints.DEFAULT_PREFIX + "/broadcast")
        .build();
    this.endpoints = SseEndpoints.builder(broker)
        .broadcastToken(settings.broadcastToken())
        .cors(cors)
        .csrf(csrf)
        .build();
  }

  /** Installs the event endpoints, then the host's endpoint behind the same filters. */
  @Override
  public void onStartup(Set<Class<?>> classes, ServletContext context) {
    endpoints.install(context);
    addFilter(context, "host-cors", cors);
    addFilter(context, "host-csrf", csrf);
    ServletRegistration.Dynamic submission =
        context.addServlet("video-submission", new VideoSubmissionServlet(broker, Clock.systemUTC()));
    submission.addMapping(SUBMIT_PATH);
  }

  /** Returns the broker, for publishing from the host's own code. */
  public SseBroker broker() {
    return broker;
  }

  /**
   * Ends every stream with a {@code retry:} hint, waiting up to {@code grace}, and closes the
   * bus. Blocks the caller; a second call does nothing.
   */
  public void shutdown(Duration grace) {
    broker.shutdown(grace);
    bus.close();
  }

  private static void addFilter(ServletContext context, String name, Filter filter) {
    FilterRegistration.Dynamic registration = context.addFilter(name, filter);
    registration.setAsyncSupported(true);
    // Filters added later run later, so CORS is added before CSRF.
    registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, SUBMIT_PATH);
  }
}
