package io.ssekit.examples.embedded;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application on a plain embedded Jetty 12 (ee10) server that the application configures
 * itself and adds the event endpoints to with {@link EventsApplication}.
 *
 * <p>The context is created with sessions: in memory, kept 30 minutes, the cookie
 * {@code HttpOnly} and {@code SameSite=Lax}, never in a URL. Safe for concurrent use;
 * {@link #close()} is idempotent.
 */
public final class JettyHost implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JettyHost.class);

  /** Seconds a session lives without requests. */
  private static final int SESSION_TIMEOUT_SECONDS = 30 * 60;

  private final Server server;
  private final ServerConnector connector;
  private final EventsApplication application;
  private final HostSettings settings;
  private final AtomicBoolean closed = new AtomicBoolean();

  private JettyHost(Server server, ServerConnector connector, EventsApplication application, HostSettings settings) {
    this.server = server;
    this.connector = connector;
    this.application = application;
    this.settings = settings;
  }

  /**
   * Starts Jetty with the event endpoints on {@code settings.host():settings.port()}.
   *
   * @throws Exception if Jetty fails to start, such as when the port is taken
   */
  public static JettyHost start(HostSettings settings) throws Exception {
    requireNonNull(settings, "settings");
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.SESSIONS);
    configureSessions(context.getSessionHandler());
    EventsApplication application = new EventsApplication(settings);
    context.addServletContainerInitializer(application);
    server.setHandler(context);

    JettyHost host = new JettyHost(server, connector, application, settings);
    try {
      server.start();
    } catch (Exception e) {
      host.close();
      throw e;
    }
    log.info("Jetty listening on http://{}:{}", settings.host(), host.port());
    return host;
  }

  /** Runs the example until SIGTERM or SIGINT; settings come from the environment. */
  public static void main(String[] args) throws Exception {
    JettyHost host = start(HostSettings.fromEnvironment(System.getenv(), 8081));
    Runtime.getRuntime().addShutdownHook(new Thread(host::close, "shutdown"));
    Thread.currentThread().join();
  }

  /** Returns the bound port, which differs from the configured one when that was 0. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Returns the application, for publishing from the host's own code. */
  public EventsApplication application() {
    return application;
  }

  /**
   * Ends the streams with a {@code retry:} hint, then stops Jetty, all within the grace period.
   * Blocks until done.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
    application.shutdown(settings.shutdownGrace());
    // Requests still running get what the streams left of the grace period.
    server.setStopTimeout(Math.max(0, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
    try {
      server.stop();
    } catch (TimeoutException e) {
      // Jetty stops everything first and reports the timeout afterwards.
      log.info("Jetty closed the connections still open at the end of the grace period");
    } catch (Exception e) {
      log.warn("Jetty did not stop cleanly", e);
    }
    log.info("Jetty stopped");
  }

  private static void configureSessions(SessionHandler sessions) {
    sessions.setHttpOnly(true);
    sessions.setSameSite(HttpCookie.SameSite.LAX);
    // A session id in a URL leaks through logs and Referer headers.
    sessions.setUsingUriParameters(false);
    sessions.setMaxInactiveInterval(SESSION_TIMEOUT_SECONDS);
  }
}
