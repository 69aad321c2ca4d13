package io.ssekit.app;

import io.ssekit.core.VideoStatusStore;
import io.ssekit.servlet.CorsFilter;
import io.ssekit.servlet.CsrfFilter;
import io.ssekit.servlet.SseEndpoints;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * The parts of the standalone server that serve browsers: sessions, CORS, CSRF, the video
 * status endpoints and the dashboard page.
 *
 * <p>Requests pass, in order: Jetty's session handler (so every filter and servlet can use
 * the session), the CORS filter (which responds to preflights and marks allowed origins), the CSRF
 * filter (which checks unsafe methods), then the servlet.
 */
final class BrowserSupport {

  /** Time without a request after which a session, and with it its CSRF token, expires. */
  static final Duration SESSION_TIMEOUT = Duration.ofMinutes(30);

  /** The class path folder of the dashboard's files, served at {@code /}. */
  static final String STATIC_RESOURCES = "static";

  private BrowserSupport() {}

  /**
   * Sets the session cookie to HttpOnly and SameSite=Lax, with ids in cookies only.
   *
   * <p>SameSite=Lax keeps the cookie off cross-site subresource requests and form posts.
   * Origins that differ only in port, such as a React dev server on {@code localhost:3000},
   * are the same site, so their credentialed requests still carry the cookie.
   */
  static void configureSessions(ServletContextHandler context) {
    SessionHandler sessions = context.getSessionHandler();
    sessions.setHttpOnly(true);
    sessions.setSameSite(HttpCookie.SameSite.LAX);
    // A session id in a URL leaks through logs and Referer headers.
    sessions.setUsingUriParameters(false);
    sessions.setMaxInactiveInterval((int) SESSION_TIMEOUT.toSeconds());
  }

  /**
   * Adds CORS, CSRF and the video status endpoints to {@code endpoints}. Only the broadcast
   * endpoint is exempt from CSRF checks: it authenticates with a bearer token or a loopback
   * address, never with a cookie.
   */
  static SseEndpoints.Builder addBrowserEndpoints(
      SseEndpoints.Builder endpoints, ServerConfig config, VideoStatusStore videoStatuses) {
    CorsFilter cors = CorsFilter.builder()
        .allowedOrigins(config.corsAllowedOrigins())
        .build();
    CsrfFilter csrf = CsrfFilter.builder()
        .exemptPath(SseEndpoints.DEFAULT_PREFIX + "/broadcast")
        .build();
    return endpoints.cors(cors).csrf(csrf).videoStatus(videoStatuses);
  }

  /** Serves the dashboard's files from the class path at {@code /}, with no directory listing. */
  static void addDashboard(ServletContextHandler context) {
    Resource base = ResourceFactory.of(context).newClassLoaderResource(STATIC_RESOURCES);
    if (base == null) {
      throw new IllegalStateException(
          "the dashboard's files are missing from the class path (expected: folder "
              + STATIC_RESOURCES + "/ in the server jar)");
    }
    context.setBaseResource(base);
    context.setWelcomeFiles(new String[] {"index.html"});
    ServletHolder files = new ServletHolder("dashboard", DefaultServlet.class);
    files.setInitParameter("dirAllowed", "false");
    // Revalidate on every load, so a page never runs with the files of an older server.
    files.setInitParameter("cacheControl", "no-cache");
    context.addServlet(files, "/");
  }
}
