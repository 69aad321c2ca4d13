package io.ssekit.servlet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssekit.core.EventJson;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Writes RFC 9457 problem details ({@code application/problem+json}). */
final class ProblemResponse {

  static final String CONTENT_TYPE = "application/problem+json";

  private ProblemResponse() {}

  /**
   * Sends a problem with the reason phrase of {@code status} as its title.
   *
   * @param field the request field at fault, or null when the whole request is
   */
  static void send(HttpServletResponse response, int status, String detail, @Nullable String field)
      throws IOException {
    ObjectNode problem = EventJson.mapper().createObjectNode();
    problem.put("type", "about:blank");
    problem.put("title", title(status));
    problem.put("status", status);
    problem.put("detail", detail);
    if (field != null && !field.isEmpty()) {
      problem.put("field", field);
    }
    byte[] body = problem.toString().getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType(CONTENT_TYPE);
    response.setCharacterEncoding("utf-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> "Error";
    };
  }
}
