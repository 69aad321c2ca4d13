package io.ssekit.servlet;

import static java.util.Objects.requireNonNull;

import io.ssekit.core.PublishRequestParser;
import io.ssekit.core.SseBroker;
import io.ssekit.core.VideoStatusStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Installs the event endpoints into a servlet container under one path prefix:
 *
 * <ul>
 *   <li>{@code GET <prefix>/stream}: the event stream;
 *   <li>{@code GET <prefix>/health}: the health report;
 *   <li>{@code POST <prefix>/broadcast}: publishing for workers;
 *   <li>with {@link Builder#videoStatus(VideoStatusStore)}: {@code GET <videos path>} and
 *       {@code GET|DELETE <videos path>/{id}}, the latest status of each video (see
 *       {@link Builder#videosPath(String)});
 *   <li>with {@link Builder#csrf(CsrfFilter)}: {@code GET} {@link CsrfFilter#tokenPath()},
 *       the session's CSRF token.
 * </ul>
 *
 * <p>With {@link Builder#cors(CorsFilter)} and {@link Builder#csrf(CsrfFilter)}, the filters
 * are mapped to these endpoints only, in this order: CORS first, so that preflights are
 * handled and rejections stay readable across origins, then CSRF. Sessions come from the
 * container and are available before both; in embedded Jetty that means a context created
 * with sessions enabled.
 *
 * <p>Call {@link #install(ServletContext)} where the container allows adding servlets (a
 * {@link ServletContainerInitializer} or a declared {@code ServletContextListener}), or hand
 * {@link #initializer()} to an embedded container. Immutable once built.
 */
public final class SseEndpoints {

  /** The prefix of the standalone app's endpoints. */
  public static final String DEFAULT_PREFIX = "/api/v2/events";

  /** Default maximum size of a publish request body. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  /** Default maximum number of {@code video_id} values on one stream. */
  public static final int DEFAULT_MAX_VIDEO_FILTERS = 100;

  /** Default maximum number of {@code types} values on one stream. */
  public static final int DEFAULT_MAX_TYPE_FILTERS = 20;

  /** The path of the standalone app's video status endpoints. */
  public static final String DEFAULT_VIDEOS_PATH = "/api/v2/videos";

  private final SseBroker broker;
  private final AsyncStreamTransport.Factory transports;
  private final String prefix;
  private final @Nullable String broadcastToken;
  private final PublishRequestParser parser;
  private final int maxBodyBytes;
  private final int maxVideoFilters;
  private final int maxTypeFilters;
  private final @Nullable CorsFilter cors;
  private final @Nullable CsrfFilter csrf;
  private final @Nullable VideoStatusStore videoStatusStore;
  private final String videosPath;

  private SseEndpoints(Builder builder) {
    this.broker = builder.broker;
    this.transports = builder.transports;
    this.prefix = builder.prefix;
    this.broadcastToken = builder.broadcastToken;
    this.parser = builder.parser;
    this.maxBodyBytes = builder.maxBodyBytes;
    this.maxVideoFilters = builder.maxVideoFilters;
    this.maxTypeFilters = builder.maxTypeFilters;
    this.cors = builder.cors;
    this.csrf = builder.csrf;
    this.videoStatusStore = builder.videoStatusStore;
    this.videosPath = builder.videosPath;
  }

  public static Builder builder(SseBroker broker) {
    return new Builder(broker);
  }

  /**
   * Registers the filters and servlets that the builder enabled, all with async support.
   *
   * @throws IllegalStateException if the context is already initialized, or a servlet or
   *     filter of the same name exists
   */
  public void install(ServletContext context) {
    installFilters(context);
    register(context, "sse-stream", new EventStreamServlet(broker, transports, maxVideoFilters, maxTypeFilters), "/stream");
    register(context, "sse-health", new HealthServlet(broker), "/health");
    register(
        context,
        "sse-broadcast",
        new BroadcastServlet(broker, parser, broadcastToken, maxBodyBytes),
        "/broadcast");
    if (videoStatusStore != null) {
      registerAt(context, "sse-videos", new VideoStatusServlet(videoStatusStore), videosPath + "/*");
    }
    if (csrf != null) {
      registerAt(context, "sse-csrf-token", new CsrfTokenServlet(), csrf.tokenPath());
    }
  }

  private void installFilters(ServletContext context) {
    List<String> paths = new ArrayList<>(List.of(prefix + "/*"));
    if (videoStatusStore != null) {
      paths.add(videosPath + "/*");
    }
    if (csrf != null) {
      paths.add(csrf.tokenPath());
    }
    String[] patterns = paths.toArray(String[]::new);
    // Filters registered later run later: CORS must see a preflight before CSRF does.
    if (cors != null) {
      addFilter(context, "sse-cors", cors, patterns);
    }
    if (csrf != null) {
      addFilter(context, "sse-csrf", csrf, patterns);
    }
  }

  private static void addFilter(ServletContext context, String name, Filter filter, String[] patterns) {
    FilterRegistration.Dynamic registration = context.addFilter(name, filter);
    if (registration == null) {
      throw new IllegalStateException(
          "a filter named " + name + " is already registered (expected: install once per context)");
    }
    // The stream servlet is async, and every filter in front of an async servlet must be too.
    registration.setAsyncSupported(true);
    registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, patterns);
  }

  /** Returns an initializer that calls {@link #install(ServletContext)} at container start. */
  public ServletContainerInitializer initializer() {
    return (Set<Class<?>> classes, ServletContext context) -> install(context);
  }

  /** Returns the path prefix, such as {@value #DEFAULT_PREFIX}. */
  public String prefix() {
    return prefix;
  }

  private void register(ServletContext context, String name, jakarta.servlet.Servlet servlet, String path) {
    registerAt(context, name, servlet, prefix + path);
  }

  private static void registerAt(
      ServletContext context, String name, jakarta.servlet.Servlet servlet, String mapping) {
    ServletRegistration.Dynamic registration = context.addServlet(name, servlet);
    if (registration == null) {
      throw new IllegalStateException(
          "a servlet named " + name + " is already registered (expected: install once per context)");
    }
    registration.setAsyncSupported(true);
    registration.addMapping(mapping);
  }

  /** Configures {@link SseEndpoints}. Not thread-safe. */
  public static final class Builder {

    private final SseBroker broker;
    private AsyncStreamTransport.Factory transports = AsyncStreamTransport.servletIo();
    private String prefix = DEFAULT_PREFIX;
    private @Nullable String broadcastToken;
    private PublishRequestParser parser = PublishRequestParser.withDefaults();
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxVideoFilters = DEFAULT_MAX_VIDEO_FILTERS;
    private int maxTypeFilters = DEFAULT_MAX_TYPE_FILTERS;
    private @Nullable CorsFilter cors;
    private @Nullable CsrfFilter csrf;
    private @Nullable VideoStatusStore videoStatusStore;
    private String videosPath = DEFAULT_VIDEOS_PATH;

    private Builder(SseBroker broker) {
      this.broker = requireNonNull(broker, "broker");
    }

    /**
     * Sets how streams are written; defaults to {@link AsyncStreamTransport#servletIo()}, which
     * works in any Servlet 6 container.
     */
    public Builder transports(AsyncStreamTransport.Factory transports) {
      this.transports = requireNonNull(transports, "transports");
      return this;
    }

    /** Sets the path prefix; empty, or starting with {@code /} and not ending with one. */
    public Builder prefix(String prefix) {
      requireNonNull(prefix, "prefix");
      if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
        throw new IllegalArgumentException(
            "prefix: \"" + prefix + "\" (expected: empty, or /path without a trailing /)");
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * Sets the bearer token that publishers must send; null (the default) allows publishing
     * from loopback addresses only.
     */
    public Builder broadcastToken(@Nullable String token) {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("broadcastToken is blank (expected: null or a secret)");
      }
      this.broadcastToken = token;
      return this;
    }

    /** Sets the parser, and with it the batch and event size limits. */
    public Builder parser(PublishRequestParser parser) {
      this.parser = requireNonNull(parser, "parser");
      return this;
    }

    /** Sets the maximum publish body size; defaults to 1 MiB. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 1024)");
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** Sets the maximum number of {@code video_id} values on one stream; defaults to 100. */
    public Builder maxVideoFilters(int maxVideoFilters) {
      if (maxVideoFilters < 1) {
        throw new IllegalArgumentException("maxVideoFilters: " + maxVideoFilters + " (expected: >= 1)");
      }
      this.maxVideoFilters = maxVideoFilters;
      return this;
    }

    /** Sets the maximum number of {@code types} values on one stream; defaults to 20. */
    public Builder maxTypeFilters(int maxTypeFilters) {
      if (maxTypeFilters < 1) {
        throw new IllegalArgumentException("maxTypeFilters: " + maxTypeFilters + " (expected: >= 1)");
      }
      this.maxTypeFilters = maxTypeFilters;
      return this;
    }

    /** Sets the CORS filter for the installed endpoints; null (the default) installs none. */
    public Builder cors(@Nullable CorsFilter cors) {
      this.cors = cors;
      return this;
    }

    /**
     * Sets the CSRF filter for the installed endpoints and installs its token endpoint; null
     * (the default) installs neither. The filter's own exempt paths apply, so exempt the
     * broadcast path there when publishers authenticate with a bearer token.
     */
    public Builder csrf(@Nullable CsrfFilter csrf) {
      this.csrf = csrf;
      return this;
    }

    /**
     * Sets the store that the video status endpoints read; null (the default) installs no
     * such endpoint. The caller keeps ownership of the store.
     */
    public Builder videoStatus(@Nullable VideoStatusStore store) {
      this.videoStatusStore = store;
      return this;
    }

    /**
     * Sets the path of the video status endpoints; starting with {@code /} and not ending with
     * one. Defaults to {@value SseEndpoints#DEFAULT_VIDEOS_PATH}.
     */
    public Builder videosPath(String videosPath) {
      requireNonNull(videosPath, "videosPath");
      if (!videosPath.startsWith("/") || videosPath.endsWith("/") || videosPath.contains("*")) {
        throw new IllegalArgumentException(
            "videosPath: \"" + videosPath + "\" (expected: /path without a trailing / or *)");
      }
      this.videosPath = videosPath;
      return this;
    }

    public SseEndpoints build() {
      return new SseEndpoints(this);
    }
  }
}
