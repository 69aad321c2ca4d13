package io.ssekit.examples.embedded;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.http.Rfc6265CookieProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application on embedded Tomcat 11 that adds the event endpoints with
 * {@link EventsApplication}. Tomcat implements Servlet 6.1; the adapter needs 6.0 and uses
 * nothing that 6.1 changed.
 *
 * <p>Tomcat provides the sessions: in memory, kept 30 minutes, the cookie {@code HttpOnly}
 * and {@code SameSite=Lax}, and not written to disk at stop. Safe for concurrent use;
 * {@link #close()} is idempotent.
 */
public final class TomcatHost implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TomcatHost.class);

  /** Minutes a session lives without requests. */
  private static final int SESSION_TIMEOUT_MINUTES = 30;

  private final Tomcat tomcat;
  private final Connector connector;
  private final EventsApplication application;
  private final HostSettings settings;
  private final Path baseDir;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TomcatHost(
      Tomcat tomcat, Connector connector, EventsApplication application, HostSettings settings, Path baseDir) {
    this.tomcat = tomcat;
    this.connector = connector;
    this.application = application;
    this.settings = settings;
    this.baseDir = baseDir;
  }

  /**
   * Starts Tomcat with the event endpoints on {@code settings.host():settings.port()}.
   *
   * @throws LifecycleException if Tomcat fails to start, such as when the port is taken
   * @throws IOException if Tomcat's work directory cannot be created
   */
  public static TomcatHost start(HostSettings settings) throws LifecycleException, IOException {
    requireNonNull(settings, "settings");
    // Tomcat keeps its work files under a base directory; a fresh one per start.
    Path baseDir = Files.createTempDirectory("ssekit-tomcat-");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector("HTTP/1.1");
    connector.setProperty("address", settings.host());
    connector.setPort(settings.port());
    tomcat.setConnector(connector);

    StandardContext context = (StandardContext) tomcat.addContext("", baseDir.toString());
    // Those checks find leaks of a redeployed web application; this one is never redeployed.
    context.setClearReferencesThreadLocals(false);
    context.setClearReferencesRmiTargets(false);
    configureSessions(context);
    EventsApplication application = new EventsApplication(settings);
    context.addServletContainerInitializer(application, Set.of());

    TomcatHost host = new TomcatHost(tomcat, connector, application, settings, baseDir);
    try {
      tomcat.start();
    } catch (LifecycleException | RuntimeException e) {
      host.close();
      throw e;
    }
    log.info("Tomcat listening on http://{}:{}", settings.host(), host.port());
    return host;
  }

  /** Runs the example until SIGTERM or SIGINT; settings come from the environment. */
  public static void main(String[] args) throws Exception {
    TomcatHost host = start(HostSettings.fromEnvironment(System.getenv(), 8080));
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
   * Ends the streams with a {@code retry:} hint within the grace period, then stops Tomcat and
   * deletes its work directory. Blocks until done.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    application.shutdown(settings.shutdownGrace());
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      log.warn("Tomcat did not stop cleanly", e);
    }
    deleteRecursively(baseDir);
    log.info("Tomcat stopped");
  }

  private static void configureSessions(Context context) {
    StandardManager sessions = new StandardManager();
    // No file: sessions are not saved at stop and restored at start.
    sessions.setPathname(null);
    context.setManager(sessions);
    context.setSessionTimeout(SESSION_TIMEOUT_MINUTES);
    context.setUseHttpOnly(true);
    Rfc6265CookieProcessor cookies = new Rfc6265CookieProcessor();
    cookies.setSameSiteCookies("lax");
    context.setCookieProcessor(cookies);
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("Failed to delete Tomcat's work directory {}; delete it by hand", directory, e);
    }
  }
}
