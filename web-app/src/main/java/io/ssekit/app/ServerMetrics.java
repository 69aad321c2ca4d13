package io.ssekit.app;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ssekit.micrometer.MicrometerSseMetrics;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * The standalone server's metrics: a Prometheus registry with the broker's meters (see
 * {@link MicrometerSseMetrics}) and the JVM's memory, GC, thread, CPU and uptime meters,
 * served in the Prometheus text format at {@link #PATH}.
 *
 * <p>Note: {@link #PATH} has no authentication. Keep it off the public internet, for example
 * by not routing it through the reverse proxy.
 */
final class ServerMetrics implements AutoCloseable {

  /** The path of the scrape endpoint. */
  static final String PATH = "/metrics";

  /** The Prometheus text exposition format, version 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final MicrometerSseMetrics brokerMetrics = new MicrometerSseMetrics(registry);

  ServerMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** Returns the metrics to hand to the broker's builder. */
  MicrometerSseMetrics brokerMetrics() {
    return brokerMetrics;
  }

  /** Adds the scrape endpoint at {@link #PATH} to {@code context}. */
  void addEndpoint(ServletContextHandler context) {
    context.addServlet(new ServletHolder("metrics", new ScrapeServlet(registry)), PATH);
  }

  /** Stops the GC listeners and the registry; later scrapes return no meters. */
  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }

  /** {@code GET} writes every meter in the Prometheus text format. */
  private static final class ScrapeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient PrometheusMeterRegistry registry;

    ScrapeServlet(PrometheusMeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setStatus(200);
      response.setContentType(CONTENT_TYPE);
      response.setHeader("Cache-Control", "no-store");
      registry.scrape(response.getOutputStream(), CONTENT_TYPE);
    }
  }
}
