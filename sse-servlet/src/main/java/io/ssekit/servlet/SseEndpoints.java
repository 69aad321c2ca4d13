package io.ssekit.servlet;

import static java.util.Objects.requireNonNull;

import io.ssekit.core.PublishRequestParser;
import io.ssekit.core.SseBroker;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Installs the event endpoints into a servlet container under one path prefix:
 *
 * <ul>
 *   <li>{@code GET <prefix>/stream}: the event stream;
 *   <li>{@code GET <prefix>/health}: the health report;
 *   <li>{@code POST <prefix>/broadcast}: publishing for workers.
 * </ul>
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

  private final SseBroker broker;
  private final String prefix;
  private final @Nullable String broadcastToken;
  private final PublishRequestParser parser;
  private final int maxBodyBytes;
  private final int maxVideoFilters;
  private final int maxTypeFilters;

  private SseEndpoints(Builder builder) {
    this.broker = builder.broker;
    this.prefix = builder.prefix;
    this.broadcastToken = builder.broadcastToken;
    this.parser = builder.parser;
    this.maxBodyBytes = builder.maxBodyBytes;
    this.maxVideoFilters = builder.maxVideoFilters;
    this.maxTypeFilters = builder.maxTypeFilters;
  }

  public static Builder builder(SseBroker broker) {
    return new Builder(broker);
  }

  /**
   * Registers the three servlets with async support.
   *
   * @throws IllegalStateException if the context is already initialized, or a servlet of the
   *     same name exists
   */
  public void install(ServletContext context) {
    register(context, "sse-stream", new EventStreamServlet(broker, maxVideoFilters, maxTypeFilters), "/stream");
    register(context, "sse-health", new HealthServlet(broker), "/health");
    register(
        context,
        "sse-broadcast",
        new BroadcastServlet(broker.bus(), parser, broadcastToken, maxBodyBytes),
        "/broadcast");
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
    ServletRegistration.Dynamic registration = context.addServlet(name, servlet);
    if (registration == null) {
      throw new IllegalStateException(
          "a servlet named " + name + " is already registered (expected: install once per context)");
    }
    registration.setAsyncSupported(true);
    registration.addMapping(prefix + path);
  }

  /** Configures {@link SseEndpoints}. Not thread-safe. */
  public static final class Builder {

    private final SseBroker broker;
    private String prefix = DEFAULT_PREFIX;
    private @Nullable String broadcastToken;
    private PublishRequestParser parser = PublishRequestParser.withDefaults();
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxVideoFilters = DEFAULT_MAX_VIDEO_FILTERS;
    private int maxTypeFilters = DEFAULT_MAX_TYPE_FILTERS;

    private Builder(SseBroker broker) {
      this.broker = requireNonNull(broker, "broker");
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

    public SseEndpoints build() {
      return new SseEndpoints(this);
    }
  }
}
