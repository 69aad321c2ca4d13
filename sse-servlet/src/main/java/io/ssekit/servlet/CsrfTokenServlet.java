package io.ssekit.servlet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET} returns {@code {"csrf_token":"..."}}, the CSRF token of the caller's session,
 * and creates the session when the request has none. The response is never cached.
 *
 * <p>Only pages of the same origin, or of an origin that {@link CorsFilter} allows, can read
 * the response, which is what makes the token a proof of origin.
 */
final class CsrfTokenServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String token = CsrfFilter.tokenOf(request.getSession(true));
    ObjectNode body = EventJson.mapper().createObjectNode();
    body.put("csrf_token", token);
    response.setHeader("X-Content-Type-Options", "nosniff");
    JsonResponse.send(response, 200, body);
  }
}
