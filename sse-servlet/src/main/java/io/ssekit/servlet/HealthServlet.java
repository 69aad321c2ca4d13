package io.ssekit.servlet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import io.ssekit.core.SseBroker;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET} reports whether the node can serve streams: 200 with {@code "status":"healthy"},
 * or 503 with {@code "status":"unhealthy"} while shutting down or while the event bus is not
 * available.
 */
final class HealthServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  /** The service name the existing front end expects. */
  static final String SERVICE_NAME = "sse_events";

  private final transient SseBroker broker;

  HealthServlet(SseBroker broker) {
    this.broker = broker;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    boolean busAvailable = broker.bus().isAvailable();
    boolean healthy = busAvailable && !broker.isShuttingDown();
    ObjectNode body = EventJson.mapper().createObjectNode();
    body.put("status", healthy ? "healthy" : "unhealthy");
    body.put("service", SERVICE_NAME);
    body.put("connected_clients", broker.connectedClients());
    body.put("event_bus", busAvailable ? "available" : "unavailable");
    if (broker.isShuttingDown()) {
      body.put("reason", "shutting down");
    }
    JsonResponse.send(response, healthy ? 200 : 503, body);
  }
}
