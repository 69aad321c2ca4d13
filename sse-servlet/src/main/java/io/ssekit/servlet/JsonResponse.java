package io.ssekit.servlet;

import io.ssekit.core.EventJson;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes small JSON responses. */
final class JsonResponse {

  private JsonResponse() {}

  static void send(HttpServletResponse response, int status, Object body) throws IOException {
    byte[] bytes = EventJson.write(body).getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("utf-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
