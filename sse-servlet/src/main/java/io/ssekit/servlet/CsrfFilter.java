package io.ssekit.servlet;

import static java.util.Objects.requireNonNull;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rejects state-changing requests that do not carry the CSRF token of their servlet session.
 *
 * <p>The token is 32 random bytes from {@link SecureRandom}, URL-safe base64 without padding,
 * kept in the session attribute {@value #SESSION_ATTRIBUTE}. A page fetches it from the token
 * endpoint ({@code GET} {@link #tokenPath()}, which {@link SseEndpoints} installs and which
 * returns {@code {"csrf_token":"..."}}) and sends it back in the {@code X-CSRF-Token} header.
 * A new session gets a new token, so a token stops working when its session expires or is
 * invalidated.
 *
 * <p>{@code GET}, {@code HEAD} and {@code OPTIONS} pass unchecked, as do requests to the
 * exempt paths (for endpoints that authenticate without cookies, such as the broadcast
 * endpoint with its bearer token). Every other method needs a session and a matching header;
 * otherwise the response is 403 with an {@code application/problem+json} body that states whether
 * the header was missing, the session had no token, or the token did not match. The comparison
 * takes the same time wherever the tokens differ.
 *
 * <p>The container's session handling must run before this filter, and {@link CorsFilter}
 * before it, so that a cross-origin page can read a rejection. Immutable and safe for
 * concurrent use.
 */
public final class CsrfFilter implements Filter {

  /** The request header that carries the token. */
  public static final String DEFAULT_HEADER_NAME = "X-CSRF-Token";

  /** The path of the token endpoint in the standalone app. */
  public static final String DEFAULT_TOKEN_PATH = "/api/v2/csrf-token";

  /** The session attribute that stores the token. */
  public static final String SESSION_ATTRIBUTE = "io.ssekit.csrf-token";

  /** Random bytes per token: 256 bits, beyond guessing. */
  static final int TOKEN_BYTES = 32;

  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

  private static final Logger log = LoggerFactory.getLogger(CsrfFilter.class);

  private final RejectionLog rejections = new RejectionLog();

  private static final SecureRandom RANDOM = new SecureRandom();

  // Serializes token creation: two first requests of one session must not each store a token.
  private static final Object TOKEN_LOCK = new Object();

  private final List<PathPattern> exemptPaths;
  private final String tokenPath;

  private CsrfFilter(Builder builder) {
    this.exemptPaths = List.copyOf(builder.exemptPaths);
    this.tokenPath = builder.tokenPath;
  }

  /** Returns a builder with no exempt path and the token endpoint at {@value #DEFAULT_TOKEN_PATH}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the token of {@code session}, creating and storing one if the session has none.
   * Safe for concurrent use: concurrent first calls for one session return the same token.
   */
  public static String tokenOf(HttpSession session) {
    requireNonNull(session, "session");
    synchronized (TOKEN_LOCK) {
      Object existing = session.getAttribute(SESSION_ATTRIBUTE);
      if (existing instanceof String token) {
        return token;
      }
      byte[] random = new byte[TOKEN_BYTES];
      RANDOM.nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      session.setAttribute(SESSION_ATTRIBUTE, token);
      return token;
    }
  }

  /** Returns the path, within the servlet context, of the token endpoint. */
  public String tokenPath() {
    return tokenPath;
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if (!(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    if (SAFE_METHODS.contains(request.getMethod()) || isExempt(request)) {
      chain.doFilter(request, response);
      return;
    }
    String problem = tokenProblem(request);
    if (problem != null) {
      long suppressed = rejections.admit("csrf");
      if (suppressed >= 0) {
        log.info("Rejected {} {} from {}: {}{}", request.getMethod(), request.getRequestURI(),
            request.getRemoteAddr(), problem, RejectionLog.suppressedSuffix(suppressed));
      }
      ProblemResponse.send(response, 403, problem, DEFAULT_HEADER_NAME);
      return;
    }
    chain.doFilter(request, response);
  }

  /** Returns why the request's token is not accepted, or null when it matches its session's. */
  private @Nullable String tokenProblem(HttpServletRequest request) {
    String presented = request.getHeader(DEFAULT_HEADER_NAME);
    if (presented == null || presented.isBlank()) {
      return "the " + DEFAULT_HEADER_NAME + " header is missing (expected: the token from GET "
          + tokenPath + ", sent with the session cookie)";
    }
    HttpSession session = request.getSession(false);
    Object expected = session == null ? null : session.getAttribute(SESSION_ATTRIBUTE);
    if (!(expected instanceof String expectedToken)) {
      return "the " + DEFAULT_HEADER_NAME + " header does not belong to a current session: the"
          + " request has no session with a token (it expired, or the session cookie was not"
          + " sent); fetch a new token from GET " + tokenPath + " and send the session cookie";
    }
    // MessageDigest.isEqual runs in time independent of where the arrays differ.
    if (!MessageDigest.isEqual(
        presented.trim().getBytes(StandardCharsets.UTF_8), expectedToken.getBytes(StandardCharsets.UTF_8))) {
      return "the " + DEFAULT_HEADER_NAME + " header does not match this session's token"
          + " (expected: the current token from GET " + tokenPath + ")";
    }
    return null;
  }

  private boolean isExempt(HttpServletRequest request) {
    String path = pathInContext(request);
    for (PathPattern pattern : exemptPaths) {
      if (pattern.matches(path)) {
        return true;
      }
    }
    return false;
  }

  private static String pathInContext(HttpServletRequest request) {
    String pathInfo = request.getPathInfo();
    return request.getServletPath() + (pathInfo == null ? "" : pathInfo);
  }

  /** An exact path, or a prefix when it ends in {@code /*}, as in servlet URL patterns. */
  private record PathPattern(String pattern) {

    static PathPattern parse(String pattern) {
      requireNonNull(pattern, "pattern");
      String wildcardFree = pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 2) : pattern;
      if (!pattern.startsWith("/") || wildcardFree.contains("*")) {
        throw new IllegalArgumentException(
            "exempt path \"" + pattern + "\" is invalid (expected: /exact/path or /prefix/*)");
      }
      return new PathPattern(pattern);
    }

    boolean matches(String path) {
      if (!pattern.endsWith("/*")) {
        return path.equals(pattern);
      }
      String prefix = pattern.substring(0, pattern.length() - 2);
      return path.equals(prefix) || path.startsWith(prefix + "/");
    }
  }

  /** Configures a {@link CsrfFilter}. Not thread-safe. */
  public static final class Builder {

    private final List<PathPattern> exemptPaths = new ArrayList<>();
    private String tokenPath = DEFAULT_TOKEN_PATH;

    private Builder() {}

    /**
     * Exempts requests whose path within the context matches {@code pattern}: an exact path
     * such as {@code /api/v2/events/broadcast}, or a prefix such as {@code /internal/*}. Exempt
     * only endpoints that never rely on cookies for authentication.
     *
     * @throws IllegalArgumentException if the pattern does not start with {@code /}, or has
     *     a {@code *} other than a trailing {@code /*}
     */
    public Builder exemptPath(String pattern) {
      exemptPaths.add(PathPattern.parse(pattern));
      return this;
    }

    /** Adds every pattern of {@code patterns}, as {@link #exemptPath(String)} does. */
    public Builder exemptPaths(List<String> patterns) {
      requireNonNull(patterns, "patterns");
      for (String pattern : patterns) {
        exemptPath(pattern);
      }
      return this;
    }

    /**
     * Sets the path of the token endpoint within the context; defaults to
     * {@value #DEFAULT_TOKEN_PATH}.
     */
    public Builder tokenPath(String tokenPath) {
      requireNonNull(tokenPath, "tokenPath");
      if (!tokenPath.startsWith("/") || tokenPath.contains("*")) {
        throw new IllegalArgumentException(
            "tokenPath: \"" + tokenPath + "\" (expected: an exact path such as " + DEFAULT_TOKEN_PATH + ")");
      }
      this.tokenPath = tokenPath;
      return this;
    }

    public CsrfFilter build() {
      return new CsrfFilter(this);
    }
  }
}
