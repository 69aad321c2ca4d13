package io.ssekit.servlet;

import static java.util.Objects.requireNonNull;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds CORS headers for an allow-list of origins, with credentials (cookies) allowed,
 * following the Fetch standard's CORS protocol.
 *
 * <ul>
 *   <li>A request from an allowed origin gets {@code Access-Control-Allow-Origin} set to that
 *       exact origin and {@code Access-Control-Allow-Credentials: true}. The filter never
 *       sends {@code *} and never echoes an origin that is not on the list.
 *   <li>A preflight ({@code OPTIONS} with {@code Origin} and
 *       {@code Access-Control-Request-Method}) gets 204 here, with the allowed methods
 *       and headers and a max age, and does not reach the servlet. A preflight from an origin
 *       not on the list, or for a method or header not allowed, gets 403 with a problem body
 *       and no CORS headers.
 *   <li>Any other request from an origin not on the list passes through without CORS headers,
 *       so the browser hides the response from the foreign page. Same-origin requests that
 *       carry an {@code Origin} header take this path too and need no CORS headers.
 *   <li>Every response gets {@code Vary: Origin}, because whether it carries CORS headers
 *       depends on that header.
 * </ul>
 *
 * <p>Immutable and safe for concurrent use. Register it before {@link CsrfFilter}, so that a
 * rejection by the CSRF filter still carries CORS headers and the calling page can read why.
 */
public final class CorsFilter implements Filter {

  /** The React development servers: Create React App and Vite. */
  public static final List<String> DEFAULT_ALLOWED_ORIGINS =
      List.of("http://localhost:3000", "http://localhost:5173");

  /** The methods a cross-origin page may use. */
  public static final List<String> DEFAULT_ALLOWED_METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /** The request headers a cross-origin page may send. */
  public static final List<String> DEFAULT_ALLOWED_HEADERS =
      List.of("Authorization", "Content-Type", "Last-Event-ID", CsrfFilter.DEFAULT_HEADER_NAME);

  /** Default time a browser may cache a preflight response. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(CorsFilter.class);

  private final RejectionLog rejections = new RejectionLog();

  private final Set<String> allowedOrigins;
  private final List<String> allowedMethods;
  private final List<String> allowedHeaders;
  private final Set<String> allowedHeadersLowerCase;
  private final Duration maxAge;

  private CorsFilter(Builder builder) {
    this.allowedOrigins = Set.copyOf(builder.allowedOrigins);
    this.allowedMethods = List.copyOf(builder.allowedMethods);
    this.allowedHeaders = List.copyOf(builder.allowedHeaders);
    Set<String> lowerCase = new TreeSet<>();
    for (String header : allowedHeaders) {
      lowerCase.add(header.toLowerCase(Locale.ROOT));
    }
    this.allowedHeadersLowerCase = Set.copyOf(lowerCase);
    this.maxAge = builder.maxAge;
  }

  /** Returns a builder with the defaults: the React development origins, methods and headers. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns {@code origin} in the form browsers send in the {@code Origin} header: lower-case
   * scheme and host, and the port only when it is not the scheme's default.
   *
   * @throws IllegalArgumentException if {@code origin} is {@code *}, {@code null}, or not an
   *     {@code http} or {@code https} origin without path, query or user info
   */
  public static String normalizeOrigin(String origin) {
    requireNonNull(origin, "origin");
    String trimmed = origin.trim();
    if (trimmed.equals("*")) {
      throw new IllegalArgumentException(
          "origin \"*\" is not allowed because credentials are allowed (expected: each origin"
              + " listed as scheme://host[:port], such as http://localhost:3000)");
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw invalidOrigin(origin);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean onlyOrigin = uri.getHost() != null && uri.getRawUserInfo() == null
        && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
        && uri.getRawQuery() == null && uri.getRawFragment() == null;
    if (!(scheme.equals("http") || scheme.equals("https")) || !onlyOrigin) {
      throw invalidOrigin(origin);
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80)
        || (scheme.equals("https") && port == 443);
    return scheme + "://" + host + (defaultPort ? "" : ":" + port);
  }

  /** Returns the allowed origins, normalized. */
  public Set<String> allowedOrigins() {
    return allowedOrigins;
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if (!(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    response.addHeader("Vary", "Origin");
    String origin = request.getHeader("Origin");
    if (origin == null) {
      chain.doFilter(request, response);
      return;
    }
    if (isPreflight(request)) {
      respondToPreflight(request, response, origin);
      return;
    }
    if (allowedOrigins.contains(origin)) {
      allowOrigin(response, origin);
    }
    chain.doFilter(request, response);
  }

  private void respondToPreflight(HttpServletRequest request, HttpServletResponse response, String origin)
      throws IOException {
    // The response also depends on the requested method and headers.
    response.addHeader("Vary", "Access-Control-Request-Method");
    response.addHeader("Vary", "Access-Control-Request-Headers");
    String problem = preflightProblem(request, origin);
    if (problem != null) {
      long suppressed = rejections.admit("cors preflight");
      if (suppressed >= 0) {
        log.info("Rejected CORS preflight from {} ({}): {}{}", origin, request.getRemoteAddr(), problem,
            RejectionLog.suppressedSuffix(suppressed));
      }
      ProblemResponse.send(response, 403, problem, null);
      return;
    }
    allowOrigin(response, origin);
    response.setHeader("Access-Control-Allow-Methods", String.join(", ", allowedMethods));
    response.setHeader("Access-Control-Allow-Headers", String.join(", ", allowedHeaders));
    response.setHeader("Access-Control-Max-Age", Long.toString(maxAge.toSeconds()));
    response.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  /** Returns why the preflight is rejected, or null when it is allowed. */
  private @Nullable String preflightProblem(HttpServletRequest request, String origin) {
    if (!allowedOrigins.contains(origin)) {
      return "origin " + abbreviate(origin) + " is not allowed to call this server (expected:"
          + " an origin on the server's CORS allow-list)";
    }
    String method = request.getHeader("Access-Control-Request-Method").trim();
    if (!allowedMethods.contains(method)) {
      return "method " + abbreviate(method) + " is not allowed for cross-origin requests"
          + " (expected one of: " + String.join(", ", allowedMethods) + ")";
    }
    for (String header : requestedHeaders(request)) {
      if (!allowedHeadersLowerCase.contains(header.toLowerCase(Locale.ROOT))) {
        return "header " + abbreviate(header) + " is not allowed for cross-origin requests"
            + " (expected some of: " + String.join(", ", allowedHeaders) + ")";
      }
    }
    return null;
  }

  private static List<String> requestedHeaders(HttpServletRequest request) {
    List<String> headers = new ArrayList<>();
    var values = request.getHeaders("Access-Control-Request-Headers");
    while (values.hasMoreElements()) {
      for (String header : values.nextElement().split(",")) {
        if (!header.isBlank()) {
          headers.add(header.trim());
        }
      }
    }
    return headers;
  }

  private static void allowOrigin(HttpServletResponse response, String origin) {
    response.setHeader("Access-Control-Allow-Origin", origin);
    response.setHeader("Access-Control-Allow-Credentials", "true");
  }

  private static boolean isPreflight(HttpServletRequest request) {
    return "OPTIONS".equals(request.getMethod())
        && request.getHeader("Access-Control-Request-Method") != null;
  }

  private static IllegalArgumentException invalidOrigin(String origin) {
    return new IllegalArgumentException(
        "origin \"" + abbreviate(origin) + "\" is invalid (expected: scheme://host[:port] with"
            + " scheme http or https and no path, such as http://localhost:3000)");
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  /** Configures a {@link CorsFilter}. Not thread-safe. */
  public static final class Builder {

    private final Set<String> allowedOrigins = new LinkedHashSet<>(DEFAULT_ALLOWED_ORIGINS);
    private List<String> allowedMethods = DEFAULT_ALLOWED_METHODS;
    private List<String> allowedHeaders = DEFAULT_ALLOWED_HEADERS;
    private Duration maxAge = DEFAULT_MAX_AGE;

    private Builder() {}

    /**
     * Replaces the allowed origins; an empty list allows no cross-origin caller. Defaults to
     * {@link #DEFAULT_ALLOWED_ORIGINS}.
     *
     * @throws IllegalArgumentException naming the first origin that
     *     {@link CorsFilter#normalizeOrigin(String)} rejects
     */
    public Builder allowedOrigins(List<String> origins) {
      requireNonNull(origins, "origins");
      Set<String> normalized = new LinkedHashSet<>();
      for (String origin : origins) {
        normalized.add(normalizeOrigin(origin));
      }
      allowedOrigins.clear();
      allowedOrigins.addAll(normalized);
      return this;
    }

    /** Replaces the allowed methods; defaults to {@link #DEFAULT_ALLOWED_METHODS}. */
    public Builder allowedMethods(List<String> methods) {
      this.allowedMethods = validTokens("allowedMethods", methods);
      return this;
    }

    /** Replaces the allowed request headers; defaults to {@link #DEFAULT_ALLOWED_HEADERS}. */
    public Builder allowedHeaders(List<String> headers) {
      this.allowedHeaders = validTokens("allowedHeaders", headers);
      return this;
    }

    /** Sets how long a browser may cache a preflight response; defaults to 10 minutes. */
    public Builder maxAge(Duration maxAge) {
      requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= 0)");
      }
      this.maxAge = maxAge;
      return this;
    }

    public CorsFilter build() {
      return new CorsFilter(this);
    }

    private static List<String> validTokens(String name, List<String> values) {
      requireNonNull(values, name);
      for (String value : values) {
        // An HTTP token: no separators, so the joined header value parses back the same.
        if (value == null || !value.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
          throw new IllegalArgumentException(
              name + " contains \"" + value + "\" (expected: HTTP tokens such as GET or Content-Type)");
        }
      }
      return List.copyOf(values);
    }
  }
}
