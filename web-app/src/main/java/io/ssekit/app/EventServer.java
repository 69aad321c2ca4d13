package io.ssekit.app;

import static java.util.Objects.requireNonNull;

import io.ssekit.core.EventBus;
import io.ssekit.core.InMemoryEventBus;
import io.ssekit.core.PublishRequestParser;
import io.ssekit.core.SseBroker;
import io.ssekit.core.VideoStatusStore;
import io.ssekit.jetty.JettyStreamTransports;
import io.ssekit.redis.RedisEventBus;
import io.ssekit.servlet.AsyncStreamTransport;
import io.ssekit.servlet.SseEndpoints;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: an event bus, a broker and the endpoints on embedded Jetty.
 *
 * <p>{@link #start()} binds the port; {@link #stop()} sends every stream a {@code retry:} hint,
 * closes the streams, stops Jetty within the configured grace period and stops every thread
 * the server started. Safe for concurrent use; {@code stop} is idempotent.
 */
public final class EventServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventServer.class);

  /** Extra idle time over the heartbeat interval before Jetty closes a silent connection. */
  private static final Duration IDLE_MARGIN = Duration.ofSeconds(30);

  private final ServerConfig config;
  private final EventBus bus;
  private final SseBroker broker;
  private final VideoStatusStore videoStatuses;
  private final ServletContextHandler context;
  private final Server jetty;
  private final ServerConnector connector;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final ServerMetrics metrics = new ServerMetrics();

  /**
   * Creates a server on the Redis bus when the configuration names a Redis URL, and on the
   * in-memory bus otherwise; nothing listens until {@link #start()}.
   *
   * @throws io.ssekit.core.EventBusUnavailableException if Redis is configured but unreachable
   */
  public EventServer(ServerConfig config) {
    this(config, createBus(config));
  }

  /** Creates a server on {@code bus}; the server closes the bus when it stops. */
  public EventServer(ServerConfig config, EventBus bus) {
    this.config = requireNonNull(config, "config");
    this.bus = requireNonNull(bus, "bus");
    this.broker = SseBroker.builder(bus)
        .heartbeatInterval(config.heartbeatInterval())
        .retry(config.retry())
        .maxStreams(config.maxStreams())
        .maxStreamsPerAddress(config.maxStreamsPerAddress())
        .maxQueuedEvents(config.maxQueuedEvents())
        .maxQueuedBytes(config.maxQueuedBytes())
        .conflationThreshold(config.conflationThreshold())
        .metrics(metrics.brokerMetrics())
        .build();
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("http");
    this.jetty = new Server(threads);
    this.connector = createConnector(jetty, config);
    jetty.addConnector(connector);
    this.videoStatuses = VideoStatusStore.subscribe(bus, config.maxTrackedVideos());
    this.context = createContext();
    jetty.setHandler(context);
    jetty.setStopTimeout(config.shutdownGrace().toMillis());
    jetty.setStopAtShutdown(false);
  }

  /**
   * Starts listening.
   *
   * @throws Exception if the port cannot be bound or Jetty fails to start
   */
  public void start() throws Exception {
    jetty.start();
    log.info("Listening on http://{}:{}{}", config.host(), port(), SseEndpoints.DEFAULT_PREFIX);
  }

  /** Returns the bound port, which differs from the configured one when that was 0. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Returns the broker, for in-process publishing and inspection. */
  public SseBroker broker() {
    return broker;
  }

  /** Returns the event bus. */
  public EventBus bus() {
    return bus;
  }

  /** Returns the servlet context, for tests that reach into sessions. */
  ServletContextHandler context() {
    return context;
  }

  /** Stops the server gracefully; see the class comment. Blocks until done. */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    log.info("Stopping; open streams: {}", broker.connectedClients());
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    broker.shutdown(config.shutdownGrace());
    // The grace period bounds the whole stop: Jetty's graceful phase gets what the streams left.
    jetty.setStopTimeout(Math.max(0, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
    try {
      jetty.stop();
    } catch (TimeoutException e) {
      // Jetty stops everything first and reports the timeout afterwards.
      log.info("Jetty closed the connections still open at the end of the grace period");
    } catch (Exception e) {
      log.warn("Jetty did not stop cleanly", e);
    }
    videoStatuses.close();
    bus.close();
    metrics.close();
    log.info("Stopped");
    if (log.isDebugEnabled()) {
      log.debug("Non-daemon threads left after stop: {}", RemainingThreads.nonDaemon());
    }
  }

  @Override
  public void close() {
    stop();
  }

  private ServletContextHandler createContext() {
    ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.SESSIONS);
    BrowserSupport.configureSessions(context);
    SseEndpoints.Builder endpoints = SseEndpoints.builder(broker)
        .transports(transports(config.streamTransport()))
        .broadcastToken(config.broadcastToken())
        .maxBodyBytes(config.maxBodyBytes())
        .parser(new PublishRequestParser(Clock.systemUTC(), config.maxBatchSize(), config.maxEventBytes()));
    BrowserSupport.addBrowserEndpoints(endpoints, config, videoStatuses);
    context.addServletContainerInitializer(endpoints.build().initializer());
    BrowserSupport.addDashboard(context);
    metrics.addEndpoint(context);
    return context;
  }

  private static AsyncStreamTransport.Factory transports(ServerConfig.StreamTransport transport) {
    return switch (transport) {
      case JETTY -> JettyStreamTransports.factory();
      case SERVLET -> AsyncStreamTransport.servletIo();
    };
  }

  private static EventBus createBus(ServerConfig config) {
    String redisUrl = config.redisUrl();
    if (redisUrl == null) {
      return InMemoryEventBus.builder()
          .replayCapacity(config.replayBufferSize())
          .replayMaxAge(config.replayMaxAge())
          .build();
    }
    return RedisEventBus.builder(redisUrl)
        .streamKey(config.redisStreamKey())
        .maxLength(config.replayBufferSize())
        .replayMaxAge(config.replayMaxAge())
        .build();
  }

  private static ServerConnector createConnector(Server jetty, ServerConfig config) {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    // Bounds the request line (and with it the query) plus headers, and Jetty returns 414 or 431.
    http.setRequestHeaderSize(config.maxRequestHeaderBytes());
    // Writes go to the socket without Jetty's aggregate buffer. A stream that wrote once would
    // otherwise keep a pooled 32 KiB buffer until it closes: 625 MiB for 20,000 streams.
    http.setOutputAggregationSize(0);
    ServerConnector connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    // A stream is silent between heartbeats; it must outlive one interval with margin.
    connector.setIdleTimeout(config.heartbeatInterval().plus(IDLE_MARGIN).toMillis());
    return connector;
  }
}
